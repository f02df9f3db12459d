// Package plan works out what shoal knows of a run before it starts, from the
// collected tests and what history knows of them: the scheduler's input
// (SchedulerInput: expected durations, file set-up costs, markers), the
// shard this machine runs (Shard), and a prediction of the run's wall time
// and of what limits it (Predict), which `shoal plan` shows. It is pure:
// history comes in through a small interface.
//
// Names say which of these they are: the barrier plan the scheduler makes
// for exclusive tests is schedule.BarrierPlan, not something of this
// package.
package plan

import (
	"strings"

	"shoal/result"
	"shoal/schedule"
)

// Estimate is what history expects of one test.
type Estimate struct {
	Seconds float64
	Known   bool // measured, or taken from similar tests; false: a guess
	Failed  bool // it failed last time
}

// Estimator is the history SchedulerInput draws on.
type Estimator interface {
	Estimates(nodeids []string) []Estimate
	FileSetup(files []string) []float64
	// Overhead is what a test typically costs its worker besides its own
	// duration; 0: never measured.
	Overhead() float64
}

// Settings are the run's choices that shape the scheduler's input.
type Settings struct {
	Workers int
	Limits  map[string]int // per lock key; 1 when not listed
	Order   schedule.Order
	Seed    int64
	Shard   Shard // the zero Shard runs everything
	// Dist is pytest-xdist's --dist: how far a file's tests may be spread
	// over workers. "loadscope" (also "") keeps each class, and each
	// module's tests outside classes, on one worker in collection order;
	// "loadfile" each file; "load" and "worksteal" let any test go
	// anywhere, and long tests start early.
	Dist string
	// ShardDurations, when not nil, are the durations of a history file
	// every shard reads, by node id; the split is balanced by them.
	ShardDurations map[string]float64
	// ShardDigest names the history file's contents, for the header.
	ShardDigest string
}

// SchedulerInput makes the scheduler's tests and configuration for run.
// owners gives, per file, the worker that imported it already (-1: none);
// nil for none. est may be nil: every test is then a guess, learnt as the
// run goes.
func SchedulerInput(run *result.Run, owners []int, est Estimator, set Settings) ([]schedule.Test, schedule.Config) {
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
	scopes := map[string]int{}
	first := false
	for i, t := range run.Tests {
		key := scopeOf(t.NodeID, set.Dist)
		if _, ok := scopes[key]; !ok {
			scopes[key] = len(scopes)
		}
		st := schedule.Test{Group: t.File, Scope: scopes[key]}
		if i < len(estimates) {
			st.Seconds, st.Known, st.Failed = estimates[i].Seconds, estimates[i].Known, estimates[i].Failed
		}
		if m := t.Marks; m != nil {
			st.Exclusive, st.Locks, st.Slots = m.Exclusive, m.Locks, m.Slots
			st.Failed = st.Failed || m.First
			first = first || m.First
		}
		tests[i] = st
	}
	cfg := schedule.Config{
		Workers: set.Workers, Setup: setup, Owner: owners, Overhead: overhead,
		Limits: set.Limits, Order: set.Order, Seed: set.Seed,
		KeepScopes: set.Dist != "load" && set.Dist != "worksteal",
	}
	if first && cfg.Order == schedule.Duration {
		// pytest's --ff or --nf: the files of the tests it puts first
		// start first, as pytest and pytest-xdist's load start them.
		cfg.Order = schedule.FailedFirst
	}
	return tests, cfg
}

// scopeOf is the scope a test belongs to under pytest-xdist's dist mode,
// read from its node id as xdist reads it: the file for loadfile, else all
// but the last part (a class, or the file), parameters left aside.
func scopeOf(nodeid, dist string) string {
	if dist == "loadfile" {
		file, _, _ := strings.Cut(nodeid, "::")
		return file
	}
	base, _, _ := strings.Cut(nodeid, "[")
	if k := strings.LastIndex(base, "::"); k >= 0 {
		return base[:k]
	}
	return base
}
