package runner

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"shoal/result"
)

// The run's state machine over the fake world (fake_test.go): no Python,
// no processes, simulated time.

// recorder keeps a run's events.
type recorder struct{ events []result.Event }

func (r *recorder) Event(e result.Event) { r.events = append(r.events, e) }

// fakeRun is a finished run over the fake world.
type fakeRun struct {
	run    *result.Run
	err    error
	world  *world
	events []result.Event
}

// runFake runs suite with opts (2 forked workers unless they say otherwise).
// interrupt, when set, interrupts the run once (see world.interrupt).
func runFake(t *testing.T, suite fakeSuite, opts Options, interrupt func(w *world, cancel func()) bool) fakeRun {
	t.Helper()
	if opts.Workers == 0 {
		opts.Workers = 2
	}
	opts.Fork = true // unless the suite says it cannot
	w := newWorld(t, suite)
	rec := &recorder{}
	r := newRun(opts, rec, t.TempDir(), w)
	w.r, r.procs = r, w
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if interrupt != nil {
		w.interrupt = func(w *world) bool { return interrupt(w, cancel) }
	}
	defer close(r.done)
	run, err := r.execute(ctx)
	if err == nil && !opts.CollectOnly {
		// A run that only collects (shoal plan, verify's first step) has
		// no observer that shows its events.
		checkEvents(t, rec.events, run)
	}
	return fakeRun{run: run, err: err, world: w, events: rec.events}
}

// checkEvents holds a run's events to their promises (result.Check) and
// to the run the runner returned: added up, they are that run.
func checkEvents(t *testing.T, events []result.Event, run *result.Run) {
	t.Helper()
	if err := result.Check(events); err != nil {
		t.Errorf("events: %v", err)
	}
	var built result.Run
	for _, e := range events {
		built.Apply(e)
	}
	if !reflect.DeepEqual(built.Tests, run.Tests) {
		t.Errorf("the events' tests are not the run's:\n%s\n%s", outcomes(&built), outcomes(run))
	}
	if built.ExitCode != run.ExitCode || built.Stopped != run.Stopped || built.Halted != run.Halted ||
		built.Start != run.Start || built.Stop != run.Stop || len(built.Workers) != len(run.Workers) {
		t.Errorf("the events' run %+v is not the runner's %+v", built, *run)
	}
	for i, w := range run.Workers {
		if b := built.Workers[i]; b.ID != w.ID || b.PID != w.PID || b.Restarts != w.Restarts {
			t.Errorf("the events' worker %+v is not the runner's %+v", *b, *w)
		}
	}
}

// outcomes writes each test's outcome as a letter, in collection order:
// . passed, F failed, C crashed, K killed by an interrupt, - not run.
func outcomes(run *result.Run) string {
	var b strings.Builder
	for _, t := range run.Tests {
		switch {
		case t.Crashed:
			b.WriteByte('C')
		case t.Killed:
			b.WriteByte('K')
		case t.Outcome() == result.Passed:
			b.WriteByte('.')
		case t.Outcome() == result.Failed:
			b.WriteByte('F')
		case t.Outcome() == result.NotRun:
			b.WriteByte('-')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

func sortedLetters(s string) string {
	b := []byte(s)
	slices.Sort(b)
	return string(b)
}

// restarts counts the replacements of crashed or timed-out workers.
func restarts(run *result.Run) int {
	n := 0
	for _, w := range run.Workers {
		n += w.Restarts
	}
	return n
}

// message is test i's failure message, its long report after a newline.
func message(run *result.Run, i int) string {
	for _, rep := range run.Tests[i].Reports {
		if rep.Outcome == "failed" && rep.Crash != nil {
			return *rep.Crash + "\n" + rep.LongRepr
		}
	}
	return ""
}

func TestRunStateMachine(t *testing.T) {
	type testCase struct {
		name      string
		suite     fakeSuite
		opts      Options
		interrupt func(w *world, cancel func()) bool
		// What the run must give.
		exit     int
		outcomes string // see outcomes
		// anyOrder: which tests ran before the run stopped is the
		// scheduler's choice; only how many of each outcome counts.
		anyOrder bool
		stopped  string
		mode     string // start mode
		started  int    // worker processes started, replacements included
		restarts int
		// says: test index → what its failure message says
		says map[int][]string
		// interrupts: test index → where a KeyboardInterrupt stopped it
		// ("" where shoal killed it)
		interrupts map[int]string
		notes      []string // the summary's notes
	}
	run := func(t *testing.T, tc testCase) {
		fr := runFake(t, tc.suite, tc.opts, tc.interrupt)
		if fr.err != nil {
			t.Fatalf("run failed: %v", fr.err)
		}
		run := fr.run
		got, want := outcomes(run), tc.outcomes
		if tc.anyOrder {
			got, want = sortedLetters(got), sortedLetters(want)
		}
		if got != want {
			t.Errorf("outcomes %s, want %s", got, want)
		}
		if run.ExitCode != tc.exit || run.Stopped != tc.stopped {
			t.Errorf("exit code %d, stopped %q; want %d, %q", run.ExitCode, run.Stopped, tc.exit, tc.stopped)
		}
		if tc.mode != "" && run.StartMode != tc.mode {
			t.Errorf("start mode %q, want %q", run.StartMode, tc.mode)
		}
		if fr.world.started != tc.started || restarts(run) != tc.restarts {
			t.Errorf("%d workers started, %d restarts; want %d, %d", fr.world.started, restarts(run), tc.started, tc.restarts)
		}
		if !slices.Equal(run.Notes, tc.notes) {
			t.Errorf("notes %q, want %q", run.Notes, tc.notes)
		}
		for i, where := range tc.interrupts {
			if rt := run.Tests[i]; !rt.Killed || rt.Interrupt != where {
				t.Errorf("test %d: killed %v, interrupted at %q; want killed, at %q", i, rt.Killed, rt.Interrupt, where)
			}
		}
		for i, says := range tc.says {
			msg := message(run, i)
			for _, s := range says {
				if !strings.Contains(msg, s) {
					t.Errorf("test %d's failure does not say %q:\n%s", i, s, msg)
				}
			}
		}
	}
	abort := make(chan struct{})
	two := func(a, b string) []fakeFile { return []fakeFile{{name: "a.py", tests: a}, {name: "b.py", tests: b}} }
	testCases := []testCase{
		{name: "forked workers run everything", suite: fakeSuite{files: two("....", "...")},
			exit: 0, outcomes: ".......", mode: "fork", started: 2},
		{name: "spawned where the session cannot fork", suite: fakeSuite{files: two("....", "..."), noFork: true},
			exit: 0, outcomes: ".......", mode: "spawn", started: 2},
		{name: "one worker", suite: fakeSuite{files: two("..F.", "...")}, opts: Options{Workers: 1},
			exit: 1, outcomes: "..F....", started: 1},
		{name: "workers without a test end", suite: fakeSuite{files: two(".", "")}, opts: Options{Workers: 4},
			exit: 0, outcomes: ".", started: 4},
		{name: "workers collect lazily", suite: fakeSuite{files: two("...", "..F."), lazy: true},
			exit: 1, outcomes: ".....F.", started: 2},
		{name: "a worker dies importing a file", suite: fakeSuite{lazy: true, files: []fakeFile{
			{name: "a.py", tests: "..."}, {name: "b.py", tests: "..", crashOnImport: true}, {name: "c.py", tests: ".."}}}, opts: Options{MaxWorkerRestart: -1},
			exit: 2, outcomes: "-----", stopped: "Interrupted: 1 error during collection", started: 3, restarts: 1},
		{name: "a failure", suite: fakeSuite{files: two("..F.", "...")},
			exit: 1, outcomes: "..F....", started: 2},
		{name: "flaky tests pass on a retry", suite: fakeSuite{files: two("..f.", ".f.")}, opts: Options{Retries: 2},
			exit: 0, outcomes: ".......", started: 2,
			notes: []string{"flaky: a.py::t2 passed on attempt 2 of 3", "flaky: b.py::t1 passed on attempt 2 of 3"}},
		{name: "a failure fails every attempt", suite: fakeSuite{files: two("..F.", "...")}, opts: Options{Retries: 1},
			exit: 1, outcomes: "..F....", started: 2},
		{name: "one worker retries after its other tests", suite: fakeSuite{files: two("f..", ".F")}, opts: Options{Workers: 1, Retries: 1},
			exit: 1, outcomes: "....F", started: 1, notes: []string{"flaky: a.py::t0 passed on attempt 2 of 2"}},
		{name: "a failure that runs again does not count for maxfail", suite: fakeSuite{files: two("f...", "...."), maxfail: 1},
			opts: Options{Retries: 1}, exit: 0, outcomes: "........", started: 2, notes: []string{"flaky: a.py::t0 passed on attempt 2 of 2"}},
		{name: "maxfail stops retries waiting", suite: fakeSuite{files: two("FF", "FF"), maxfail: 1},
			opts: Options{Workers: 1, Retries: 1}, exit: 1, anyOrder: true, outcomes: "FFFF", stopped: "stopping after 1 failures", started: 1},
		{name: "a crash: its worker is replaced", suite: fakeSuite{files: two(".C..", "...")}, opts: Options{MaxWorkerRestart: -1},
			exit: 1, outcomes: ".C.....", started: 3, restarts: 1,
			says: map[int][]string{1: {"worker 'gw", "crashed while running 'a.py::t1'", "signal 11 (segmentation fault)", "Fatal Python error"}}},
		{name: "a crash in a spawned worker", suite: fakeSuite{files: two(".C..", "..."), noFork: true}, opts: Options{MaxWorkerRestart: -1},
			exit: 1, outcomes: ".C.....", started: 3, restarts: 1,
			says: map[int][]string{1: {"signal 11 (segmentation fault)"}}},
		{name: "a forked child holds a connection: the worker's exit ends it", suite: fakeSuite{files: two(".k..", "...")},
			exit: 0, outcomes: ".......", started: 2},
		{name: "a crash after a forked child: seen at the worker's exit", suite: fakeSuite{files: two(".kC.", "..."), noFork: true},
			opts: Options{MaxWorkerRestart: -1}, exit: 1, outcomes: "..C....", started: 3, restarts: 1,
			says: map[int][]string{2: {"crashed while running 'a.py::t2'", "signal 11"}}},
		{name: "a stray line fails its test; the run goes on", suite: fakeSuite{files: two(".s..", "...")},
			exit: 1, outcomes: ".F.....", started: 2,
			says: map[int][]string{1: {"worker 'gw", "a line that is no message of shoal's protocol", `"not a message"`}}},
		{name: "a thread keeps a worker alive: ended after its session", suite: fakeSuite{files: two(".T..", "...")},
			exit: 0, outcomes: ".......", started: 2,
			notes: []string{"worker gw0 had not exited 5s after its tests ended: its thread 'left-running' is no daemon and had not ended; shoal ended it"}},
		{name: "max worker restarts reached", suite: fakeSuite{files: two("C.C.", "C.C.")}, opts: Options{MaxWorkerRestart: 1},
			exit: 2, outcomes: "C---C---", stopped: "maximum crashed workers reached: 1 (--max-worker-restart)", started: 3, restarts: 1},
		{name: "no restarts allowed", suite: fakeSuite{files: two("C...", "....")}, opts: Options{MaxWorkerRestart: 0, Workers: 1},
			exit: 2, outcomes: "C-------", stopped: "maximum crashed workers reached: 0 (--max-worker-restart)", started: 1},
		{name: "default restarts: 4 per worker", suite: fakeSuite{files: []fakeFile{{name: "a.py", tests: "CCCCCCCC"}}},
			opts: Options{MaxWorkerRestart: -1, Workers: 1},
			exit: 2, outcomes: "CCCCC---", anyOrder: true, stopped: "maximum crashed workers reached: 4 (--max-worker-restart)", started: 5, restarts: 4},
		{name: "a timeout with stacks", suite: fakeSuite{files: two(".H..", "...")}, opts: Options{Timeout: 1},
			exit: 1, outcomes: ".C.....", started: 3, restarts: 1,
			says: map[int][]string{1: {"Failed: Timeout (>1s)", "while running 'a.py::t1'", "stacks of its threads", "test_hangs"}}},
		{name: "a timeout without stacks", suite: fakeSuite{files: two(".D..", "...")}, opts: Options{Timeout: 1.5},
			exit: 1, outcomes: ".C.....", started: 3, restarts: 1,
			says: map[int][]string{1: {"Failed: Timeout (>1.5s)", "did not write its threads' stacks within 2s of signal 10"}}},
		{name: "finished late: failed, its worker lives on", suite: fakeSuite{files: two(".L..", "...")}, opts: Options{Timeout: 2},
			exit: 1, outcomes: ".F.....", started: 2,
			says: map[int][]string{1: {"Failed: Timeout (>2s)", "it ended only after its time was up"}}},
		{name: "interrupted while a test hangs", suite: fakeSuite{files: two(".H..", "...")}, opts: Options{Workers: 1},
			interrupt: interruptWhileHanging,
			exit:      2, outcomes: ".K-----", stopped: "KeyboardInterrupt", started: 1},
		{name: "an interrupt stops the running tests at once, and starts none", suite: fakeSuite{files: two(".H..", "H..")},
			opts: Options{Grace: time.Hour}, interrupt: interruptWhileHanging,
			exit: 2, outcomes: ".K--K--", anyOrder: true, stopped: "KeyboardInterrupt", started: 2,
			interrupts: map[int]string{1: "t.py:3: KeyboardInterrupt"}},
		{name: "a test that ignores the interrupt gets the grace, then is killed", suite: fakeSuite{files: two(".I..", "...")},
			opts: Options{Workers: 1, Grace: 5 * time.Second}, interrupt: interruptWhileHanging,
			exit: 2, outcomes: ".K-----", stopped: "KeyboardInterrupt", started: 1, interrupts: map[int]string{1: ""}},
		// The session shows the test's interrupt where pytest does: the run names no reason of its own.
		{name: "a test that raises KeyboardInterrupt interrupts the run", suite: fakeSuite{files: two("..X.", "H..")},
			exit: 2, outcomes: "..K-K--", anyOrder: true, stopped: "", started: 2,
			interrupts: map[int]string{2: "t.py:3: KeyboardInterrupt"}},
		{name: "a second interrupt ends it at once", suite: fakeSuite{files: two(".H..", "...")}, opts: Options{Workers: 1, Abort: abort},
			interrupt: func(w *world, cancel func()) bool {
				return interruptWhileHanging(w, func() { close(abort) })
			},
			exit: 2, outcomes: ".K-----", stopped: "KeyboardInterrupt", started: 1},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

// interruptWhileHanging interrupts the run once a test hangs.
func interruptWhileHanging(w *world, cancel func()) bool {
	for _, p := range w.procs {
		if p.running != nil && !p.dead {
			cancel()
			return true
		}
	}
	return false
}

func TestUsageErrorPassesThrough(t *testing.T) {
	fr := runFake(t, fakeSuite{usage: "ERROR: usage: pytest [options]\n"}, Options{}, nil)
	var pass *Passthrough
	if !errors.As(fr.err, &pass) || pass.Code != 4 || string(pass.Stderr) != "ERROR: usage: pytest [options]\n" {
		t.Fatalf("error %v (%+v), want pytest's usage error passed through", fr.err, pass)
	}
}

// TestMaxFail: --maxfail N counts failures across workers. A failure that
// does not reach N leaves its worker running (the gate holds it until
// "go"); the Nth stops the run, and the tests in flight may add one
// failure per other worker, as with pytest-xdist.
func TestMaxFail(t *testing.T) {
	files := []fakeFile{
		{name: "a.py", tests: ".F........"},
		{name: "b.py", tests: "....F....."},
		{name: "c.py", tests: "........F."},
		{name: "d.py", tests: "..F.......F"},
	}
	const total = 5
	type testCase struct {
		maxfail, workers int
	}
	run := func(t *testing.T, tc testCase) {
		fr := runFake(t, fakeSuite{files: files, maxfail: tc.maxfail}, Options{Workers: tc.workers}, nil)
		if fr.err != nil {
			t.Fatal(fr.err)
		}
		got := outcomes(fr.run)
		failed := strings.Count(got, "F")
		if fr.world.started != tc.workers || strings.Contains(got, "C") {
			t.Fatalf("%d workers started for %d, outcomes %s: a failure retired a worker", fr.world.started, tc.workers, got)
		}
		if fr.run.ExitCode != result.ExitTestsFailed {
			t.Errorf("exit code %d, want %d", fr.run.ExitCode, result.ExitTestsFailed)
		}
		if tc.maxfail > total {
			if failed != total || strings.Contains(got, "-") || fr.run.Stopped != "" {
				t.Errorf("outcomes %s, stopped %q: every test should run", got, fr.run.Stopped)
			}
			return
		}
		if failed < tc.maxfail || failed > tc.maxfail+tc.workers-1 {
			t.Errorf("%d failed (%s), want %d to %d", failed, got, tc.maxfail, tc.maxfail+tc.workers-1)
		}
		if want := fmt.Sprintf("stopping after %d failures", tc.maxfail); fr.run.Stopped != want {
			t.Errorf("stopped %q, want %q", fr.run.Stopped, want)
		}
		if !strings.Contains(got, "-") {
			t.Errorf("outcomes %s: the run did not stop early", got)
		}
	}
	for _, workers := range []int{1, 2, 3} {
		for _, n := range []int{1, 2, 3, total, total + 1, 10} {
			tc := testCase{maxfail: n, workers: workers}
			t.Run(fmt.Sprintf("maxfail=%d/workers=%d", n, workers), func(t *testing.T) { run(t, tc) })
		}
	}
}

// TestRetryCrash: a test that failed and crashed its worker on the retry
// fails as a crash, and keeps its first attempt: the attempt's worker and
// reports, the rerun among them, come before the crash.
func TestRetryCrash(t *testing.T) {
	files := []fakeFile{{name: "a.py", tests: ".c."}, {name: "b.py", tests: ".."}}
	fr := runFake(t, fakeSuite{files: files}, Options{Retries: 1, MaxWorkerRestart: -1}, nil)
	if fr.err != nil {
		t.Fatal(fr.err)
	}
	if got := outcomes(fr.run); got != ".C..." {
		t.Fatalf("outcomes %s, want .C...", got)
	}
	ct := fr.run.Tests[1]
	if !ct.Crashed || len(ct.Attempts) != 1 {
		t.Fatalf("crashed %v with %d earlier attempts, want a crash after 1 attempt", ct.Crashed, len(ct.Attempts))
	}
	earlier, last := ct.Retried()
	if len(earlier) != 1 || len(earlier[0]) != 3 || earlier[0][1].Outcome != "rerun" {
		t.Errorf("first attempt's reports %+v, want setup, the rerun call, teardown", earlier)
	}
	if len(last) != 1 || last[0].Outcome != "failed" || !strings.Contains(last[0].LongRepr, "crashed while running 'a.py::t1'") {
		t.Errorf("last attempt's reports %+v, want the crash", last)
	}
	if ct.Attempts[0].Worker == "" || ct.Attempts[0].Reports != 3 {
		t.Errorf("first attempt %+v, want its worker and its 3 reports", ct.Attempts[0])
	}
}

// TestCollectorExitBeforeItsLastWords: in a run that only collects, the
// session process (the one worker) fails in pytest_configure; its exit
// reaches shoal before its internal error does. The run still ends with
// that error, not with pytest's raw output passed through.
func TestCollectorExitBeforeItsLastWords(t *testing.T) {
	suite := fakeSuite{files: []fakeFile{{name: "a.py", tests: ".."}}, configureError: "RuntimeError: no database"}
	fr := runFake(t, suite, Options{CollectOnly: true}, nil)
	if fr.err != nil {
		t.Fatalf("error %v, want the run with its internal error", fr.err)
	}
	if !slices.Equal(fr.run.InternalErrors, []string{"RuntimeError: no database"}) {
		t.Errorf("internal errors %q", fr.run.InternalErrors)
	}
}

// TestControllerExitBeforeItsMarks: the controller's exit reaches shoal
// before its last message, the marks of its output; the run still has
// them, forked or spawned.
func TestControllerExitBeforeItsMarks(t *testing.T) {
	for _, noFork := range []bool{false, true} {
		suite := fakeSuite{files: []fakeFile{{name: "a.py", tests: ".."}}, controllerExitsFirst: true, noFork: noFork}
		fr := runFake(t, suite, Options{}, nil)
		if fr.err != nil {
			t.Fatal(fr.err)
		}
		if so := fr.run.SessionOutput; so == nil || !so.Finished || len(so.Points) != 3 {
			t.Errorf("noFork %v: session output %+v, want it finished with its marks", noFork, so)
		}
	}
}
