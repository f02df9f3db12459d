package runner

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"shoal/protocol"
	"shoal/result"
)

func (r *runState) execute(ctx context.Context) (*result.Run, error) {
	ln, err := net.Listen("unix", r.socket)
	if err != nil {
		return nil, fmt.Errorf("cannot open shoal's socket: %w", err)
	}
	defer ln.Close()
	go r.accept(ln)
	r.uid = randomHex(16)

	stdout, err := os.Create(filepath.Join(r.dir, "session.out"))
	if err != nil {
		return nil, fmt.Errorf("cannot create session log: %w", err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(r.dir, "session.err"))
	if err != nil {
		return nil, fmt.Errorf("cannot create session log: %w", err)
	}
	defer stderr.Close()
	var extra []string
	if r.opts.CollectOnly {
		extra = append(extra, "SHOAL_EAGER=1")
	}
	cmd := r.pytestCommand("session", stdout, stderr, extra...)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start pytest with %s: %w", r.opts.Python, err)
	}
	r.pgids = append(r.pgids, cmd.Process.Pid)
	defer r.killAll()
	go func() {
		err := cmd.Wait()
		r.post(event{exit: &exitEvent{err: err, state: cmd.ProcessState}})
	}()
	r.sessionUp = true
	return r.loop(ctx)
}

func (r *runState) loop(ctx context.Context) (*result.Run, error) {
	interrupted := ctx.Done()
	abort := r.opts.Abort
	for {
		if r.finished() {
			return r.finish()
		}
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

// finished: every worker has ended and nothing is left to hand out.
func (r *runState) finished() bool {
	if r.collectedOnly {
		return true
	}
	if r.sched == nil {
		if r.files == nil || !r.stopping {
			return false
		}
	}
	for _, w := range r.order {
		if !w.ended || len(w.outstanding) > 0 {
			return false
		}
	}
	return r.stopping || r.sched.Left() == 0
}

func (r *runState) handle(ev event) error {
	if err := r.dispatch(ev); err != nil {
		return err
	}
	// Whatever happened (tests done, a worker gone) may let workers go on.
	if r.sched != nil && !r.stopping {
		r.feedAll()
	}
	r.setHurry()
	return nil
}

func (r *runState) dispatch(ev event) error {
	switch {
	case ev.exit != nil:
		return r.onExit(ev.exit)
	case ev.timer != nil:
		r.onTimerExpired(ev.timer)
		return nil
	case ev.err != nil:
		return r.onClosed(ev.conn, ev.err)
	}
	for _, m := range ev.msgs {
		if err := r.onMessage(ev.conn, m); err != nil {
			return err
		}
	}
	return nil
}

func (r *runState) onMessage(c *conn, m *protocol.Message) error {
	switch m.T {
	case "hello":
		return r.onHello(c, m)
	case "files":
		return r.onFiles(m)
	case "collected_file":
		return r.onCollectedFile(c.worker, m)
	case "forked":
		if w := r.workers[m.Worker]; w != nil {
			w.pid = m.PID
			r.byPID[m.PID] = w
			r.pgids = append(r.pgids, m.PID)
			r.run.Workers[w.index].PID = m.PID
		}
	case "exited":
		if w := r.byPID[m.PID]; w != nil {
			r.workerExited(w, exitStatusText(m.Status))
		}
	case "done":
		r.lateForTimeout(c.worker, m)
		return r.onDone(c.worker, m)
	case "timer":
		r.onTimer(c.worker, m)
	case "warning":
		r.run.Warnings = append(r.run.Warnings, result.Warning{
			NodeID: m.NodeID, When: m.When, Message: m.Text, Category: m.Category,
			Filename: m.Filename, Lineno: m.Lineno,
		})
	case "bye":
		if w := c.worker; w != nil {
			w.said = true
			for k := 0; k+1 < len(m.Unrun); k += 2 {
				w.forget(r.testIndex(m.Unrun[k], m.Unrun[k+1]))
			}
			if len(m.Unrun) > 0 && !r.stopping {
				r.stop(fmt.Sprintf("Interrupted: worker %s stopped early", w.id), true)
			}
		}
	default:
		return fmt.Errorf("internal error: unknown message %q from the plugin", m.T)
	}
	return nil
}

func exitStatusText(s *protocol.ExitStatus) string {
	switch {
	case s == nil:
		return "unknown status"
	case s.Signal != nil:
		return describeSignal(*s.Signal)
	case s.Code != nil:
		return fmt.Sprintf("exit code %d", *s.Code)
	}
	return "unknown status"
}
