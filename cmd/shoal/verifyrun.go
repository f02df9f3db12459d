package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"shoal/plan"
	"shoal/result"
	"shoal/runner"
	"shoal/schedule"
	"shoal/verify"
)

// apartKey is the lock key every test of a batch run apart holds: one test
// at a time, each list still in its own process.
const apartKey = "shoal-verify-apart"

func (vr *verifyRunner) dir(name string) string {
	return filepath.Join(vr.res.Dir, name)
}

// Run runs one batch: its lists on as many workers, in order.
func (vr *verifyRunner) Run(ctx context.Context, b verify.Batch) ([]verify.Ran, error) {
	vr.n++
	dir := vr.dir(fmt.Sprintf("verify-%d", vr.n))
	defer os.RemoveAll(dir)
	var extra []string
	if meets := vr.mayMeet(b.Meets); meets != nil {
		file, err := vr.meetFile(dir, meets)
		if err != nil {
			return nil, err
		}
		extra = append(extra, "SHOAL_TRACE_PAIRS="+file)
	}
	opts, err := vr.options(dir, extra...)
	if err != nil {
		return nil, err
	}
	opts.Workers = max(len(b.Lists), 1)
	opts.Plan = listPlanner(b, vr.names, vr.suite.cfg.Locks)
	run, err := runner.Run(ctx, opts, quiet{})
	if err != nil {
		return nil, &exitError{code: result.ExitInternalError, msg: "cannot run the suite in a chosen order: " + err.Error()}
	}
	if run.Halted && ctx.Err() == nil {
		return nil, &exitError{code: result.ExitInterrupted, msg: "a run stopped early: " + run.Stopped}
	}
	return vr.outcomes(run), nil
}

// mayMeet are the pairs whose markers let them run at the same time: a
// test that runs alone, or two that hold one key, would only wait for
// each other in vain.
func (vr *verifyRunner) mayMeet(pairs [][2]int) [][2]int {
	var out [][2]int
	mark := func(i int) *result.Marks {
		if i < len(vr.marks) {
			return vr.marks[i]
		}
		return nil
	}
	for _, p := range pairs {
		a, b := mark(p[0]), mark(p[1])
		apart := a != nil && a.Exclusive || b != nil && b.Exclusive ||
			a != nil && b != nil && slices.ContainsFunc(a.Locks, func(k string) bool { return slices.Contains(b.Locks, k) })
		if !apart {
			out = append(out, p)
		}
	}
	return out
}

// meetFile writes the pairs that start together where the plugin reads
// them (SHOAL_TRACE_PAIRS, as shoal audit's pairs).
func (vr *verifyRunner) meetFile(dir string, pairs [][2]int) (string, error) {
	meet := filepath.Join(dir, "meet")
	if err := os.MkdirAll(meet, 0o755); err != nil {
		return "", &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	entries := map[string][2]string{}
	for k, p := range pairs {
		name := fmt.Sprintf("p%d", k)
		entries[vr.names[p[0]]] = [2]string{name, meet}
		entries[vr.names[p[1]]] = [2]string{name, meet}
	}
	data, _ := json.Marshal(entries)
	file := filepath.Join(dir, "pairs.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return "", &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	return file, nil
}

// outcomes are what each test of the suite did in run.
func (vr *verifyRunner) outcomes(run *result.Run) []verify.Ran {
	index := make(map[string]int, len(vr.names))
	for i, n := range vr.names {
		index[n] = i
	}
	workers := map[string]int{}
	out := make([]verify.Ran, len(vr.names))
	for _, t := range run.Tests {
		i, ok := index[t.NodeID]
		if !ok || !t.Ran() || t.Killed {
			continue
		}
		w, ok := workers[t.Worker]
		if !ok {
			w = len(workers)
			workers[t.Worker] = w
		}
		o := t.Outcome()
		out[i] = verify.Ran{Ran: true, Failed: o == result.Failed || o == result.Error, List: w, Start: t.Start, Stop: t.Stop}
	}
	return out
}

// listPlanner keeps the batch's tests and gives each worker its list.
// Markers still hold, but in runs apart nothing overlaps anyway, so tests
// that run alone lose that there; elsewhere they all move to one list,
// after its own tests, since lists that each wait for the others to be
// quiet would wait for ever. Heavy tests' slots are
// not kept: a verification run is about order, not load.
//
// In a run apart, every test holds apartKey, one at a time. The pairs an
// apart run ends with (its last two lists) hold a key each instead, which
// every other test of the run holds too: a pair's two tests run at the
// same time, never beside a test of the other lists.
func listPlanner(b verify.Batch, names []string, limits map[string]int) runner.Planner {
	at := map[string][2]int{}
	for w, l := range b.Lists {
		for k, i := range l {
			at[names[i]] = [2]int{w, k}
		}
	}
	pairsFrom, keys := pairKeys(b)
	return func(run *result.Run, owners []int) ([]schedule.Test, schedule.Config, []bool, error) {
		tests, cfg := plan.SchedulerInput(run, owners, nil, plan.Settings{Workers: len(b.Lists), Limits: limits})
		keep := make([]bool, len(run.Tests))
		kept := 0
		lists := make([][]int, len(b.Lists))
		for w := range lists {
			lists[w] = make([]int, len(b.Lists[w]))
		}
		found := 0
		for i, t := range run.Tests {
			p, ok := at[t.NodeID]
			keep[i] = ok
			if !ok {
				continue
			}
			st := &tests[i]
			st.Slots = 0
			switch {
			case b.Apart && p[0] < pairsFrom:
				st.Exclusive = false
				st.Locks = append(append(slices.Clone(st.Locks), apartKey), keys...)
			case b.Apart:
				st.Locks = append(slices.Clone(st.Locks), pairKey(b.Lists[p[0]][p[1]]))
			}
			lists[p[0]][p[1]] = kept
			kept++
			found++
		}
		if found != len(at) {
			return nil, cfg, nil, errors.New("the suite collected other tests than at first; verify a suite that does not change while it runs")
		}
		var keptTests []schedule.Test
		for i, k := range keep {
			if k {
				keptTests = append(keptTests, tests[i])
			}
		}
		cfg.Lists = aloneOnOneList(lists, keptTests)
		return tests, cfg, keep, nil
	}
}

// aloneOnOneList moves every test that must run alone to the first list
// that holds one.
func aloneOnOneList(lists [][]int, tests []schedule.Test) [][]int {
	target := -1
	var moved []int
	for w, l := range lists {
		var rest []int
		for _, i := range l {
			switch {
			case !tests[i].Alone(len(lists)):
				rest = append(rest, i)
			case target < 0:
				target = w
				rest = append(rest, i)
			case target == w:
				rest = append(rest, i)
			default:
				moved = append(moved, i)
			}
		}
		lists[w] = rest
	}
	if target >= 0 {
		lists[target] = append(lists[target], moved...)
	}
	return lists
}

// pairKeys are where an apart batch's pairs begin (its last two lists;
// len(b.Lists) without pairs) and the keys of their tests.
func pairKeys(b verify.Batch) (int, []string) {
	if !b.Apart || len(b.Meets) == 0 || len(b.Lists) < 2 {
		return len(b.Lists), nil
	}
	from := len(b.Lists) - 2
	var keys []string
	for _, l := range b.Lists[from:] {
		for _, i := range l {
			keys = append(keys, pairKey(i))
		}
	}
	return from, keys
}

func pairKey(test int) string { return apartKey + "-" + strconv.Itoa(test) }
