package runner

import (
	"context"
	"fmt"
	"path/filepath"

	"shoal/protocol"
	"shoal/result"
	"shoal/worker"
)

func (r *runState) execute(ctx context.Context) (*result.Run, error) {
	r.uid = randomHex(16)
	var env []string
	if r.opts.CollectOnly {
		env = append(env, "SHOAL_EAGER=1")
	}
	pid, err := r.procs.StartSession(filepath.Join(r.dir, "session.out"), filepath.Join(r.dir, "session.err"), env...)
	if err != nil {
		return nil, err
	}
	r.sessionPID = pid
	r.pgids = append(r.pgids, pid)
	defer r.killAll()
	r.sessionUp = true
	return r.loop(ctx)
}

func (r *runState) loop(ctx context.Context) (*result.Run, error) {
	interrupted := ctx.Done()
	abort := r.opts.Abort
	for {
		if r.collectedOnly {
			return r.finish()
		}
		if r.workersDone() {
			r.abandonRetries()
			r.finishController()
			if r.controllerDone() {
				return r.finish()
			}
		}
		r.idle()
		select {
		case <-interrupted:
			interrupted = nil
			r.interrupt(interruptReason(ctx))
		case <-abort:
			abort = nil
			r.abort()
		case <-r.killAt:
			r.killAt = nil
			r.graceOver()
		case ev := <-r.events:
			if err := r.handle(ev); err != nil {
				return r.run, err
			}
		}
	}
}

func (r *runState) handle(ev worker.Event) error {
	if err := r.dispatch(ev); err != nil {
		return err
	}
	// Whatever happened (tests done, a worker gone) may let workers go on.
	if r.sched != nil && !r.stopping {
		r.feedAll()
	}
	r.setHurry()
	r.noteStarts()
	return nil
}

func (r *runState) dispatch(ev worker.Event) error {
	switch {
	case ev.Exit != nil:
		return r.onExit(ev.Exit)
	case ev.Timeout != nil:
		r.onTimeout(ev.Timeout)
		return nil
	case ev.Stray != "":
		r.onStray(ev.Conn, ev.Stray)
		return nil
	case ev.Refused != nil:
		return r.onRefused(ev.Refused)
	case ev.Lingering != 0:
		r.onLingering(ev.Lingering)
		return nil
	case ev.Slow != nil:
		r.onSlow(ev.Slow)
		return nil
	case ev.Err != nil:
		return r.onClosed(ev.Conn, ev.Err)
	}
	for _, m := range ev.Lines {
		if err := r.onMessage(ev.Conn, m); err != nil {
			return err
		}
		r.noteStarts()
	}
	return nil
}

func (r *runState) onMessage(c *worker.Conn, m *protocol.Message) error {
	w := r.byConn[c] // nil for the session process and the controller
	switch m.T {
	case "hello":
		return r.onHello(c, m)
	case "files":
		return r.onWalked(w, m)
	case "collected_file":
		return r.onCollectedFile(w, m)
	case "forked":
		r.onForked(m)
	case "exited":
		return r.onExited(m.PID, worker.StatusText(m.Status), exitStatusCode(m.Status))
	case "workerinput":
		r.onWorkerInput(m)
	case "ready":
		if w != nil {
			r.tell(protocol.Command{T: "nodeready", Worker: w.id, Info: m.Info})
		}
	case "done":
		if !w.gave(r.testIndex(m.F, m.P)) {
			r.onStray(c, fmt.Sprintf("a result for test %d:%d, which it was not given", m.F, m.P))
			return nil
		}
		r.lateForTimeout(w, m)
		r.strayFailure(w, m)
		if err := r.onDone(w, m); err != nil {
			return err
		}
		r.forward(w, m.Fwd)
	case "timer":
		r.onTimer(w, m)
	case "warning":
		r.run.Warnings = append(r.run.Warnings, warningOf(m))
	case "interrupted":
		r.onInterrupted(w, m)
	case "ended":
		r.onEnded(w, m)
	case "bye":
		r.onBye(w, m)
	case "finished":
		r.onFinished(c, w, m)
	case "internal_error":
		r.onInternalError(w, m)
	case "usage_error":
		r.onUsageError(w, m)
	default:
		r.onStray(c, fmt.Sprintf("a message of a kind shoal does not know: %q", m.T))
	}
	return nil
}

func warningOf(m *protocol.Message) result.Warning {
	return result.Warning{
		NodeID: m.NodeID, When: m.When, Message: m.Text, Category: m.Category,
		Filename: m.Filename, Lineno: m.Lineno,
	}
}

// idle is called before the run waits for its next event. A simulated
// world (the runner's tests) moves on only then, which makes its runs
// repeatable; real processes move on by themselves.
func (r *runState) idle() {
	if w, ok := r.procs.(interface{ Idle() }); ok && len(r.events) == 0 {
		w.Idle()
	}
}
