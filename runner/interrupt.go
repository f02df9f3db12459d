package runner

import (
	"context"
	"errors"
	"time"
)

// An interrupt (Ctrl-C, SIGTERM, the session timeout) stops the run: nothing
// new starts and running tests get Options.Grace to finish. Then, or at once
// on Options.Abort, shoal kills the process group of every pytest process it
// started, which takes the tests' own child processes with them; the tests
// that were running count as not run (result.Test.Killed), and the run
// returns what it has so the reports can still be written.

// giveUp is how long the run waits to hear that killed processes are gone
// before it ends without them.
const giveUp = 3 * time.Second

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
	if r.sched == nil {
		r.killEverything()
		return
	}
	r.killAt = r.clock.After(r.opts.Grace)
}

// abort ends everything now: a second interrupt.
func (r *runState) abort() {
	if !r.run.Halted {
		r.stop("KeyboardInterrupt", true)
		r.run.Interrupted, r.run.Halted = true, true
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
			t := r.run.Tests[w.outstanding[0]]
			t.Worker, t.Killed = w.id, true
		}
		w.outstanding, w.collecting = nil, nil
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
