package main

import (
	"io"
	"math"
	"path/filepath"
	"testing"

	"shoal/history"
	"shoal/result"
)

// ranTest is a finished test on worker that started at start and whose
// phases took dur seconds in all.
func ranTest(worker string, start, dur float64) *result.Test {
	return &result.Test{Worker: worker, Start: start, Stop: start + dur,
		Reports: []result.Report{{When: "call", Outcome: "passed", Duration: dur}}}
}

// TestRunOfOverhead: what history keeps of a run's per-test overhead.
func TestRunOfOverhead(t *testing.T) {
	for _, c := range []struct {
		name string
		ran  []*result.Test
		want float64
	}{
		{"nothing ran", nil, 0},
		{"one test a worker", []*result.Test{ranTest("gw0", 0, 1), ranTest("gw1", 0, 1)}, 0},
		{"back to back", []*result.Test{ranTest("gw0", 0, 0.1), ranTest("gw0", 0.1003, 0.1), ranTest("gw0", 0.2006, 0.1)}, 0.0003},
		// A wait at a barrier is one gap among many: the median leaves it out.
		{"a wait", []*result.Test{
			ranTest("gw0", 0, 0.1), ranTest("gw1", 0, 0.05), ranTest("gw1", 0.0502, 0.05),
			ranTest("gw0", 0.1002, 0.1), ranTest("gw1", 2, 0.05), ranTest("gw1", 2.0502, 0.01),
		}, 0.0002},
	} {
		if got := runOf(&result.Run{Tests: c.ran}).Overhead; math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: overhead %g, want %g", c.name, got, c.want)
		}
	}
}

// TestRunOfStartupAndFinish: the time before the first test that ran, and
// after the last one ended, whichever worker ran them; a crash counts for
// neither.
func TestRunOfStartupAndFinish(t *testing.T) {
	crashed := ranTest("gw1", 0.5, 9)
	crashed.Crashed = true
	run := &result.Run{Start: 100, Stop: 112, Tests: []*result.Test{
		ranTest("gw0", 101.5, 2), ranTest("gw1", 101.25, 10), ranTest("gw0", 103.5, 1), crashed,
	}}
	h := runOf(run)
	if math.Abs(h.Startup-1.25) > 1e-9 || math.Abs(h.Finish-0.75) > 1e-9 {
		t.Errorf("start-up %g s, finish %g s; want 1.25 s and 0.75 s", h.Startup, h.Finish)
	}
	if h := runOf(&result.Run{Start: 100, Stop: 101}); h.Startup != 0 || h.Finish != 0 {
		t.Errorf("no test ran, yet start-up %g s, finish %g s", h.Startup, h.Finish)
	}
}

// TestRunHistoryFollowsEvents: the history adds up a run's events and, once
// the run has finished, keeps what its tests measured; nothing before.
func TestRunHistoryFollowsEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	m := &runHistory{flags: scheduleFlags{history: path}, warn: io.Discard}
	defer m.close()
	tests := []*result.Test{{NodeID: "t.py::a"}, {NodeID: "t.py::b"}, {NodeID: "t.py::never"}}
	ended := func(i int, start, dur float64) result.TestFinished {
		e := *ranTest("gw0", start, dur)
		e.NodeID = tests[i].NodeID
		return result.TestFinished{At: start + dur, Test: i, Ended: &e}
	}
	events := []result.Event{
		result.SessionStarted{At: 10.1, Rootdir: t.TempDir()},
		result.Collected{At: 10.5, Tests: tests, Workers: []string{"gw0"}},
		ended(0, 11, 0.5), ended(1, 11.5, 2),
	}
	for _, e := range events {
		m.Event(e)
	}
	if m.store != nil {
		t.Fatal("the history was opened before the run finished")
	}
	m.Event(result.Finished{At: 14, Start: 10, NotRun: []int{2}})
	if m.store == nil {
		t.Fatal("the run finished, but the history was not opened")
	}
	got := m.store.Estimates([]string{"t.py::a", "t.py::b", "t.py::never"})
	if got[0].Source != history.Measured || got[1].Source != history.Measured || got[2].Source == history.Measured {
		t.Fatalf("estimates %+v: want a and b measured, never not", got)
	}
	if math.Abs(got[1].Seconds-2) > 1e-9 {
		t.Errorf("b: %g s, want 2", got[1].Seconds)
	}
}
