package schedule_test

import (
	"reflect"
	"testing"

	"shoal/schedule"
)

// TestPlanBarriers: given these tests, set-ups and workers, exactly this
// plan. Every file costs 1 s to set up and every test takes 1 s, unless the
// case says otherwise; test indices count from 0 in the order listed.
func TestPlanBarriers(t *testing.T) {
	type testCase struct {
		name    string
		tests   []schedule.Test
		setup   []float64
		workers int
		want    *schedule.BarrierPlan // nil: no plan applies
	}
	setup := []float64{1, 1, 1, 1}
	// twoFiles: files 0 and 1, each with two ordinary tests and one
	// exclusive one (tests 2 and 5).
	twoFiles := concat(many(2, 0, 1, nil), many(1, 0, 1, exclusive), many(2, 1, 1, nil), many(1, 1, 1, exclusive))
	unknown := append([]schedule.Test(nil), twoFiles...)
	unknown[0].Known = false
	cases := []testCase{
		{name: "one worker", tests: twoFiles, setup: setup, workers: 1},
		{name: "a test nobody measured", tests: unknown, setup: setup, workers: 2},
		{name: "a lock", tests: concat(twoFiles, many(1, 2, 1, lock("db"))), setup: setup, workers: 2},
		{name: "a heavy test short of every worker", tests: concat(twoFiles, many(1, 2, 1, slots(2))), setup: setup, workers: 3},
		{name: "no exclusive test", tests: many(4, 0, 1, nil), setup: setup, workers: 2},
		{name: "only files with only exclusive tests", tests: many(4, 0, 1, exclusive), setup: setup, workers: 2},
		{name: "more tests than a plan is made for", tests: concat(many(20000, 0, 0.001, nil), many(1, 0, 1, exclusive)), workers: 2},
		{
			// Each worker sets a file up and runs one of its tests: both
			// reach the barrier after 2 s, their file still set up, and
			// run its other test after their exclusive one.
			name: "two files on two workers", tests: twoFiles, setup: setup, workers: 2,
			want: &schedule.BarrierPlan{
				Lists:  [][][]int{{{0}, {1}}, {{3}, {4}}},
				Hosts:  [][]int{{0}, {1}},
				ColdOn: 0,
			},
		},
		{
			// A heavy test that takes every worker's slot runs alone.
			name: "slots of every worker", workers: 2, setup: setup,
			tests: concat(many(2, 0, 1, nil), many(1, 0, 1, slots(2)), many(2, 1, 1, nil), many(1, 1, 1, exclusive)),
			want: &schedule.BarrierPlan{
				Lists:  [][][]int{{{0}, {1}}, {{3}, {4}}},
				Hosts:  [][]int{{0}, {1}},
				ColdOn: 0,
			},
		},
		{
			// Four files on two workers: two barriers. At the second,
			// each worker finishes its first file, then sets up the next.
			name: "four files on two workers", setup: setup, workers: 2,
			tests: concat(twoFiles, many(2, 2, 1, nil), many(1, 2, 1, exclusive), many(2, 3, 1, nil), many(1, 3, 1, exclusive)),
			want: &schedule.BarrierPlan{
				Lists:  [][][]int{{{0}, {1, 6}, {7}}, {{3}, {4, 9}, {10}}},
				Hosts:  [][]int{{0, 2}, {1, 3}},
				ColdOn: 0,
			},
		},
		{
			// File 2 has no exclusive test: it runs after the barrier, on
			// worker 0. File 3 has only exclusive tests: worker 1, which
			// then has the least left, sets it up at the barrier.
			name: "a file without exclusive tests and one with only them", setup: setup, workers: 2,
			tests: concat(twoFiles, many(2, 2, 1, nil), many(2, 3, 1, exclusive)),
			want: &schedule.BarrierPlan{
				Lists:  [][][]int{{{0}, {1, 6, 7}}, {{3}, {4}}},
				Hosts:  [][]int{{0}, {1}},
				Cold:   []int{3},
				ColdOn: 1,
			},
		},
		{
			// Test 3 takes 8 s, long enough to hold a barrier back: its
			// file is served at the barrier with only its shortest test
			// before it, and the long test after it; worker 0 runs file 2,
			// which has no exclusive test, after file 1.
			name: "a long test goes after the barrier", setup: setup, workers: 2,
			tests: concat(many(3, 0, 1, nil), many(1, 0, 8, nil), many(1, 0, 1, exclusive),
				many(4, 1, 1, nil), many(1, 1, 1, exclusive), many(6, 2, 1, nil)),
			want: &schedule.BarrierPlan{
				Lists:  [][][]int{{{5}, {6, 7, 8, 10, 11, 12, 13, 14, 15}}, {{2}, {3, 0, 1}}},
				Hosts:  [][]int{{1}, {0}},
				ColdOn: 0,
			},
		},
		{
			// A third worker with no file to serve runs the file without
			// exclusive tests before the barrier; nothing is left after.
			name: "a worker with no file to serve", setup: setup, workers: 3,
			tests: concat(twoFiles, many(3, 2, 1, nil)),
			want: &schedule.BarrierPlan{
				Lists:  [][][]int{{{0, 1}, {}}, {{3, 4}, {}}, {{6, 7, 8}, {}}},
				Hosts:  [][]int{{0}, {1}, {-1}},
				ColdOn: 0,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := schedule.PlanBarriers(tc.tests, tc.setup, tc.workers)
			if got != nil {
				checkPlan(t, tc.tests, tc.workers, got)
			}
			if !reflect.DeepEqual(normalPlan(got), normalPlan(tc.want)) {
				t.Errorf("got  %+v\nwant %+v", normalPlan(got), normalPlan(tc.want))
			}
		})
	}
}

// normalPlan makes empty and nil lists alike, for comparison.
func normalPlan(bp *schedule.BarrierPlan) *schedule.BarrierPlan {
	if bp == nil {
		return nil
	}
	out := *bp
	out.Lists = make([][][]int, len(bp.Lists))
	for w, lists := range bp.Lists {
		for _, list := range lists {
			out.Lists[w] = append(out.Lists[w], append([]int{}, list...))
		}
	}
	out.Cold = append([]int{}, bp.Cold...)
	return &out
}

// checkPlan fails where bp does not run every ordinary test once and serve
// every file with exclusive tests at one barrier.
func checkPlan(t *testing.T, tests []schedule.Test, workers int, bp *schedule.BarrierPlan) {
	t.Helper()
	listed := make([]int, len(tests))
	for w := range bp.Lists {
		if len(bp.Lists[w]) != bp.Barriers()+1 || len(bp.Hosts[w]) != bp.Barriers() {
			t.Fatalf("worker %d: %d lists and %d hosts for %d barriers", w, len(bp.Lists[w]), len(bp.Hosts[w]), bp.Barriers())
		}
		for _, list := range bp.Lists[w] {
			for _, i := range list {
				listed[i]++
			}
		}
	}
	served := map[int]int{}
	for _, hosts := range bp.Hosts {
		for _, g := range hosts {
			if g >= 0 {
				served[g]++
			}
		}
	}
	for _, g := range bp.Cold {
		served[g]++
	}
	for i, tc := range tests {
		if alone := tc.Alone(workers); alone && listed[i] != 0 || !alone && listed[i] != 1 {
			t.Errorf("test %d (alone: %v) is listed %d times", i, alone, listed[i])
		}
		if tc.Alone(workers) && served[tc.Group] != 1 {
			t.Errorf("file %d, with exclusive tests, is served at %d barriers", tc.Group, served[tc.Group])
		}
	}
}

// TestPlanBarriersOnModels: on suites like the sleeping benchmark, every
// plan runs each ordinary test once and serves each file with exclusive
// tests once.
func TestPlanBarriersOnModels(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		for _, n := range []int{2, 4, 8, 16} {
			tests, setup := sleepModel(t, seed, 200)
			bp := schedule.PlanBarriers(tests, setup, n)
			if bp == nil {
				t.Fatalf("seed %d, %d workers: no plan", seed, n)
			}
			checkPlan(t, tests, n, bp)
		}
	}
}
