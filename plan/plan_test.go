package plan

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"shoal/result"
	"shoal/schedule"
)

func TestParseShard(t *testing.T) {
	type testCase struct {
		in   string
		want Shard
		bad  bool
	}
	for _, tc := range []testCase{
		{in: "1/4", want: Shard{1, 4}},
		{in: "4/4", want: Shard{4, 4}},
		{in: " 2 / 3 ", want: Shard{2, 3}},
		{in: "0/4", bad: true},
		{in: "5/4", bad: true},
		{in: "1/0", bad: true},
		{in: "2", bad: true},
		{in: "a/b", bad: true},
	} {
		got, err := ParseShard(tc.in)
		if tc.bad != (err != nil) || !tc.bad && got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestShardFromEnv(t *testing.T) {
	type testCase struct {
		name string
		env  map[string]string
		want Shard
		from string
		bad  bool
	}
	for _, tc := range []testCase{
		{name: "none", env: map[string]string{}},
		{name: "gitlab counts from 1", env: map[string]string{"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"}, want: Shard{2, 3}, from: "CI_NODE_INDEX"},
		{name: "circleci counts from 0", env: map[string]string{"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "2"}, want: Shard{1, 2}, from: "CIRCLE_NODE_INDEX"},
		{name: "buildkite counts from 0", env: map[string]string{"BUILDKITE_PARALLEL_JOB": "3", "BUILDKITE_PARALLEL_JOB_COUNT": "4"}, want: Shard{4, 4}, from: "BUILDKITE_PARALLEL_JOB"},
		{name: "index past the total", env: map[string]string{"CIRCLE_NODE_INDEX": "2", "CIRCLE_NODE_TOTAL": "2"}, bad: true, from: "CIRCLE_NODE_INDEX"},
		{name: "not a number", env: map[string]string{"CI_NODE_INDEX": "x", "CI_NODE_TOTAL": "2"}, bad: true, from: "CI_NODE_INDEX"},
		{name: "only the index", env: map[string]string{"CI_NODE_INDEX": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, from, err := ShardFromEnv(func(k string) string { return tc.env[k] })
			if tc.bad != (err != nil) || got != tc.want || from != tc.from {
				t.Errorf("got %v from %q, error %v; want %v from %q, error %v", got, from, err, tc.want, tc.from, tc.bad)
			}
		})
	}
}

// suiteOf makes tests in files of the given sizes, each test d seconds.
func suiteOf(sizes []int, d float64, known bool) ([]schedule.Test, []string) {
	var tests []schedule.Test
	var files []string
	for f, n := range sizes {
		files = append(files, fmt.Sprintf("tests/test_%02d.py", f))
		for i := 0; i < n; i++ {
			tests = append(tests, schedule.Test{Group: f, Seconds: d * float64(f+1), Known: known})
		}
	}
	return tests, files
}

func TestShardsPartitionTheSuite(t *testing.T) {
	type testCase struct {
		name      string
		sizes     []int
		shards    int
		durations bool
		whole     bool    // files stay whole
		spread    float64 // most work between the lightest and the heaviest shard
	}
	run := func(t *testing.T, tc testCase) {
		tests, files := suiteOf(tc.sizes, 0.1, true)
		group := make([]int, len(tests))
		var seconds []float64
		for i, st := range tests {
			group[i] = st.Group
			if tc.durations {
				seconds = append(seconds, st.Seconds)
			}
		}
		owner := make([]int, len(tests))
		for i := range owner {
			owner[i] = -1
		}
		work := make([]float64, tc.shards)
		for k := 1; k <= tc.shards; k++ {
			keep := Shard{k, tc.shards}.Keep(group, files, seconds)
			if again := (Shard{k, tc.shards}).Keep(group, files, seconds); !reflect.DeepEqual(keep, again) {
				t.Fatalf("shard %d/%d differs between two calls", k, tc.shards)
			}
			for i, kept := range keep {
				if !kept {
					continue
				}
				if owner[i] >= 0 {
					t.Fatalf("test %d is in shards %d and %d", i, owner[i], k)
				}
				owner[i] = k
				work[k-1] += 1
				if tc.durations {
					work[k-1] += seconds[i] - 1
				}
			}
		}
		for i, o := range owner {
			if o < 0 {
				t.Fatalf("test %d is in no shard", i)
			}
			for j := range tests {
				if tc.whole && group[j] == group[i] && owner[j] != o {
					t.Fatalf("file %d is split between shards %d and %d", group[i], o, owner[j])
				}
			}
		}
		lo, hi := work[0], work[0]
		for _, w := range work {
			lo, hi = min(lo, w), max(hi, w)
		}
		if lo == 0 {
			t.Errorf("a shard is empty: %v", work)
		}
		if hi-lo > tc.spread {
			t.Errorf("shards are unbalanced: %v", work)
		}
	}
	sizes := []int{5, 1, 9, 3, 3, 7, 2, 8, 4, 6}
	for _, tc := range []testCase{
		// The biggest file is 9 tests; LPT keeps shards within it.
		{name: "by test counts", sizes: sizes, shards: 3, whole: true, spread: 9},
		// The biggest file is 9 tests × 0.3 s = 2.7 s.
		{name: "by a history file's durations", sizes: sizes, shards: 3, durations: true, whole: true, spread: 2.7},
		{name: "as many files as shards", sizes: []int{1, 1, 1}, shards: 3, whole: true},
		{name: "fewer files than shards", sizes: []int{5, 1}, shards: 3, spread: 1},
		{name: "one file", sizes: []int{4}, shards: 4},
	} {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestWholeSuiteIsOneShard(t *testing.T) {
	for i, k := range (Shard{}).Keep([]int{0, 0, 1, 1}, []string{"a.py", "b.py"}, nil) {
		if !k {
			t.Errorf("test %d left out of the whole suite", i)
		}
	}
}

type fakeHistory struct{}

func (fakeHistory) Estimates(nodeids []string) []Estimate {
	out := make([]Estimate, len(nodeids))
	for i := range out {
		out[i] = Estimate{Seconds: float64(i + 1), Known: i%2 == 0, Failed: i == 1}
	}
	return out
}

func (fakeHistory) Overhead() float64 { return 0.0003 }

func (fakeHistory) FileSetup(files []string) []float64 {
	out := make([]float64, len(files))
	for i := range out {
		out[i] = 0.5
	}
	return out
}

func TestSchedulerInput(t *testing.T) {
	run := &result.Run{Files: []string{"a.py", "b.py"}, Tests: []*result.Test{
		{File: 0, NodeID: "a.py::x"},
		{File: 1, NodeID: "b.py::y", Marks: &result.Marks{Exclusive: true}},
		{File: 1, NodeID: "b.py::z", Marks: &result.Marks{Locks: []string{"db"}, Slots: 2}},
	}}
	tests, cfg := SchedulerInput(run, []int{1, 0}, fakeHistory{}, Settings{Workers: 3, Limits: map[string]int{"db": 2}})
	want := []schedule.Test{
		{Group: 0, Seconds: 1, Known: true},
		{Group: 1, Seconds: 2, Exclusive: true, Failed: true, Scope: 1},
		{Group: 1, Seconds: 3, Known: true, Locks: []string{"db"}, Slots: 2, Scope: 1},
	}
	if !reflect.DeepEqual(tests, want) {
		t.Errorf("tests:\n got %+v\nwant %+v", tests, want)
	}
	if cfg.Workers != 3 || !reflect.DeepEqual(cfg.Setup, []float64{0.5, 0.5}) || !reflect.DeepEqual(cfg.Owner, []int{1, 0}) || cfg.Limits["db"] != 2 || cfg.Overhead != 0.0003 {
		t.Errorf("config: %+v", cfg)
	}
	if tests, _ := SchedulerInput(run, nil, nil, Settings{Workers: 2}); tests[0].Known || tests[0].Seconds != 0 {
		t.Errorf("without history a test is a guess; got %+v", tests[0])
	}
}

func TestPredict(t *testing.T) {
	tests, _ := suiteOf([]int{10, 10, 10, 10}, 0.1, true)
	tests[0].Exclusive = true
	p, err := Predict(tests, schedule.Config{Workers: 4}, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tests != 40 || p.Exclusive != 1 || p.Measured != 40 {
		t.Errorf("counts: %+v", p)
	}
	if p.LowerBound > p.PredictedMakespan || p.LowerBound < 0.5+p.Bound.Exclusive {
		t.Errorf("bound %.3f s, prediction %.3f s: the bound must be under the prediction and over start-up plus exclusive time", p.LowerBound, p.PredictedMakespan)
	}
	if p.Speedup <= 1 {
		t.Errorf("four workers predicted no faster than one: %.2f", p.Speedup)
	}
	if len(p.Limits) == 0 || p.Limits[0] != "isolation tests: 0.10 s that nothing can overlap" {
		t.Errorf("limits: %q", p.Limits)
	}
}

// TestPredictFinish: what a run takes after its last test adds to the
// predicted wall time and to the lower bound, not to the schedule.
func TestPredictFinish(t *testing.T) {
	tests, _ := suiteOf([]int{10, 10}, 0.1, true)
	without, err := Predict(tests, schedule.Config{Workers: 2}, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	with, err := Predict(tests, schedule.Config{Workers: 2}, 0.5, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if with.Finish != 0.3 || with.Schedule != without.Schedule {
		t.Errorf("finish %g, schedule %g; want 0.3 and the schedule without it, %g", with.Finish, with.Schedule, without.Schedule)
	}
	if d := with.PredictedMakespan - without.PredictedMakespan; math.Abs(d-0.3) > 1e-9 {
		t.Errorf("the finish added %g s to the prediction, want 0.3", d)
	}
	if d := with.LowerBound - without.LowerBound; math.Abs(d-0.3) > 1e-9 {
		t.Errorf("the finish added %g s to the lower bound, want 0.3", d)
	}
	var out bytes.Buffer
	with.Explain(&out)
	if !strings.Contains(out.String(), "finish 0.30 s)") {
		t.Errorf("the explanation does not give the finish:\n%s", out.String())
	}
}

// TestPredictCountsMeasuredOverhead: on many tiny tests what each costs
// besides its duration decides the prediction; the one history measured
// replaces the default.
func TestPredictCountsMeasuredOverhead(t *testing.T) {
	var tests []schedule.Test
	for i := 0; i < 2000; i++ {
		tests = append(tests, schedule.Test{Group: i / 100, Seconds: 0.0001, Known: true})
	}
	for _, c := range []struct {
		overhead, want float64
	}{
		{0.0002, 2000 * (0.0001 + 0.0002) / 2},
		{0, 2000 * (0.0001 + schedule.ReplayOverhead) / 2},
	} {
		p, err := Predict(tests, schedule.Config{Workers: 2, Overhead: c.overhead}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.PredictedMakespan < c.want || p.PredictedMakespan > c.want*1.1 {
			t.Errorf("overhead %g s: predicted %.3f s, want %.3f s to 10%% over", c.overhead, p.PredictedMakespan, c.want)
		}
		if p.OverheadMeasured != (c.overhead > 0) {
			t.Errorf("overhead %g s: prediction says measured: %v", c.overhead, p.OverheadMeasured)
		}
	}
}

// TestPredictSaysHowBarriersArePlaced: with measured durations and many
// files with exclusive tests, the plan says its barriers were planned ahead;
// without history, that they are placed as the run goes.
func TestPredictSaysHowBarriersArePlaced(t *testing.T) {
	for _, known := range []bool{true, false} {
		var tests []schedule.Test
		var setup []float64
		for g := 0; g < 12; g++ {
			for i := 0; i < 14; i++ {
				tests = append(tests, schedule.Test{Group: g, Seconds: 0.01, Known: known})
				if i >= 12 {
					tests[len(tests)-1].Seconds, tests[len(tests)-1].Exclusive = 0.05, true
				}
			}
			setup = append(setup, 0.1)
		}
		p, err := Predict(tests, schedule.Config{Workers: 8, Setup: setup}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		p.Explain(&out)
		want := "placed as the run goes"
		if known {
			want = "planned ahead"
			if p.Barriers == 0 {
				t.Errorf("measured durations: no barriers planned ahead")
			}
		} else if p.Barriers != 0 {
			t.Errorf("no history: %d barriers planned ahead", p.Barriers)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("known=%v: the explanation does not say %q:\n%s", known, want, out.String())
		}
	}
}

func TestScopes(t *testing.T) {
	type testCase struct {
		dist string
		want []int // each test's scope
		keep bool
	}
	ids := []string{"a.py::t1", "a.py::t2[x::y]", "a.py::C::t", "a.py::C::u", "a.py::D::t", "b.py::t"}
	run := func(t *testing.T, tc testCase) {
		r := &result.Run{Files: []string{"a.py", "b.py"}}
		for _, id := range ids {
			r.Tests = append(r.Tests, &result.Test{NodeID: id})
		}
		tests, cfg := SchedulerInput(r, nil, nil, Settings{Workers: 2, Dist: tc.dist})
		var got []int
		for _, st := range tests {
			got = append(got, st.Scope)
		}
		if !reflect.DeepEqual(got, tc.want) || cfg.KeepScopes != tc.keep {
			t.Errorf("--dist %q: scopes %v, keep %v; want %v, %v", tc.dist, got, cfg.KeepScopes, tc.want, tc.keep)
		}
	}
	for _, tc := range []testCase{
		{dist: "", want: []int{0, 0, 1, 1, 2, 3}, keep: true},
		{dist: "loadscope", want: []int{0, 0, 1, 1, 2, 3}, keep: true},
		{dist: "loadfile", want: []int{0, 0, 0, 0, 0, 1}, keep: true},
		{dist: "load", want: []int{0, 0, 1, 1, 2, 3}, keep: false},
		{dist: "worksteal", want: []int{0, 0, 1, 1, 2, 3}, keep: false},
	} {
		t.Run(tc.dist, func(t *testing.T) { run(t, tc) })
	}
}

// TestFirstTests: tests pytest's --ff or --nf puts first count as last
// run's failures, and turn the default order into failed-first; an order
// the user chose stays.
func TestFirstTests(t *testing.T) {
	type testCase struct {
		name   string
		first  bool
		order  schedule.Order
		want   schedule.Order
		failed bool // the first test's Failed
	}
	run := func(t *testing.T, tc testCase) {
		r := &result.Run{Files: []string{"a.py", "b.py"}, Tests: []*result.Test{
			{File: 0, NodeID: "a.py::x"},
			{File: 1, NodeID: "b.py::y", Marks: &result.Marks{First: tc.first}},
		}}
		tests, cfg := SchedulerInput(r, nil, nil, Settings{Workers: 2, Order: tc.order})
		if cfg.Order != tc.want || tests[1].Failed != tc.failed || tests[0].Failed {
			t.Errorf("order %v, failed %v %v; want order %v, failed false %v", cfg.Order, tests[0].Failed, tests[1].Failed, tc.want, tc.failed)
		}
	}
	for _, tc := range []testCase{
		{name: "none first", order: schedule.Duration, want: schedule.Duration},
		{name: "--ff", first: true, order: schedule.Duration, want: schedule.FailedFirst, failed: true},
		{name: "--ff with --order random", first: true, order: schedule.Random, want: schedule.Random, failed: true},
	} {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
