package runner

import (
	"time"

	"shoal/protocol"
	"shoal/result"
	"shoal/worker"
)

// Timeouts: the worker says "timer" before a test that has a timeout
// starts, and the run keeps the clock (worker.Timeout says how it goes on
// when the time is up). When it ends the worker, the connection closes and
// crashed reports the timeout with the test's stacks.

// onTimer: worker w starts a test that may run m.Seconds from m.Start.
func (r *runState) onTimer(w *workerState, m *protocol.Message) {
	i := r.testIndex(m.F, m.P)
	if w == nil || r.sched == nil || i < 0 || i >= len(r.run.Tests) || !(m.Seconds > 0) {
		return
	}
	w.stopClock()
	start := m.Start
	if start <= 0 {
		start = r.now()
	}
	// The worker's clock: the message may have waited a little.
	tm := worker.NewTimeout(i, m.Seconds, m.DumpSignal, start)
	w.timer = tm
	r.wakeAfter(w, time.Duration((tm.Deadline-r.now())*float64(time.Second)))
}

// wakeAfter runs w's test clock: in d it goes off.
func (r *runState) wakeAfter(w *workerState, d time.Duration) {
	tm := w.timer
	w.stopTimer = r.clock.AfterFunc(d, func() { r.post(worker.Event{Timeout: tm}) })
}

// stopClock stops the clock of the test w runs, if it has one.
func (w *workerState) stopClock() {
	if w.stopTimer != nil {
		w.stopTimer()
		w.stopTimer = nil
	}
}

// onTimeout: a test's time is up, or the run looks again for its stacks.
func (r *runState) onTimeout(tm *worker.Timeout) {
	w := r.timed(tm)
	if w == nil || w.ended || tm.Killed || r.run.Tests[tm.Test].Ran() {
		return // in time, or late and reported so (lateForTimeout)
	}
	switch tm.Expired(r.clock.Now(), w.files.StacksSize()) {
	case worker.AskStacks:
		r.procs.Signal(w.pid, tm.Signal)
		r.wakeAfter(w, worker.StacksPoll)
	case worker.Wait:
		r.wakeAfter(w, worker.StacksPoll)
	case worker.End:
		r.procs.Kill(w.pid)
	}
}

// timed is the worker whose running test's clock tm is, nil when tm is
// stale: the test finished, or its worker was replaced.
func (r *runState) timed(tm *worker.Timeout) *workerState {
	for _, w := range r.order {
		if w.timer == tm {
			return w
		}
	}
	return nil
}

// lateForTimeout looks at a test's result as it arrives: when shoal had
// asked for its stacks because its time was up, and it finished after that
// time, it failed by its timeout whatever it reported (the signal may even
// have cut short a wait in C code). Its worker lives on; the processes the
// test started are ended.
func (r *runState) lateForTimeout(w *workerState, m *protocol.Message) {
	if w == nil || w.timer == nil || !w.timer.Asked() || w.timer.Killed {
		return
	}
	tm := w.timer
	t := r.run.Tests[tm.Test]
	if r.testIndex(m.F, m.P) != tm.Test || t.Ran() {
		return
	}
	w.timer = nil
	c := w.files.LateCrash(w.id, t.NodeID, tm)
	if m.Stop <= tm.Deadline {
		return // it finished in time; its result was on its way
	}
	r.procs.KillChildren(w.pid)
	rep := c.Report()
	if n := len(m.Reports); n > 0 {
		rep.Sections = m.Reports[n-1].Sections // the last phase's holds them all
	}
	m.OK = nil
	m.Reports = []protocol.Report{rep}
}

// timeoutCasualty: shoal ended w for its previous test, whose result was
// still on its way; the test t it died in had only just started.
func (r *runState) timeoutCasualty(w *workerState, t *result.Test) bool {
	tm := w.timer
	return tm != nil && tm.Killed && r.run.Tests[tm.Test] != t
}
