package runner

import (
	"slices"

	"shoal/result"
)

// Observer follows a run through its events (result.Event). The runner
// calls it from the goroutine that owns the run and waits for it.
type Observer interface {
	Event(e result.Event)
}

// Tests in events are never changed afterwards: a test that ends is a new
// value (renew), which replaces the collected one in run.Tests.

func (r *runState) emit(e result.Event) { r.obs.Event(e) }

// renew puts a copy of test i in its place in run.Tests, to be filled in
// before observers see it.
func (r *runState) renew(i int) *result.Test {
	t := *r.run.Tests[i]
	r.run.Tests[i] = &t
	return &t
}

func (r *runState) testEnded(i int, t *result.Test) {
	r.emit(result.TestFinished{At: r.now(), Test: i, Ended: t})
}

// testKilled: shoal ended w while it ran test i; the test did not finish.
func (r *runState) testKilled(i int, w *workerState) {
	t := r.renew(i)
	t.Worker, t.Killed = w.id, true
	r.testEnded(i, t)
}

// crashReported tells of the test w crashed under once w's exit status,
// which its report names, is known; unreported says that it is not yet.
func (r *runState) crashReported(w *workerState, i int) {
	w.crashIndex = i
	w.unreported = !w.exited
	if !w.exited {
		return
	}
	r.testEnded(i, w.crashedTest)
}

// reportCrashes tells of the crashed tests whose workers' exit statuses
// never came, in the order of the tests.
func (r *runState) reportCrashes() {
	var waiting []*workerState
	for _, w := range r.byPID {
		if w.unreported {
			waiting = append(waiting, w)
		}
	}
	slices.SortFunc(waiting, func(a, b *workerState) int { return a.crashIndex - b.crashIndex })
	for _, w := range waiting {
		w.unreported = false
		r.testEnded(w.crashIndex, w.crashedTest)
	}
}

func (r *runState) sessionStarted() {
	run := r.run
	r.emit(result.SessionStarted{
		At: r.now(), Header: run.Header, Rootdir: run.Rootdir, InvocationDir: run.InvocationDir,
		PythonVersion: run.PythonVersion, PytestVersion: run.PytestVersion, Options: run.Options,
		Args: r.opts.Args, HeaderShown: run.HeaderShown,
	})
	r.sessionSaid = true
	r.flushEarly()
}

// flushEarly tells the workers' starts held back until the session
// started, or until the run ends where it never did.
func (r *runState) flushEarly() {
	for _, e := range r.early {
		r.emit(e)
	}
	r.early = nil
}

func (r *runState) collectedEvent() result.Collected {
	run := r.run
	ids := make([]string, len(r.order))
	for i, w := range r.order {
		ids[i] = w.id
	}
	return result.Collected{
		At: r.now(), Files: run.Files, Tests: append([]*result.Test(nil), run.Tests...),
		CollectErrors: run.CollectErrors, Deselected: run.Deselected, Workers: ids,
		StartMode: run.StartMode, StartNote: run.StartNote, PlannedBarriers: run.PlannedBarriers,
	}
}

func (r *runState) workerStarted(w *workerState, forked bool) {
	var p *result.Provisions
	if r.opts.WorkerProvisions != nil {
		p = r.opts.WorkerProvisions(w.id)
	}
	e := result.WorkerStarted{At: r.now(), Worker: w.id, PID: w.pid, Forked: forked, Provisions: p}
	if !r.sessionSaid {
		// The workers start with the controller; the session comes
		// first once it has configured and said hello.
		r.early = append(r.early, e)
		return
	}
	r.emit(e)
}

func (r *runState) interrupted(reason string) {
	r.emit(result.Interrupted{At: r.now(), Reason: reason})
}

func (r *runState) finishedEvent() result.Finished {
	run := r.run
	f := result.Finished{
		At: run.Stop, Start: run.Start, ExitCode: run.ExitCode, Stopped: run.Stopped,
		Interrupted: run.Interrupted, Halted: run.Halted, Warnings: run.Warnings, Notes: run.Notes,
		Interrupt: run.Interrupt, InternalErrors: run.InternalErrors, UsageError: run.UsageError,
		SessionOutput: run.SessionOutput,
	}
	for i, t := range run.Tests {
		if !t.Ran() {
			f.NotRun = append(f.NotRun, i)
			if t.Killed {
				f.Killed = append(f.Killed, i)
			}
		}
	}
	return f
}

// noteStarts tells, after each message the run handled, which tests began
// and whether a barrier opened or closed. A worker runs the first test it
// holds once it knows what follows it: a second test, or that none will.
// Looking after each message, not each batch, tells a test's start before
// its result even when both arrive together.
func (r *runState) noteStarts() {
	if r.sched == nil {
		return
	}
	var starting []*workerState
	ordinary := false
	for _, w := range r.order {
		if i, ok := startsNow(w); ok {
			starting = append(starting, w)
			ordinary = ordinary || !r.exclusive(i)
		}
	}
	// A barrier closes once no exclusive test runs, before an ordinary
	// test starts, or once no worker holds an exclusive test any more:
	// exclusive tests that wait for each other share one barrier.
	if r.barrier && !r.exclusiveRuns() && (ordinary || !r.exclusiveHeld()) {
		r.barrier = false
		r.emit(result.Barrier{At: r.now(), Open: false})
	}
	for _, w := range starting {
		i := w.outstanding[0]
		w.announced = i + 1
		at := r.now()
		if r.exclusive(i) && !r.barrier {
			r.barrier = true
			r.emit(result.Barrier{At: at, Open: true})
		}
		r.emit(result.TestStarted{At: at, Test: i, Worker: w.id})
		r.watchSlow(w, i, at)
	}
}

// startsNow tells whether w has begun its first test since it was last
// looked at, and which. An interrupted worker starts nothing more.
func startsNow(w *workerState) (int, bool) {
	if w.interrupted || len(w.outstanding) == 0 || len(w.outstanding) < 2 && !w.stopSent && !w.schedDone {
		return 0, false
	}
	i := w.outstanding[0]
	return i, w.announced != i+1
}

// exclusiveRuns tells whether an exclusive test runs: one observers were
// told started and whose result has not come.
func (r *runState) exclusiveRuns() bool {
	for _, w := range r.order {
		if len(w.outstanding) > 0 && w.announced == w.outstanding[0]+1 && r.exclusive(w.outstanding[0]) {
			return true
		}
	}
	return false
}

// exclusiveHeld tells whether some worker holds an exclusive test.
func (r *runState) exclusiveHeld() bool {
	for _, w := range r.order {
		for _, i := range w.outstanding {
			if r.exclusive(i) {
				return true
			}
		}
	}
	return false
}

func (r *runState) exclusive(i int) bool {
	m := r.run.Tests[i].Marks
	return m != nil && m.Exclusive
}
