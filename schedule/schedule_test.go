package schedule_test

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"shoal/schedule"
)

// many makes n tests of d seconds in group g.
func many(n, g int, d float64, mod func(*schedule.Test)) []schedule.Test {
	out := make([]schedule.Test, n)
	for i := range out {
		out[i] = schedule.Test{Group: g, Seconds: d, Known: true}
		if mod != nil {
			mod(&out[i])
		}
	}
	return out
}

func concat(parts ...[]schedule.Test) []schedule.Test {
	var out []schedule.Test
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func exclusive(t *schedule.Test) { t.Exclusive = true }
func lock(keys ...string) func(*schedule.Test) {
	return func(t *schedule.Test) { t.Locks = keys }
}
func slots(n int) func(*schedule.Test) { return func(t *schedule.Test) { t.Slots = n } }

// TestConstraints replays adversarial suites: every constraint holds on the
// timeline (replay checks it) and the makespan stays near the lower bound.
func TestConstraints(t *testing.T) {
	type testCase struct {
		name   string
		tests  []schedule.Test
		cfg    schedule.Config
		atMost float64 // makespan / lower bound
		actual func(i int, expected float64) float64
	}
	cases := []testCase{
		{name: "only exclusive tests", tests: many(20, 0, 0.1, exclusive),
			cfg: schedule.Config{Workers: 4}, atMost: 1.05},
		{name: "exclusive tests spread over files with set-up",
			tests: concat(many(10, 0, 0.05, nil), many(3, 0, 0.2, exclusive), many(10, 1, 0.05, nil),
				many(3, 1, 0.2, exclusive), many(30, 2, 0.05, nil), many(2, 3, 0.3, exclusive)),
			cfg: schedule.Config{Workers: 4, Setup: []float64{0.1, 0.1, 0.1, 0.1}}, atMost: 1.4},
		{name: "one long test among short ones", tests: concat(many(200, 0, 0.01, nil), many(1, 1, 3, nil)),
			cfg: schedule.Config{Workers: 4}, atMost: 1.05},
		{name: "one lock key, limit 1", tests: concat(many(20, 0, 0.1, lock("db")), many(40, 1, 0.05, nil)),
			cfg: schedule.Config{Workers: 4}, atMost: 1.2},
		{name: "one lock key, limit 2", tests: concat(many(20, 0, 0.1, lock("db")), many(40, 1, 0.05, nil)),
			cfg: schedule.Config{Workers: 4, Limits: map[string]int{"db": 2}}, atMost: 1.3},
		{name: "two keys on one test", tests: concat(many(10, 0, 0.1, lock("a", "b")), many(10, 1, 0.1, lock("a")),
			many(10, 2, 0.1, lock("b")), many(20, 3, 0.05, nil)),
			cfg: schedule.Config{Workers: 3}, atMost: 1.3},
		{name: "heavy tests take slots", tests: concat(many(6, 0, 0.3, slots(2)), many(60, 1, 0.02, nil)),
			cfg: schedule.Config{Workers: 4}, atMost: 1.6}, // one heavy test at a time
		{name: "slots beyond the workers mean exclusive", tests: concat(many(3, 0, 0.2, slots(8)), many(30, 1, 0.02, nil)),
			cfg: schedule.Config{Workers: 4}, atMost: 1.3},
		{name: "estimates wrong by 3x both ways", tests: concat(many(50, 0, 0.02, nil), many(50, 1, 0.05, nil), many(5, 2, 0.5, exclusive)),
			cfg: schedule.Config{Workers: 4}, atMost: 1.6,
			actual: func(i int, d float64) float64 {
				if i%2 == 0 {
					return d * 3
				}
				return d / 3
			}},
		{name: "unknown durations", tests: concat(many(100, 0, 0, func(t *schedule.Test) { t.Known = false }), many(10, 1, 0.1, exclusive)),
			cfg: schedule.Config{Workers: 4}, atMost: 2},
		{name: "more workers than tests", tests: concat(many(1, 0, 0.1, nil), many(1, 1, 0.1, nil), many(1, 2, 0.1, nil)),
			cfg: schedule.Config{Workers: 8}, atMost: 1.1},
		{name: "one worker", tests: concat(many(10, 0, 0.1, exclusive), many(10, 1, 0.1, lock("x"))),
			cfg: schedule.Config{Workers: 1}, atMost: 1.05},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var actual []float64
			for i, x := range tc.tests {
				d := x.Seconds
				if !x.Known {
					d = 0.01
				}
				if tc.actual != nil {
					d = tc.actual(i, d)
				}
				actual = append(actual, d)
			}
			res := replay(t, tc.tests, tc.cfg, actual)
			real := append([]schedule.Test(nil), tc.tests...)
			for i := range real {
				real[i].Seconds, real[i].Known = actual[i], true
			}
			lb := schedule.LowerBound(real, tc.cfg).Seconds
			if res.Makespan > tc.atMost*lb {
				t.Errorf("makespan %.3f s, bound %.3f s: ratio %.2f over %.2f", res.Makespan, lb, res.Makespan/lb, tc.atMost)
			}
		})
	}
}

func TestLowerBound(t *testing.T) {
	type testCase struct {
		name  string
		tests []schedule.Test
		cfg   schedule.Config
		want  schedule.Bound
	}
	cases := []testCase{
		{name: "spread", tests: many(8, 0, 1, nil), cfg: schedule.Config{Workers: 4},
			want: schedule.Bound{Seconds: 2, Spread: 2, Longest: 1, LongestAt: 0}},
		{name: "longest", tests: concat(many(1, 0, 5, nil), many(4, 1, 1, nil)), cfg: schedule.Config{Workers: 4},
			want: schedule.Bound{Seconds: 5, Spread: 2.25, Longest: 5, LongestAt: 0}},
		{name: "exclusive adds", tests: concat(many(2, 0, 3, exclusive), many(8, 1, 1, nil)), cfg: schedule.Config{Workers: 4},
			want: schedule.Bound{Seconds: 8, Exclusive: 6, Spread: 2, Longest: 1, LongestAt: 2}},
		{name: "set-up counted once per file", tests: many(4, 0, 1, nil), cfg: schedule.Config{Workers: 2, Setup: []float64{2}},
			want: schedule.Bound{Seconds: 3, Spread: 3, Longest: 3, LongestAt: 0}},
		{name: "lock", tests: concat(many(6, 0, 1, lock("db")), many(2, 1, 1, nil)), cfg: schedule.Config{Workers: 4},
			want: schedule.Bound{Seconds: 6, Spread: 2, Longest: 1, LongestAt: 0, Lock: "db", LockTime: 6}},
		{name: "lock with limit", tests: many(6, 0, 1, lock("db")), cfg: schedule.Config{Workers: 4, Limits: map[string]int{"db": 3}},
			want: schedule.Bound{Seconds: 2, Spread: 1.5, Longest: 1, LongestAt: 0, Lock: "db", LockTime: 2}},
		{name: "slots weigh", tests: many(2, 0, 1, slots(2)), cfg: schedule.Config{Workers: 2},
			want: schedule.Bound{Seconds: 2, Exclusive: 2, LongestAt: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := schedule.LowerBound(tc.tests, tc.cfg); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// order runs a whole suite on one worker and returns the order tests ran in.
func order(t *testing.T, tests []schedule.Test, cfg schedule.Config) []int {
	t.Helper()
	cfg.Workers = 1
	res := replay(t, tests, cfg, nil)
	var out []int
	for _, sp := range res.Spans {
		out = append(out, sp.Test)
	}
	return out
}

func TestOrders(t *testing.T) {
	tests := concat(many(5, 0, 0.01, nil), many(5, 1, 0.5, nil), many(5, 2, 0.05, nil))
	byDuration := order(t, tests, schedule.Config{})
	if g := tests[byDuration[0]].Group; g != 1 {
		t.Errorf("longest file first: got group %d first, order %v", g, byDuration)
	}
	failed := append([]schedule.Test(nil), tests...)
	failed[12].Failed = true
	ff := order(t, failed, schedule.Config{Order: schedule.FailedFirst})
	if g := failed[ff[0]].Group; g != 2 {
		t.Errorf("failed first: got group %d first, order %v", g, ff)
	}
	a := order(t, tests, schedule.Config{Order: schedule.Random, Seed: 7})
	b := order(t, tests, schedule.Config{Order: schedule.Random, Seed: 7})
	c := order(t, tests, schedule.Config{Order: schedule.Random, Seed: 8})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, other order:\n%v\n%v", a, b)
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("seeds 7 and 8 gave the same order %v", a)
	}
}

func TestCrashedWorkerTestsGoBack(t *testing.T) {
	tests := concat(many(6, 0, 0.1, nil), many(2, 1, 0.1, exclusive))
	s, err := schedule.New(tests, schedule.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Next(0, 0)
	if len(got) < 2 {
		t.Fatalf("worker 0 got %v, want at least two tests", got)
	}
	left := s.Left()
	s.Crashed(0)
	if s.Left() != left+len(got)-1 {
		t.Errorf("after the crash %d tests are left, want %d (all but the one it ran)", s.Left(), left+len(got)-1)
	}
	if s.Holding(0) != 0 {
		t.Errorf("the crashed worker still holds %d tests", s.Holding(0))
	}
	again, _ := s.Next(1, 0)
	for _, i := range again {
		if i == got[0] {
			t.Errorf("the test the worker crashed in was handed out again: %v", again)
		}
	}
	if fmt.Sprint(again) == "[]" {
		t.Error("worker 1 got nothing after the crash")
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := schedule.New(nil, schedule.Config{Workers: 0}); err == nil {
		t.Error("no workers: want an error")
	}
	if _, err := schedule.New(nil, schedule.Config{Workers: 2, Limits: map[string]int{"db": 0}}); err == nil {
		t.Error("lock limit 0: want an error")
	}
}

// TestNewLeavesTheTestsAsTheyWere: New keeps what it works out (a test
// that takes every worker's slot is exclusive) to its own copy.
func TestNewLeavesTheTestsAsTheyWere(t *testing.T) {
	tests := concat(many(2, 0, 0.2, slots(8)), many(4, 1, 0.1, nil), many(1, 1, 0.1, exclusive))
	before := append([]schedule.Test(nil), tests...)
	if _, err := schedule.New(tests, schedule.Config{Workers: 4}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tests, before) {
		t.Errorf("New changed its input:\n got %+v\nwant %+v", tests, before)
	}
}

// TestLowerBoundIsTheSameEveryTime: set-ups are added in file order, so one
// suite gives one bound to the last bit.
func TestLowerBoundIsTheSameEveryTime(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var tests []schedule.Test
	var setup []float64
	for g := 0; g < 60; g++ {
		tests = append(tests, many(2, g, rng.Float64(), nil)...)
		tests = append(tests, many(1, 60+g, rng.Float64(), exclusive)...)
		setup = append(setup, rng.Float64())
	}
	for g := 0; g < 60; g++ {
		setup = append(setup, rng.Float64())
	}
	cfg := schedule.Config{Workers: 3, Setup: setup}
	first := schedule.LowerBound(tests, cfg)
	for range 50 {
		if got := schedule.LowerBound(tests, cfg); got != first {
			t.Fatalf("two bounds for one suite:\n%+v\n%+v", first, got)
		}
	}
}
