package runner

import (
	"fmt"
	"os"
	"path/filepath"

	"shoal/protocol"
	"shoal/result"
)

// feedAll offers every worker more work, again while any took some: what
// one worker takes can let another go on (a barrier reached, a lock freed).
func (r *runState) feedAll() {
	for more := true; more; {
		more = false
		for _, w := range r.order {
			if r.feed(w) {
				more = true
			}
		}
	}
}

// feed sends worker w what the scheduler gives it; it tells whether it sent
// anything.
func (r *runState) feed(w *workerState) bool {
	if w.conn == nil || w.ended || w.aborted || r.sched == nil && !r.stopping {
		return false
	}
	if r.stopping && !w.inputSent {
		r.sendWorkerInput(w) // which ends it before it configures
		return false
	}
	if r.stopping {
		// Even after "stop": a gated worker waits for word after a
		// failure; one still walking the suite reads it once it has.
		w.conn.Send(protocol.Command{T: "abort"})
		w.aborted = true
		return false
	}
	if !w.walked || w.stopSent || !r.allWalked() {
		return false
	}
	if w.schedDone {
		return r.feedRetry(w)
	}
	items, final := r.sched.Next(w.index, r.now())
	if len(items) > 0 {
		w.outstanding = append(w.outstanding, items...)
		refs := make([]int, 0, 2*len(items))
		for _, i := range items {
			refs = append(refs, r.run.Tests[i].File, r.run.Tests[i].Pos)
		}
		w.conn.Send(protocol.Command{T: "run", Items: refs, Retries: r.opts.Retries})
	}
	if final && r.opts.Retries > 0 {
		// Its last test runs now with nextitem=None; retries may follow.
		w.conn.Send(protocol.Command{T: "drain"})
		w.schedDone = true
		r.feedRetry(w)
		return true
	}
	if final {
		// Nothing more will come: its last test runs with nextitem=None.
		w.conn.Send(protocol.Command{T: "stop"})
		w.stopSent = true
	}
	return len(items) > 0 || final
}

// allWalked: every worker has walked the suite (or ended). Tests go out
// only then, as pytest-xdist's do once every worker has collected: the
// first worker ready would otherwise take the whole plan.
func (r *runState) allWalked() bool {
	for _, w := range r.order {
		if !w.walked && !w.ended {
			return false
		}
	}
	return true
}

func (w *workerState) forget(i int) {
	for k, j := range w.outstanding {
		if j == i {
			w.outstanding = append(w.outstanding[:k], w.outstanding[k+1:]...)
			return
		}
	}
}

func (r *runState) onDone(w *workerState, m *protocol.Message) error {
	i := r.testIndex(m.F, m.P)
	if w == nil || r.sched == nil || i < 0 || i >= len(r.run.Tests) || r.run.Tests[i].File != m.F {
		return fmt.Errorf("internal error: result for unknown test %d:%d", m.F, m.P)
	}
	ended := *r.run.Tests[i]
	t := &ended
	w.forget(i)
	t.Worker, t.Start, t.Stop, t.CPU, t.Reports = w.id, m.Start, m.Stop, m.CPU, reportsOf(m.Reports)
	if len(m.OK) == len(result.PassReports) {
		t.Reports, t.Durations = result.PassReports, m.OK
	}
	if _, again := r.tries[i]; !again {
		r.sched.Done(w.index, i, m.Stop-m.Start, r.now())
	}
	if r.retrying(w, i, t) {
		return nil
	}
	r.withAttempts(i, t)
	r.run.Tests[i] = t
	r.testEnded(i, t)
	failed := false
	for _, rep := range t.Reports {
		if rep.Outcome == "failed" && rep.WasXFail == nil {
			r.failures++
			failed = true
		}
	}
	if mf := r.run.Options.MaxFail; mf > 0 && r.failures >= mf && !r.stopping {
		r.stopAtMaxFail()
		return nil
	}
	if failed && r.run.Options.MaxFail > 0 && !r.stopping {
		w.conn.Send(protocol.Command{T: "go"}) // the gate: it waits after a failure
	}
	return nil
}

// failureFile is where the run's failures add up, a byte each, for
// --maxfail: every worker appends its failures and looks before it starts a
// test, so none starts once they reach it, whichever worker failed.
func (r *runState) failureFile() string { return filepath.Join(r.dir, "failures") }

// countFailure adds a failure the run saw itself (a crash) to the file.
func (r *runState) countFailure() {
	if r.run.Options.MaxFail <= 0 {
		return
	}
	f, err := os.OpenFile(r.failureFile(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err == nil {
		_, _ = f.Write([]byte("F"))
		_ = f.Close()
	}
}

// maxFailReached: the failures in the file reached --maxfail, though the
// report of the last may still be on its way.
func (r *runState) maxFailReached() bool {
	mf := r.run.Options.MaxFail
	st, err := os.Stat(r.failureFile())
	return mf > 0 && err == nil && st.Size() >= int64(mf)
}

// stop ends the run early: nothing new starts, running tests finish.
// interrupted runs exit 2; a run stopped by --maxfail exits as its tests say.
// stopAtMaxFail stops the run once --maxfail failures are in; --sw stops
// it there too, as pytest's stepwise plugin does: interrupted, exit code 2.
func (r *runState) stopAtMaxFail() {
	if r.run.Options.Stepwise {
		r.stop("Interrupted: Test failed, continuing from this test next run.", true)
		return
	}
	r.stop(fmt.Sprintf("stopping after %d failures", r.failures), false)
}

func (r *runState) stop(reason string, interrupted bool) {
	if r.stopping {
		return
	}
	r.stopping = true
	r.run.Stopped = reason
	r.run.Interrupted = interrupted
	for _, w := range r.order {
		r.feed(w)
	}
}
