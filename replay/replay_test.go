package replay

import (
	"context"
	"errors"
	"slices"
	"testing"

	"shoal/report/record"
)

func TestMinimize(t *testing.T) {
	type testCase struct {
		name string
		n    int
		// needs: the tests that must all run before the test under study
		// for it to fail again.
		needs []int
		want  []int
	}
	cases := []testCase{
		{"one polluter first", 16, []int{0}, []int{0}},
		{"one polluter last", 16, []int{15}, []int{15}},
		{"one in the middle of an odd number", 37, []int{20}, []int{20}},
		{"two far apart", 40, []int{3, 31}, []int{3, 31}},
		{"three", 25, []int{2, 11, 12}, []int{2, 11, 12}},
		{"the whole sequence", 4, []int{0, 1, 2, 3}, []int{0, 1, 2, 3}},
		{"a sequence of one", 1, []int{0}, []int{0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := make([]int, tc.n)
			for i := range seq {
				seq[i] = i
			}
			var tried [][]int
			got, runs, err := Minimize(context.Background(), seq, func(_ context.Context, part []int) (bool, error) {
				if !slices.IsSorted(part) {
					t.Fatalf("the order was not kept: %v", part)
				}
				tried = append(tried, part)
				for _, need := range tc.needs {
					if !slices.Contains(part, need) {
						return false, nil
					}
				}
				return true, nil
			})
			if err != nil || !slices.Equal(got, tc.want) || runs != len(tried) {
				t.Fatalf("got %v in %d runs (%v), want %v", got, runs, err, tc.want)
			}
			t.Logf("%d runs", runs)
		})
	}
}

func TestMinimizeStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	_, runs, err := Minimize(context.Background(), []string{"a", "b", "c"}, func(context.Context, []string) (bool, error) { return false, boom })
	if !errors.Is(err, boom) || runs != 1 {
		t.Fatalf("err %v after %d runs", err, runs)
	}
}

func TestSequence(t *testing.T) {
	rec := &record.Record{Workers: []record.Worker{{ID: "gw0"}, {ID: "gw1"}}, Tests: []record.Test{
		{NodeID: "b", Worker: "gw0", Start: 2, Outcome: "passed"},
		{NodeID: "x", Worker: "gw1", Start: 1, Outcome: "passed"},
		{NodeID: "a", Worker: "gw0", Start: 1, Outcome: "passed"},
		{NodeID: "c", Worker: "gw0", Start: 3, Outcome: "failed"},
	}}
	type testCase struct {
		name, worker, nodeid string
		want                 []string
		outcome, err         string
	}
	cases := []testCase{
		{name: "a worker's order", worker: "gw0", want: []string{"a", "b", "c"}},
		{name: "another worker", worker: "gw1", want: []string{"x"}},
		{name: "no such worker", worker: "gw7", err: `no test ran on worker "gw7" (the run's workers: [gw0 gw1])`},
		{name: "before a test", nodeid: "c", worker: "gw0", want: []string{"a", "b"}, outcome: "failed"},
		{name: "the first test", nodeid: "a", worker: "gw0", want: []string{}, outcome: "passed"},
		{name: "no such test", nodeid: "z", err: "z did not run in the recorded run"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var err error
			worker, outcome := tc.worker, ""
			if tc.nodeid == "" {
				got, err = Sequence(rec, tc.worker)
			} else {
				worker, got, outcome, err = Preceding(rec, tc.nodeid)
			}
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) || worker != tc.worker || outcome != tc.outcome {
				t.Fatalf("got %v on %s (%s), %v", got, worker, outcome, err)
			}
		})
	}
}
