package runner

import (
	"context"
	"errors"
	"time"

	"shoal/protocol"
)

// An interrupt (Ctrl-C, SIGTERM, SIGHUP, SIGPIPE, the session timeout, or
// a KeyboardInterrupt a test raised) stops the run as Ctrl-C stops pytest:
// nothing new starts, and every worker that holds a test gets SIGINT, so
// the running test gets KeyboardInterrupt at once and the worker says
// where it was, then ends its session as pytest does. Tests that ignore
// it get Options.Grace. Then, or at once on Options.Abort, shoal kills the
// process group of every pytest process it started, which takes the
// tests' own child processes with them; the tests that were running count
// as not run (result.Test.Killed), and the run returns what it has so the
// reports can still be written.

// giveUp is how long the run waits to hear that killed processes are gone
// before it ends without them.
const giveUp = 3 * time.Second

// controllerGrace is how long the controller may take to end its session
// once an interrupted run's tests are over, before shoal ends it.
const controllerGrace = time.Minute

// onlyControllerLeft: every worker has ended and the controller, which
// has not had its own time yet, is still ending its session.
func (r *runState) onlyControllerLeft() bool {
	if r.ctl == nil || r.ctl.exited || r.ctlGrace {
		return false
	}
	for _, w := range r.order {
		if !w.ended {
			return false
		}
	}
	return true
}

// interruptReason is what the summary says stopped the run: the cause the
// context was cancelled with, or pytest's word for Ctrl-C.
func interruptReason(ctx context.Context) string {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		return "KeyboardInterrupt"
	}
	return cause.Error()
}

func (r *runState) interrupt(reason string) {
	r.stop(reason, true)
	// Also after --maxfail: the reason for stopping is now the interrupt.
	r.run.Stopped, r.run.Interrupted, r.run.Halted = reason, true, true
	r.interrupted(reason)
	if r.sched == nil {
		r.killEverything()
		return
	}
	for _, w := range r.order {
		if !w.ended && !w.interrupted && w.pid > 0 && len(w.outstanding) > 0 {
			w.interrupted = true
			r.procs.Interrupt(w.pid)
		}
	}
	r.killAt = r.clock.After(r.opts.Grace)
}

// onInterrupted: a KeyboardInterrupt stopped worker w, in a test or
// between tests: shoal's SIGINT, or one the test raised (pytest then ends
// the whole session, and so does shoal). The test did not finish: it
// counts as not run, as in pytest, and the summary says where it was.
// The worker's "bye" follows, and its end.
func (r *runState) onInterrupted(w *workerState, m *protocol.Message) {
	if w == nil {
		return
	}
	w.interrupted = true
	if i := r.testIndex(m.F, m.P); m.NodeID != "" && w.gave(i) {
		t := r.renew(i)
		t.Worker, t.Start, t.Stop, t.Killed = w.id, m.Start, m.Stop, true
		t.Interrupt, t.InterruptTrace = m.Text, m.Trace
		w.forget(i)
		w.stopClock()
		r.testEnded(i, t)
	}
	if !r.run.Halted && r.run.Interrupt == nil {
		// Not shoal's SIGINT, which halts the run first, nor the one it
		// then sends the other workers: the test's own, which the run
		// shows.
		r.interrupt("KeyboardInterrupt")
		if m.Title != "" {
			r.testInterrupt(m)
		}
	}
}

// abort ends everything now: a second interrupt.
func (r *runState) abort() {
	if !r.run.Halted {
		r.stop("KeyboardInterrupt", true)
		r.run.Interrupted, r.run.Halted = true, true
		r.interrupted("KeyboardInterrupt")
	}
	r.killEverything()
}

// killEverything kills every process group of the run, once.
func (r *runState) killEverything() {
	if r.killed {
		return
	}
	r.killed = true
	for _, w := range r.order {
		w.stopClock()
	}
	r.killAll()
	r.killAt = r.clock.After(giveUp)
}

// graceOver: the running tests had their time; end them. If they were
// ended already and some worker was still not heard of, stop waiting.
func (r *runState) graceOver() {
	if !r.killed && r.onlyControllerLeft() {
		// The tests are over: the controller ends pytest's session (its
		// terminal summary, pytest-cov's report), which the grace for
		// running tests does not measure. It gets a time of its own, once.
		r.ctlGrace = true
		r.killAt = r.clock.After(controllerGrace)
		return
	}
	if !r.killed {
		r.killEverything()
		return
	}
	for _, w := range r.order {
		if w.ended {
			continue
		}
		w.ended = true
		if len(w.outstanding) > 0 {
			r.testKilled(w.outstanding[0], w)
		}
		w.outstanding, w.collecting = nil, nil
	}
	if c := r.ctl; c != nil && !c.exited {
		// Killed with the rest; shoal may never have heard it at all
		// (out of file descriptors), and nobody is left to say it ended.
		c.exited, c.code = true, -1
	}
	r.sessionUp = false
}

// forksLost: the session is gone, so the workers it was asked to fork and
// had not forked yet will never come.
func (r *runState) forksLost() {
	if !r.forking {
		return
	}
	for _, w := range r.order {
		if w.conn == nil && w.pid == 0 && !w.ended {
			w.ended = true
		}
	}
}
