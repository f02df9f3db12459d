package runner

import (
	"fmt"
	"maps"
	"slices"

	"shoal/protocol"
	"shoal/result"
)

// Retries (Options.Retries): a test whose setup or call failed runs again,
// up to that many more times. The worker reports a failure that will be
// retried as pytest-rerunfailures reports its reruns (outcome "rerun"), so
// it counts towards neither --maxfail nor the run's failures. Each retry is
// a unit of its own, handed out after the run's other work, to whichever
// worker is free; the worker first tears all its fixtures down (the test
// before the retry runs with nextitem=None), so that a retry starts as the
// test's first run did, from no cached fixture and no cached setup error,
// and it tears them down again after it. Observers hear of the test once,
// at its last attempt, with every attempt's reports.

// retry is a test waiting to run again.
type retry struct {
	test    int
	attempt int // from 1
}

// tried is what the run keeps of a test's failed attempts.
type tried struct {
	attempts []result.Attempt
	reports  []result.Report
}

// retrying: the reports of test i's attempt say it runs again. It keeps
// them and queues the retry.
func (r *runState) retrying(w *workerState, i int, t *result.Test) bool {
	if r.opts.Retries <= 0 || !hasRerun(t.Reports) {
		return false
	}
	if r.tries == nil {
		r.tries = map[int]*tried{}
	}
	k := r.tries[i]
	if k == nil {
		k = &tried{}
		r.tries[i] = k
	}
	k.attempts = append(k.attempts, result.Attempt{Worker: w.id, Start: t.Start, Stop: t.Stop, Reports: len(t.Reports)})
	k.reports = append(k.reports, t.Reports...)
	r.retries = append(r.retries, retry{test: i, attempt: len(k.attempts)})
	return true
}

func hasRerun(reports []result.Report) bool {
	for _, rep := range reports {
		if rep.Outcome == "rerun" {
			return true
		}
	}
	return false
}

// withAttempts puts the earlier attempts of test i before t's own reports.
func (r *runState) withAttempts(i int, t *result.Test) {
	k := r.tries[i]
	if k == nil {
		return
	}
	delete(r.tries, i)
	last := t.Reports
	if t.Durations != nil {
		// A plain pass: its reports are shared; these are its own.
		last = make([]result.Report, len(t.Reports))
		for j, rep := range t.Reports {
			rep.Duration = t.Durations[j]
			last[j] = rep
		}
		t.Durations = nil
	}
	t.Reports = append(append([]result.Report(nil), k.reports...), last...)
	t.Attempts = k.attempts
}

// feedRetry gives w, which the scheduler has nothing more for, a retry
// that may start now, or the word to stop once no test can fail into a
// retry any more. It tells whether it sent anything.
func (r *runState) feedRetry(w *workerState) bool {
	if w.stopSent {
		return false
	}
	for q, rt := range r.retries {
		if !r.retryFits(rt.test) {
			continue
		}
		r.retries = append(r.retries[:q], r.retries[q+1:]...)
		t := r.run.Tests[rt.test]
		w.outstanding = append(w.outstanding, rt.test)
		w.announced = 0 // the same test may start on it again
		w.conn.Send(protocol.Command{T: "run", Items: []int{t.File, t.Pos}, Attempt: rt.attempt, Retries: r.opts.Retries})
		w.conn.Send(protocol.Command{T: "drain"})
		return true
	}
	if len(r.retries) > 0 || r.anyOutstanding() {
		return false
	}
	w.conn.Send(protocol.Command{T: "stop"})
	w.stopSent = true
	return true
}

// retryFits: test i may run again now. Retries wait for the run's other
// work to be handed out; a test with markers (run alone, a lock, slots,
// a known conflict) runs again only while no other test runs, and no
// other test runs beside it, so that a retry never breaks what its
// markers ask.
func (r *runState) retryFits(i int) bool {
	for _, w := range r.order {
		if !w.ended && !w.schedDone {
			return false
		}
	}
	if r.run.Tests[i].Marks != nil {
		return !r.anyOutstanding()
	}
	for _, w := range r.order {
		for _, j := range w.outstanding {
			if r.run.Tests[j].Marks != nil {
				return false
			}
		}
	}
	return true
}

func (r *runState) anyOutstanding() bool {
	for _, w := range r.order {
		if len(w.outstanding) > 0 && !w.ended {
			return true
		}
	}
	return false
}

// abandonRetries ends the tests whose retries did not run (the run
// stopped first, or no worker was left) with the failure of their last
// attempt. A retry that crashed its worker has ended as such already.
func (r *runState) abandonRetries() {
	r.retries = nil
	left := slices.Sorted(maps.Keys(r.tries))
	for _, i := range left {
		k := r.tries[i]
		delete(r.tries, i)
		if r.run.Tests[i].Ran() {
			continue
		}
		t := r.renew(i)
		n := len(k.attempts) - 1
		last := k.attempts[n]
		t.Worker, t.Start, t.Stop, t.Killed = last.Worker, last.Start, last.Stop, false
		t.Attempts = k.attempts[:n]
		t.Reports = slices.Clone(k.reports)
		for j := len(k.reports) - last.Reports; j < len(t.Reports); j++ {
			unrerun(&t.Reports[j])
		}
		r.testEnded(i, t)
	}
}

// unrerun makes a rerun report the failure it was.
func unrerun(rep *result.Report) {
	if rep.Outcome != "rerun" {
		return
	}
	rep.Outcome, rep.Category, rep.Letter, rep.Word = "failed", "failed", "F", "FAILED"
	if rep.When != "call" {
		rep.Category, rep.Letter, rep.Word = "error", "E", "ERROR"
	}
}

// noteFlaky says, under the summary, which tests passed only on a retry:
// the stats line counts them passed, as pytest-rerunfailures does.
func (r *runState) noteFlaky() {
	for _, t := range r.run.Tests {
		if t.Flaky() {
			r.run.Notes = append(r.run.Notes, fmt.Sprintf("flaky: %s passed on attempt %d of %d", t.NodeID, len(t.Attempts)+1, r.opts.Retries+1))
		}
	}
}
