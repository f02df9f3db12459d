package schedule_test

import (
	"math/rand"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"shoal/schedule"
	"shoal/simulate"
)

// replay runs the scheduler over tests in the simulator, with the expected
// durations as the real ones unless actual is given, and checks that every
// constraint held on the timeline.
func replay(t *testing.T, tests []schedule.Test, cfg schedule.Config, actual []float64) simulate.Result {
	t.Helper()
	s, err := schedule.New(tests, cfg)
	if err != nil {
		t.Fatal(err)
	}
	suite := simulate.Suite{Setup: cfg.Setup}
	for i, tc := range tests {
		suite.Group = append(suite.Group, tc.Group)
		if actual != nil {
			suite.Actual = append(suite.Actual, actual[i])
		} else {
			suite.Actual = append(suite.Actual, tc.Seconds)
		}
	}
	res, err := simulate.Run(s, suite, simulate.Options{Workers: cfg.Workers, Latency: 0.001})
	if err != nil {
		t.Fatal(err, "\n", s.Dump())
	}
	checkTimeline(t, tests, cfg, res)
	return res
}

// checkTimeline fails the test where two spans that must not overlap do.
func checkTimeline(t *testing.T, tests []schedule.Test, cfg schedule.Config, res simulate.Result) {
	t.Helper()
	seen := map[int]bool{}
	for _, sp := range res.Spans {
		if seen[sp.Test] {
			t.Fatalf("test %d ran twice", sp.Test)
		}
		seen[sp.Test] = true
	}
	if len(seen) != len(tests) {
		t.Fatalf("%d of %d tests ran", len(seen), len(tests))
	}
	overlap := func(a, b simulate.Span) bool { return a.Start < b.Stop && b.Start < a.Stop }
	spans := append([]simulate.Span(nil), res.Spans...)
	sort.Slice(spans, func(a, b int) bool { return spans[a].Start < spans[b].Start })
	for a, sa := range spans {
		ta := tests[sa.Test]
		for _, sb := range spans[a+1:] {
			if sb.Start >= sa.Stop {
				break
			}
			if !overlap(sa, sb) || sa.Worker == sb.Worker {
				continue
			}
			tb := tests[sb.Test]
			if ta.Alone(cfg.Workers) || tb.Alone(cfg.Workers) {
				t.Fatalf("exclusive test overlaps another: %+v and %+v", sa, sb)
			}
		}
	}
	constrained := false
	for _, tc := range tests {
		constrained = constrained || len(tc.Locks) > 0 || tc.Slots > 1
	}
	if !constrained {
		return
	}
	// Locks and slots: count at every start.
	for _, sa := range spans {
		keys := map[string]map[int]bool{}
		slots := 0
		for _, sb := range spans {
			if sb.Start <= sa.Start && sa.Start < sb.Stop {
				slots += min(max(tests[sb.Test].Slots, 1), cfg.Workers)
				for _, k := range tests[sb.Test].Locks {
					if keys[k] == nil {
						keys[k] = map[int]bool{}
					}
					keys[k][sb.Worker] = true
				}
			}
		}
		if slots > cfg.Workers {
			t.Fatalf("at %.3f s tests take %d slots on %d workers", sa.Start, slots, cfg.Workers)
		}
		for k, ws := range keys {
			limit := 1
			if n, ok := cfg.Limits[k]; ok {
				limit = n
			}
			if len(ws) > limit {
				t.Fatalf("at %.3f s lock %q is held by %d workers, limit %d", sa.Start, k, len(ws), limit)
			}
		}
	}
}

// readNetworkx reads the trace once for all tests.
var readNetworkx = sync.OnceValues(func() (simulate.Trace, error) {
	return simulate.ReadTraceFile(filepath.Join("..", "testdata", "traces", "networkx-3.6.1-serial.jsonl.gz"))
})

func networkx(t *testing.T) ([]schedule.Test, simulate.Trace) {
	t.Helper()
	tr, err := readNetworkx()
	if err != nil {
		t.Fatal(err)
	}
	group, _ := tr.Files()
	tests := make([]schedule.Test, len(tr.Seconds))
	for i := range tests {
		tests[i] = schedule.Test{Group: group[i], Seconds: tr.Seconds[i], Known: true}
	}
	return tests, tr
}

// sleepModel is a suite like the sleeping benchmark: heavy-tailed durations
// drawn from a trace, files of 5-30 tests with 0.05-0.2 s of set-up, 30% of
// tests exclusive.
func sleepModel(t *testing.T, seed int64, count int) ([]schedule.Test, []float64) {
	_, tr := networkx(t)
	rng := rand.New(rand.NewSource(seed))
	var tests []schedule.Test
	var setup []float64
	for len(tests) < count {
		g := len(setup)
		setup = append(setup, 0.05+rng.Float64()*0.15)
		for n := 5 + rng.Intn(26); n > 0 && len(tests) < count; n-- {
			tests = append(tests, schedule.Test{Group: g, Seconds: tr.Seconds[rng.Intn(len(tr.Seconds))], Known: true})
		}
	}
	for _, i := range rng.Perm(len(tests))[:count*3/10] {
		tests[i].Exclusive = true
	}
	return tests, setup
}

// TestTraceWithinBound replays a measured networkx run: shoal's schedule
// stays within 5% of the lower bound on 2 to 16 workers. xdist's policies,
// replayed the same way, are logged beside it.
func TestTraceWithinBound(t *testing.T) {
	tests, _ := networkx(t)
	suite := simulate.Suite{Actual: make([]float64, len(tests)), Group: make([]int, len(tests))}
	for i := range tests {
		suite.Actual[i], suite.Group[i] = tests[i].Seconds, tests[i].Group
	}
	for _, n := range []int{2, 4, 8, 16} {
		cfg := schedule.Config{Workers: n}
		res := replay(t, tests, cfg, nil)
		lb := schedule.LowerBound(tests, cfg).Seconds
		opt := simulate.Options{Workers: n, Latency: 0.001}
		load, err := simulate.Run(simulate.NewLoad(len(tests), n), suite, opt)
		if err != nil {
			t.Fatal(err)
		}
		steal, err := simulate.Run(simulate.NewWorkSteal(len(tests), n), suite, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%2d workers: bound %.2f s, shoal %.2f s (%.3f), xdist load %.2f s (%.3f), worksteal %.2f s (%.3f)",
			n, lb, res.Makespan, res.Makespan/lb, load.Makespan, load.Makespan/lb, steal.Makespan, steal.Makespan/lb)
		if res.Makespan > 1.05*lb {
			t.Errorf("%d workers: makespan %.2f s is over 1.05 × the bound %.2f s", n, res.Makespan, lb)
		}
	}
}

// TestSleepModelWithinBound: files with set-up costs and 30% exclusive
// tests, the situation of teams that mark tests isolation.
func TestSleepModelWithinBound(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		for _, n := range []int{2, 4, 8, 16} {
			tests, setup := sleepModel(t, seed, 600)
			cfg := schedule.Config{Workers: n, Setup: setup}
			res := replay(t, tests, cfg, nil)
			lb := schedule.LowerBound(tests, cfg)
			t.Logf("seed %d, %2d workers: bound %.2f s (exclusive %.2f), shoal %.2f s (%.3f), %d set-ups",
				seed, n, lb.Seconds, lb.Exclusive, res.Makespan, res.Makespan/lb.Seconds, res.Setups)
			if res.Makespan > 1.3*lb.Seconds {
				t.Errorf("seed %d, %d workers: makespan %.2f s is over 1.3 × the bound %.2f s", seed, n, res.Makespan, lb.Seconds)
			}
		}
	}
}
