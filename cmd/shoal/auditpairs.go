package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"shoal/audit"
	"shoal/plan"
	"shoal/result"
	"shoal/runner"
	"shoal/schedule"
)

// confirm runs the conflicts the trace is unsure of, each pair at the same
// time on two workers, and adds what happened to the verdicts.
func (a *auditRun) confirm(ctx context.Context, tests []audit.Test, verdicts []audit.Verdict, conflicts []audit.Conflict, failed []bool) (tried, confirmed int, err error) {
	pairs := audit.Suspects(tests, verdicts, conflicts, a.flags.confirm)
	if len(pairs) == 0 {
		return 0, 0, nil
	}
	if a.suite.workers < 2 {
		fmt.Fprintf(a.stdout, "shoal audit: %d pairs of tests may conflict; with one worker none can run at the same time as another to confirm it\n", len(pairs))
		return 0, 0, nil
	}
	rounds := audit.Rounds(pairs)
	fmt.Fprintf(a.stdout, "shoal audit: running %d pair%s of tests that may conflict at the same time, in %d run%s\n", len(pairs), plural(len(pairs)), len(rounds), plural(len(rounds)))
	var results []audit.Together
	for k, round := range rounds {
		got, err := a.runPairs(ctx, k, round, tests)
		if err != nil {
			return 0, 0, err
		}
		results = append(results, got...)
	}
	return len(results), audit.Confirm(tests, verdicts, results, failed), nil
}

// runPairs runs one round: the first tests of its pairs on one worker, the
// second on the other, each waiting for its partner before it starts.
func (a *auditRun) runPairs(ctx context.Context, k int, round []audit.Pair, tests []audit.Test) ([]audit.Together, error) {
	dir := filepath.Join(a.res.Dir, fmt.Sprintf("pairs-%d", k+1))
	meet := filepath.Join(dir, "meet")
	if err := os.MkdirAll(meet, 0o755); err != nil {
		return nil, &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	partners := map[string][2]string{}
	side := map[string]int{}
	for i, p := range round {
		name := fmt.Sprintf("p%d", i)
		partners[tests[p.A].NodeID] = [2]string{name, meet}
		partners[tests[p.B].NodeID] = [2]string{name, meet}
		side[tests[p.A].NodeID], side[tests[p.B].NodeID] = 0, 1
	}
	data, _ := json.Marshal(partners)
	file := filepath.Join(dir, "pairs.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return nil, &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	opts, err := a.options(dir, "SHOAL_TRACE_PAIRS="+file)
	if err != nil {
		return nil, err
	}
	opts.Workers, opts.Plan = 2, pairPlanner(side)
	run, err := runner.Run(ctx, opts, quiet{})
	if err != nil {
		return nil, &exitError{code: result.ExitInternalError, msg: "cannot run tests side by side: " + err.Error()}
	}
	byID := map[string]*result.Test{}
	for _, t := range run.Tests {
		byID[t.NodeID] = t
	}
	out := make([]audit.Together, 0, len(round))
	for _, p := range round {
		ta, tb := byID[tests[p.A].NodeID], byID[tests[p.B].NodeID]
		r := audit.Together{Pair: p}
		if ta != nil && tb != nil && ta.Ran() && tb.Ran() {
			r.Met = math.Abs(ta.Start-tb.Start) < 1
			r.FailedA, r.FailedB = failedOutcome(ta), failedOutcome(tb)
		}
		out = append(out, r)
	}
	return out, nil
}

func failedOutcome(t *result.Test) bool {
	o := t.Outcome()
	return o == result.Failed || o == result.Error
}

// pairPlanner schedules only the tests of side, side 0 as one group and
// side 1 as another, each whole on its own worker, in collection order.
func pairPlanner(side map[string]int) runner.Planner {
	return func(run *result.Run, _ []int) ([]schedule.Test, schedule.Config, []bool, error) {
		tests := make([]schedule.Test, len(run.Tests))
		keep := make([]bool, len(run.Tests))
		for i, t := range run.Tests {
			g, ok := side[t.NodeID]
			keep[i] = ok
			tests[i] = schedule.Test{Group: g, Seconds: 1, Known: true}
		}
		// A side's set-up counts as dear, so no worker takes part of the other's.
		cfg := schedule.Config{Workers: 2, Setup: []float64{3600, 3600}, Owner: []int{-1, -1}}
		return tests, cfg, keep, nil
	}
}

// predict replays the plan, as shoal plan does, with the markers as written
// and as suggested; durations come from history, else from the traced run.
func (a *auditRun) predict(run *result.Run, tests []audit.Test, verdicts []audit.Verdict) (before, after float64) {
	est := auditEstimates{measured: map[string]float64{}}
	if e := a.suite.history.estimator(run.Rootdir); e != nil {
		est.inner = e
	}
	for _, t := range run.Tests {
		if t.Ran() {
			est.measured[t.NodeID] = t.Duration()
		}
	}
	startup := 0.0
	if st := a.suite.history.open(run.Rootdir); st != nil {
		startup, _ = st.Startup()
	}
	alt := *run
	alt.Tests = make([]*result.Test, len(run.Tests))
	for i, t := range run.Tests {
		c := *t
		c.Marks = suggestedMarks(t.Marks, tests[i], verdicts[i])
		alt.Tests[i] = &c
	}
	return a.predictOne(run, est, startup), a.predictOne(&alt, est, startup)
}

func (a *auditRun) predictOne(run *result.Run, est plan.Estimator, startup float64) float64 {
	tests, cfg := plan.SchedulerInput(run, nil, est, a.suite.set)
	cfg.Workers = a.suite.workers
	// The two plans differ only in their schedules: no finish for either.
	p, err := plan.Predict(tests, cfg, startup, 0)
	if err != nil {
		return 0
	}
	return p.PredictedMakespan
}

// suggestedMarks are a test's markers once the suggestion is applied.
func suggestedMarks(m *result.Marks, t audit.Test, v audit.Verdict) *result.Marks {
	var out result.Marks
	if m != nil {
		out = *m
	}
	keys := v.Keys
	if keys == nil && v.Key != nil {
		keys = []string{*v.Key}
	}
	switch {
	case v.Verdict == audit.Unneeded:
		out.Exclusive, out.Locks = false, without(out.Locks, t.Keys)
	case v.Verdict == audit.Fixable && len(keys) > 0:
		out.Exclusive, out.Locks = false, append(without(out.Locks, t.Keys), keys...)
	case v.Verdict == audit.Missing:
		out.Locks = append(slices.Clone(out.Locks), keys...)
	}
	if !out.Exclusive && len(out.Locks) == 0 && out.Slots == 0 {
		return nil
	}
	return &out
}

func without(list, drop []string) []string {
	var out []string
	for _, x := range list {
		if !slices.Contains(drop, x) {
			out = append(out, x)
		}
	}
	return out
}

// auditEstimates are history's estimates, with the traced run's durations
// for the tests history does not know.
type auditEstimates struct {
	inner    plan.Estimator
	measured map[string]float64
}

func (e auditEstimates) Estimates(nodeids []string) []plan.Estimate {
	var got []plan.Estimate
	if e.inner != nil {
		got = e.inner.Estimates(nodeids)
	}
	out := make([]plan.Estimate, len(nodeids))
	for i, id := range nodeids {
		if got != nil && got[i].Known {
			out[i] = got[i]
		} else if d, ok := e.measured[id]; ok {
			out[i] = plan.Estimate{Seconds: d, Known: true}
		}
	}
	return out
}

func (e auditEstimates) FileSetup(files []string) []float64 {
	if e.inner == nil {
		return nil
	}
	return e.inner.FileSetup(files)
}

func (e auditEstimates) Overhead() float64 {
	if e.inner == nil {
		return 0
	}
	return e.inner.Overhead()
}
