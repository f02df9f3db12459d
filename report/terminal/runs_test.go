package terminal

import (
	"fmt"
	"strings"

	"shoal/result"
)

// Runs as the runner tells them, event by event, for the golden tests. The
// reports are shaped as pytest 7.2 makes them and shoal's plugin sends them.

const t0 = 1_700_000_000.0

func session(o result.Options) result.SessionStarted {
	return result.SessionStarted{
		At: t0 + 0.1, Rootdir: "/suite", InvocationDir: "/suite", Options: o,
		Header: []string{
			"platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0",
			"rootdir: /suite, configfile: pytest.ini",
		},
	}
}

func collect(files []string, tests []*result.Test, errs ...result.CollectReport) result.Collected {
	return result.Collected{
		At: t0 + 0.5, Files: files, Tests: tests, CollectErrors: errs,
		Workers: []string{"gw0", "gw1"}, StartMode: "fork",
	}
}

// collected is one test as collection found it.
func collected(file int, nodeid string) *result.Test {
	path, name, _ := strings.Cut(nodeid, "::")
	return &result.Test{File: file, NodeID: nodeid, Path: path, Domain: strings.ReplaceAll(name, "::", ".")}
}

// ended tells that test i, as collected in c, ended on worker with reports.
func ended(c result.Collected, i int, worker string, reports ...result.Report) result.TestFinished {
	t := *c.Tests[i]
	t.Worker, t.Start, t.Stop, t.Reports = worker, t0+1+float64(i)/10, t0+1.05+float64(i)/10, reports
	return result.TestFinished{At: t.Stop + 0.001, Test: i, Ended: &t}
}

func started(c result.Collected, i int, worker string) result.TestStarted {
	return result.TestStarted{At: t0 + 1 + float64(i)/10, Test: i, Worker: worker}
}

func finished(exit int, notRun ...int) result.Finished {
	return result.Finished{At: t0 + 3.25, Start: t0, ExitCode: exit, NotRun: notRun}
}

func phase(when, outcome string) result.Report {
	return result.Report{When: when, Outcome: outcome, Duration: 0.001}
}

// shown is a report with the status pytest_report_teststatus gives it.
func shown(when, outcome, category, letter, word string) result.Report {
	r := phase(when, outcome)
	r.Category, r.Letter, r.Word = category, letter, word
	return r
}

func passed() []result.Report {
	return []result.Report{phase("setup", "passed"), shown("call", "passed", "passed", ".", "PASSED"), phase("teardown", "passed")}
}

func failure(when, category, letter, word, crash, term string, sections ...result.Section) result.Report {
	r := shown(when, "failed", category, letter, word)
	r.Crash, r.Term, r.Sections = &crash, term, sections
	r.LongRepr = strings.TrimPrefix(term, "\n")
	return r
}

func skipped(path string, line int, reason string) result.Report {
	r := shown("setup", "skipped", "skipped", "s", "SKIPPED")
	r.Skip = &result.SkipInfo{Path: path, Lineno: &line, Reason: reason}
	return r
}

func xfail(when, outcome, category, letter, word, reason string) result.Report {
	r := shown(when, outcome, category, letter, word)
	r.WasXFail = &reason
	return r
}

const failTerm = `    def test_fail():
        print("checking")
>       assert 1 == 2
E       assert 1 == 2

test_a.py:9: AssertionError`

const setupTerm = `    @pytest.fixture
    def broken():
>       raise RuntimeError("setup went wrong")
E       RuntimeError: setup went wrong

test_a.py:5: RuntimeError`

const teardownTerm = `    @pytest.fixture
    def breaks_later():
        yield
>       raise RuntimeError("teardown went wrong")
E       RuntimeError: teardown went wrong

test_a.py:13: RuntimeError`

// outcomeRun has every outcome, on two workers, finishing out of
// collection order, and a warning.
func outcomeRun(o result.Options) []result.Event {
	c := collect([]string{"test_a.py", "test_b.py"}, []*result.Test{
		collected(0, "test_a.py::test_pass"),
		collected(0, "test_a.py::test_fail"),
		collected(0, "test_a.py::test_setup_error"),
		collected(0, "test_a.py::test_teardown_error"),
		collected(0, "test_a.py::TestGroup::test_skip"),
		collected(1, "test_b.py::test_xfail"),
		collected(1, "test_b.py::test_xpass"),
		collected(1, "test_b.py::test_warns[1-a]"),
	})
	out := result.Section{Name: "Captured stdout call", Text: "checking\n"}
	events := []result.Event{session(o), c}
	for _, step := range []struct {
		i       int
		worker  string
		reports []result.Report
	}{
		{5, "gw1", []result.Report{phase("setup", "passed"), xfail("call", "skipped", "xfailed", "x", "XFAIL", "flaky on purpose"), phase("teardown", "passed")}},
		{0, "gw0", passed()},
		{1, "gw0", []result.Report{phase("setup", "passed"),
			failure("call", "failed", "F", "FAILED", "assert 1 == 2", failTerm, out),
			{When: "teardown", Outcome: "passed", Sections: []result.Section{out}}}},
		{6, "gw1", []result.Report{phase("setup", "passed"), xfail("call", "passed", "xpassed", "X", "XPASS", ""), phase("teardown", "passed")}},
		{2, "gw0", []result.Report{failure("setup", "error", "E", "ERROR", "RuntimeError: setup went wrong", setupTerm), phase("teardown", "passed")}},
		{7, "gw1", []result.Report{phase("setup", "passed"),
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED", Sections: []result.Section{{Name: "Captured stdout call", Text: "warned\n"}}},
			{When: "teardown", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout call", Text: "warned\n"}}}}},
		{3, "gw0", []result.Report{phase("setup", "passed"), shown("call", "passed", "passed", ".", "PASSED"),
			failure("teardown", "error", "E", "ERROR", "RuntimeError: teardown went wrong", teardownTerm)}},
		{4, "gw0", []result.Report{skipped("test_a.py", 16, "Skipped: not today"), phase("teardown", "passed")}},
	} {
		events = append(events, started(c, step.i, step.worker), ended(c, step.i, step.worker, step.reports...))
	}
	f := finished(result.ExitTestsFailed)
	f.Warnings = []result.Warning{{NodeID: "test_b.py::test_warns[1-a]", When: "runtest",
		Message: "test_b.py:30: UserWarning: careful\n  warnings.warn(\"careful\")", Category: "UserWarning"}}
	return append(events, f)
}

// collectErrorRun: one file fails to import, one is skipped whole, and
// the run stops before any test.
func collectErrorRun(o result.Options) []result.Event {
	crash := "ModuleNotFoundError: No module named 'nowhere'"
	c := collect([]string{"test_broken.py", "test_later.py", "test_skipped.py"}, []*result.Test{
		collected(1, "test_later.py::test_one"), collected(1, "test_later.py::test_two"),
	}, result.CollectReport{NodeID: "test_broken.py", Outcome: "failed", Crash: &crash,
		LongRepr: "ImportError while importing test module '/suite/test_broken.py'.\nE   " + crash},
		result.CollectReport{NodeID: "test_skipped.py", Outcome: "skipped",
			Skip: &result.SkipInfo{Path: "test_skipped.py", Reason: "Skipped: whole module"}})
	c.Deselected = 1
	f := finished(result.ExitInterrupted, 0, 1)
	f.Stopped, f.Interrupted = "Interrupted: 1 error during collection", true
	return []result.Event{session(o), c, f}
}

// haltedRun is interrupted while a test hangs: one test passed, the
// hanging one is ended by shoal, two never start.
func haltedRun(o result.Options) []result.Event {
	c := collect([]string{"t.py"}, []*result.Test{
		collected(0, "t.py::done"), collected(0, "t.py::hang"), collected(0, "t.py::later"), collected(0, "t.py::last"),
	})
	killed := *c.Tests[1]
	killed.Worker, killed.Killed = "gw1", true
	killed.Interrupt = "/suite/t.py:7: KeyboardInterrupt"
	f := finished(result.ExitInterrupted, 1, 2, 3)
	f.Stopped, f.Interrupted, f.Halted, f.Killed = "KeyboardInterrupt", true, true, []int{1}
	return []result.Event{
		session(o), c, started(c, 1, "gw1"), started(c, 0, "gw0"), ended(c, 0, "gw0", passed()...),
		result.Interrupted{At: t0 + 2, Reason: "KeyboardInterrupt"},
		result.TestFinished{At: t0 + 3, Test: 1, Ended: &killed},
		f,
	}
}

// crashRun: with --maxfail 1 (-x), a worker crashes under a test and the
// run stops; the test after it never runs, which a run stopped by its
// tests does not list.
func crashRun(o result.Options) []result.Event {
	c := collect([]string{"t.py"}, []*result.Test{
		collected(0, "t.py::test_ok"), collected(0, "t.py::test_segfault"), collected(0, "t.py::test_after"),
	})
	msg := "worker 'gw1' crashed while running 't.py::test_segfault'"
	crash := ended(c, 1, "gw1", result.Report{When: "call", Outcome: "failed", Category: "failed", Letter: "F",
		Word: "FAILED", Crash: &msg, LongRepr: msg + "\nsignal 11 (segmentation fault)",
		Sections: []result.Section{{Name: "Captured stdout until the worker crashed", Text: "about to crash\n"}}})
	crash.Ended.Crashed = true
	f := finished(result.ExitTestsFailed, 2)
	f.Stopped = "stopping after 1 failures"
	return []result.Event{
		session(o), c, ended(c, 0, "gw0", passed()...), crash,
		result.WorkerReplaced{At: t0 + 2, Worker: "gw1", Restarts: 1},
		result.WorkerStarted{At: t0 + 2.1, Worker: "gw1", PID: 4242, Forked: true},
		f,
	}
}

// longOutputRun: a failing test printed 2,000 lines; the terminal shows
// them all, as pytest does.
func longOutputRun(o result.Options) []result.Event {
	var b strings.Builder
	for i := 0; i < 2_000; i++ {
		fmt.Fprintf(&b, "line %06d\n", i)
	}
	c := collect([]string{"t.py"}, []*result.Test{collected(0, "t.py::test_talks")})
	return []result.Event{
		session(o), c,
		ended(c, 0, "gw0", phase("setup", "passed"),
			failure("call", "failed", "F", "FAILED", "assert False", "E       assert False", result.Section{Name: "Captured stdout call", Text: b.String()}),
			phase("teardown", "passed")),
		finished(result.ExitTestsFailed),
	}
}

// emptyRun collects nothing.
func emptyRun(o result.Options) []result.Event {
	return []result.Event{session(o), collect([]string{"test_nothing.py"}, nil), finished(result.ExitNoTestsCollected)}
}

// lingeringRun: a worker ran its test but did not exit after its session,
// and shoal ended it; the run's note comes before the command's.
func lingeringRun(o result.Options) []result.Event {
	c := collect([]string{"t.py"}, []*result.Test{collected(0, "t.py::test_leaves_a_thread")})
	f := finished(result.ExitOK)
	f.Notes = []string{"worker gw0 had not exited 5s after its tests ended: its thread 'poller' is no daemon and had not ended; shoal ended it"}
	return []result.Event{session(o), c, ended(c, 0, "gw0", passed()...), f}
}

// slowRun: test_b runs long on gw1 and is told slow twice, while gw0's
// tests pass; its SLOW lines stand on lines of their own.
func slowRun(o result.Options) []result.Event {
	c := collect([]string{"t.py"}, []*result.Test{
		collected(0, "t.py::test_a"), collected(0, "t.py::test_b"), collected(0, "t.py::test_c"),
	})
	slow := func(at float64) result.TestSlow {
		return result.TestSlow{At: at, Test: 1, Worker: "gw1", Since: t0 + 1.1}
	}
	return []result.Event{
		session(o), c,
		started(c, 0, "gw0"), started(c, 1, "gw1"), ended(c, 0, "gw0", passed()...),
		slow(t0 + 61.2), started(c, 2, "gw0"), ended(c, 2, "gw0", passed()...),
		slow(t0 + 121.3), ended(c, 1, "gw1", passed()...),
		finished(result.ExitOK),
	}
}
