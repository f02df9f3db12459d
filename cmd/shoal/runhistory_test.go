package main

import (
	"math"
	"testing"

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
