package schedule_test

import (
	"sort"
	"strings"
	"testing"

	"shoal/schedule"
	"shoal/simulate"
)

// TestScopesKeepTheirOrder: with KeepScopes, every scope's tests run on one
// worker in the order given, whatever history says of their durations; a
// long test that is a scope of its own may still start early.
func TestScopesKeepTheirOrder(t *testing.T) {
	type testCase struct {
		name    string
		tests   []schedule.Test
		workers int
	}
	scoped := func(tests []schedule.Test, scopes ...int) []schedule.Test {
		for i := range tests {
			tests[i].Scope = scopes[i]
		}
		return tests
	}
	// A module whose tests build on each other: the second is slow.
	chain := scoped(concat(many(1, 0, 0.01, nil), many(1, 0, 2, nil), many(1, 0, 0.01, nil)), 0, 0, 0)
	classes := scoped(concat(many(4, 0, 0.5, nil), many(4, 0, 0.5, nil), many(1, 0, 3, nil), many(20, 1, 0.1, nil)),
		0, 0, 0, 0, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3)
	run := func(t *testing.T, tc testCase) {
		cfg := schedule.Config{Workers: tc.workers, KeepScopes: true}
		res := replay(t, tc.tests, cfg, nil)
		worker := map[int]int{}  // scope → worker
		prev := map[[2]int]int{} // (worker, scope) → last test
		for _, sp := range startOrder(res.Spans) {
			sc := tc.tests[sp.Test].Scope
			if w, ok := worker[sc]; ok && w != sp.Worker {
				t.Fatalf("scope %d ran on workers %d and %d", sc, w, sp.Worker)
			}
			worker[sc] = sp.Worker
			key := [2]int{sp.Worker, sc}
			if p, ok := prev[key]; ok && p > sp.Test {
				t.Fatalf("test %d of scope %d started after test %d", sp.Test, sc, p)
			}
			prev[key] = sp.Test
		}
	}
	for _, tc := range []testCase{
		{name: "a chain on one worker", tests: chain, workers: 1},
		{name: "a chain on three workers", tests: chain, workers: 3},
		{name: "classes and a long test of its own", tests: classes, workers: 3},
	} {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

// startOrder is the spans in the order they started.
func startOrder(spans []simulate.Span) []simulate.Span {
	out := append([]simulate.Span(nil), spans...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Start < out[b].Start })
	return out
}

// TestTraceScopesWithinBound replays the networkx trace keeping its scopes
// (classes, and each module's functions) whole: within 5% of the lower
// bound on 2 to 8 workers. On 16 the longest scope (7.0 s) is over the
// spread (6.6 s), and scopes handed out as successors stay where they went:
// the makespan is logged.
func TestTraceScopesWithinBound(t *testing.T) {
	tests, tr := networkx(t)
	index := map[string]int{}
	for i, id := range tr.NodeIDs {
		base, _, _ := strings.Cut(id, "[")
		if k := strings.LastIndex(base, "::"); k >= 0 {
			base = base[:k]
		}
		if _, ok := index[base]; !ok {
			index[base] = len(index)
		}
		tests[i].Scope = index[base]
	}
	for _, n := range []int{2, 4, 8, 16} {
		cfg := schedule.Config{Workers: n, KeepScopes: true}
		res := replay(t, tests, cfg, nil)
		lb := schedule.LowerBound(tests, cfg).Seconds
		t.Logf("%2d workers, scopes kept: bound %.2f s, shoal %.2f s (%.3f)", n, lb, res.Makespan, res.Makespan/lb)
		if n <= 8 && res.Makespan > 1.05*lb {
			t.Errorf("%d workers: makespan %.2f s is over 1.05 × the bound %.2f s", n, res.Makespan, lb)
		}
	}
}
