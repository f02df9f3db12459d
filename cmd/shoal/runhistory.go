package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"shoal/history"
	"shoal/plan"
	"shoal/result"
	"shoal/runner"
	"shoal/schedule"
)

// runHistory is the history a run plans from and adds to. The store opens
// once the session has said where the rootdir is.
type runHistory struct {
	flags  scheduleFlags
	order  bool // read last failures too (--order failed-first)
	warn   io.Writer
	store  *history.Store
	failed map[string]bool
	tried  bool
	// found is what shoal verify found, read once (see verdicts).
	found map[string]history.Verdict
	// run is what a run's events said so far.
	run result.Run
}

// open returns the store for rootdir, or nil: --no-history, or a location
// shoal cannot write (said once on warn; history never fails a run).
func (m *runHistory) open(rootdir string) *history.Store {
	if m.tried || m.flags.noHistory {
		return m.store
	}
	m.tried = true
	path := m.flags.history
	if path == "" {
		path = history.DefaultPath(rootdir)
	}
	s, warning, err := history.Open(path)
	if warning != "" {
		fmt.Fprintf(m.warn, "shoal: warning: %s\n", warning)
	}
	if err != nil {
		fmt.Fprintf(m.warn, "shoal: warning: %v; this run neither uses nor keeps durations\n", err)
		return nil
	}
	m.store = s
	if m.order {
		m.failed = s.Failed()
	}
	return s
}

// estimator is what a plan reads; nil without a store.
func (m *runHistory) estimator(rootdir string) plan.Estimator {
	if s := m.open(rootdir); s != nil {
		return storeEstimates{s, m.failed}
	}
	return nil
}

// verdicts are what shoal verify found of the suite's tests, read from
// the store once: the plan's known conflicts and the report's known
// problems read the same table, which a run does not change. nil without
// a store.
func (m *runHistory) verdicts(rootdir string) map[string]history.Verdict {
	if m.found == nil {
		if s := m.open(rootdir); s != nil {
			m.found = s.Verdicts()
		}
	}
	return m.found
}

// conflicts are the tests shoal verify found to conflict, with their
// partners; nil without a store.
func (m *runHistory) conflicts(rootdir string) map[string][]string {
	found := m.verdicts(rootdir)
	if found == nil {
		return nil
	}
	out := map[string][]string{}
	for id, v := range found {
		if v.Class == "conflict" {
			out[id] = v.Partners
		}
	}
	return out
}

func (m *runHistory) close() {
	if m.store != nil {
		m.store.Close()
	}
}

// Event adds the event to the run; once the run has finished, its tests
// go to the store.
func (m *runHistory) Event(e result.Event) {
	m.run.Apply(e)
	if _, ok := e.(result.Finished); ok {
		m.record(&m.run)
	}
}

// record adds a finished run's tests to the store.
func (m *runHistory) record(run *result.Run) {
	s := m.open(run.Rootdir)
	if s == nil {
		return
	}
	if err := s.Record(runOf(run)); err != nil {
		fmt.Fprintf(m.warn, "shoal: warning: durations of this run not kept: %v\n", err)
	}
}

// planner plans a collected run from history (nil: none).
func planner(hist *runHistory, set plan.Settings) runner.Planner {
	return func(run *result.Run, owners []int) ([]schedule.Test, schedule.Config, []bool, error) {
		var est plan.Estimator
		if hist != nil {
			est = hist.estimator(run.Rootdir)
		}
		set := set
		if set.Dist == "" {
			set.Dist = run.Options.Dist
		}
		tests, cfg := plan.SchedulerInput(run, owners, est, set)
		if hist != nil {
			plan.KnownConflicts(run, tests, hist.conflicts(run.Rootdir))
		}
		var keep []bool
		if set.Shard.Total > 1 {
			keep = shardOf(run, set)
		}
		return tests, cfg, keep, nil
	}
}

// shardOf is which of run's tests this shard keeps: a split every machine
// computes alike, never from this machine's own history.
func shardOf(run *result.Run, set plan.Settings) []bool {
	group := make([]int, len(run.Tests))
	nodeids := make([]string, len(run.Tests))
	for i, t := range run.Tests {
		group[i], nodeids[i] = t.File, t.NodeID
	}
	var seconds []float64
	if set.ShardDurations != nil {
		seconds = plan.ShardSeconds(nodeids, set.ShardDurations)
	}
	return set.Shard.Keep(group, run.Files, seconds)
}

type storeEstimates struct {
	s      *history.Store
	failed map[string]bool
}

func (e storeEstimates) Estimates(nodeids []string) []plan.Estimate {
	got := e.s.Estimates(nodeids)
	out := make([]plan.Estimate, len(got))
	for i, g := range got {
		out[i] = plan.Estimate{Seconds: g.Seconds, Known: g.Source != history.Default, Failed: e.failed[nodeids[i]]}
	}
	return out
}

func (e storeEstimates) FileSetup(files []string) []float64 { return e.s.FileSetup(files) }

func (e storeEstimates) Overhead() float64 {
	seconds, _ := e.s.Overhead()
	return seconds
}

// runOf is what history keeps of a run: its start-up (to the first test)
// and finish (after the last), every test that finished (a crash says
// nothing of a test's duration), whether it was the first of its file on
// its worker, and what a test cost its worker besides its setup, call
// and teardown: the median, over every test a worker followed with another,
// of the time from its start to the next one's beyond its phases. The
// median leaves out the waits at barriers and for work.
func runOf(run *result.Run) history.Run {
	h := history.Run{
		Start: time.Unix(0, int64(run.Start*1e9)), Wall: run.Stop - run.Start, Workers: len(run.Workers),
	}
	var ran []*result.Test
	first, end := 0.0, 0.0
	for _, t := range run.Tests {
		if t.Ran() && !t.Crashed {
			ran = append(ran, t)
			if first == 0 || t.Start < first {
				first = t.Start
			}
			end = max(end, t.Stop)
		}
	}
	if first > 0 {
		h.Startup = first - run.Start
	}
	if end > 0 && run.Stop > end {
		h.Finish = run.Stop - end
	}
	sort.SliceStable(ran, func(a, b int) bool { return ran[a].Start < ran[b].Start })
	last := map[string]*result.Test{} // each worker's test before
	var gaps []float64
	for _, t := range ran {
		prev := last[t.Worker]
		last[t.Worker] = t
		tr := history.TestRun{NodeID: t.NodeID, CPU: t.CPU, Outcome: string(t.Outcome()), Worker: t.Worker,
			Cold: prev == nil || prev.File != t.File}
		tr.Setup, tr.Call, tr.Teardown = t.Phases()
		h.Tests = append(h.Tests, tr)
		if prev != nil {
			gaps = append(gaps, max(t.Start-prev.Start-prev.Duration(), 0))
		}
	}
	if len(gaps) > 0 {
		slices.Sort(gaps)
		h.Overhead = gaps[len(gaps)/2]
	}
	return h
}
