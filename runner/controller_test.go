package runner

import (
	"slices"
	"testing"

	"shoal/result"
)

// TestController: the run plays its controller the part pytest-xdist's
// controller plays, and the controller's exit status is the run's.
func TestController(t *testing.T) {
	type testCase struct {
		name  string
		suite fakeSuite
		opts  Options
		exit  int
		// outcomes, see outcomes(); heard, what the controller was told,
		// counted by kind.
		outcomes string
		heard    map[string]int
		// interrupt is the message of the test's interrupt, if one is due.
		interrupt string
	}
	two := func(a, b string) []fakeFile { return []fakeFile{{name: "a.py", tests: a}, {name: "b.py", tests: b}} }
	run := func(t *testing.T, tc testCase) {
		fr := runFake(t, tc.suite, tc.opts, nil)
		if fr.err != nil {
			t.Fatalf("run failed: %v", fr.err)
		}
		run := fr.run
		if got := outcomes(run); got != tc.outcomes {
			t.Errorf("outcomes %s, want %s", got, tc.outcomes)
		}
		if run.ExitCode != tc.exit {
			t.Errorf("exit code %d, want %d", run.ExitCode, tc.exit)
		}
		heard := fr.world.controller.heard
		counts := map[string]int{}
		for _, kind := range heard {
			counts[kind]++
		}
		for kind, n := range tc.heard {
			if counts[kind] != n {
				t.Errorf("the controller was told %q %d times, want %d: %v", kind, counts[kind], n, heard)
			}
		}
		// The workers are down before the session finishes, every test told before.
		if i, j := slices.Index(heard, "finish"), lastIndex(heard, "nodedown"); tc.heard["finish"] > 0 && i < j {
			t.Errorf("the controller was told finish before a node went down: %v", heard)
		}
		for _, w := range []string{"gw0", "gw1"} {
			if i, j := at(fr.world.controller, "nodedown", w), at(fr.world.controller, "test", w); i >= 0 && i < j {
				t.Errorf("the controller was told %s went down before its last test: %v", w, heard)
			}
		}
		switch {
		case tc.interrupt == "" && run.Interrupt != nil:
			t.Errorf("interrupted by %q", run.Interrupt.Message)
		case tc.interrupt != "" && (run.Interrupt == nil || run.Interrupt.Message != tc.interrupt || run.Stopped != ""):
			t.Errorf("interrupt %+v, stopped %q; want %q and the session to say it", run.Interrupt, run.Stopped, tc.interrupt)
		}
	}
	testCases := []testCase{
		{name: "told what xdist's controller is", suite: fakeSuite{files: two("..F", ".."), forward: true},
			exit: 1, outcomes: "..F..",
			heard: map[string]int{"nodeready": 2, "collected": 1, "test": 5, "nodedown": 2, "finish": 1}},
		{name: "spawned: the session process is the controller", suite: fakeSuite{files: two("..F", ".."), forward: true, noFork: true},
			exit: 1, outcomes: "..F..",
			heard: map[string]int{"nodeready": 2, "collected": 1, "test": 5, "nodedown": 2, "finish": 1}},
		{name: "no plugin follows the reports", suite: fakeSuite{files: two("..F", "..")},
			exit: 1, outcomes: "..F..", heard: map[string]int{"test": 0, "nodedown": 2, "finish": 1}},
		{name: "the session's exit status is the run's", suite: fakeSuite{files: two("..F", ".."), sessionExit: 3},
			exit: 3, outcomes: "..F..", heard: map[string]int{"finish": 1}},
		{name: "a test interrupts the run", suite: fakeSuite{files: two(".X..", "....")}, opts: Options{Workers: 1},
			exit: result.ExitInterrupted, outcomes: ".K------", interrupt: "KeyboardInterrupt",
			heard: map[string]int{"nodedown": 1, "finish": 1}},
		{name: "the session ends early", suite: fakeSuite{files: two("....", "...."), sessionDies: true},
			exit: result.ExitInternalError, outcomes: "", heard: map[string]int{"finish": 0}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

// at is where the controller was last told kind about worker, -1 if never.
func at(c *fakeProc, kind, worker string) int {
	for i := len(c.heard) - 1; i >= 0; i-- {
		if c.heard[i] == kind && c.heardFrom[i] == worker {
			return i
		}
	}
	return -1
}

func lastIndex(list []string, s string) int {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i] == s {
			return i
		}
	}
	return -1
}
