// Package plan turns a collected run and what history knows of its tests into
// the scheduler's input: expected durations, file set-up costs, markers, the
// shard this machine runs. It also predicts the run's wall time and says what
// limits it. It is pure: history comes in through a small interface.
package plan

import (
	"shoal/result"
	"shoal/schedule"
)

// Estimate is what history expects of one test.
type Estimate struct {
	Seconds float64
	Known   bool // measured, or taken from similar tests; false: a guess
	Failed  bool // it failed last time
}

// Estimator is the history a plan draws on.
type Estimator interface {
	Estimates(nodeids []string) []Estimate
	FileSetup(files []string) []float64
	// Overhead is what a test typically costs its worker besides its own
	// duration; 0: never measured.
	Overhead() float64
}

// Settings are the run's choices that shape its plan.
type Settings struct {
	Workers int
	Limits  map[string]int // per resource key; 1 when not listed
	Order   schedule.Order
	Seed    int64
	Shard   Shard // the zero Shard runs everything
}

// Build makes the scheduler's tests and configuration for run. owners gives,
// per file, the worker that imported it already (-1: none); nil for none.
// est may be nil: every test is then a guess, learnt as the run goes.
func Build(run *result.Run, owners []int, est Estimator, set Settings) ([]schedule.Test, schedule.Config) {
	nodeids := make([]string, len(run.Tests))
	for i, t := range run.Tests {
		nodeids[i] = t.NodeID
	}
	var estimates []Estimate
	var setup []float64
	var overhead float64
	if est != nil {
		estimates = est.Estimates(nodeids)
		setup = est.FileSetup(run.Files)
		overhead = est.Overhead()
	}
	tests := make([]schedule.Test, len(run.Tests))
	for i, t := range run.Tests {
		st := schedule.Test{Group: t.File}
		if i < len(estimates) {
			st.Seconds, st.Known, st.Failed = estimates[i].Seconds, estimates[i].Known, estimates[i].Failed
		}
		if m := t.Marks; m != nil {
			st.Exclusive, st.Locks, st.Slots = m.Exclusive, m.Locks, m.Slots
		}
		tests[i] = st
	}
	cfg := schedule.Config{
		Workers: set.Workers, Setup: setup, Owner: owners, Overhead: overhead,
		Limits: set.Limits, Order: set.Order, Seed: set.Seed,
	}
	return tests, cfg
}
