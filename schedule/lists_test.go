package schedule_test

import (
	"reflect"
	"strings"
	"testing"

	"shoal/schedule"
)

// TestListsKeepOrderAndConstraints drives runs whose workers' tests are
// given as lists: each worker gets its own list in order, nothing else,
// and lock keys and tests that run alone stay apart (the driven run checks
// every start against what runs beside it).
func TestListsKeepOrderAndConstraints(t *testing.T) {
	type testCase struct {
		name  string
		tests []schedule.Test
		lists [][]int
		fate  fateFunc
		// want is what each worker is handed, in order; nil: the lists.
		want [][]int
	}
	k := func(keys ...string) func(*schedule.Test) { return lock(keys...) }
	cases := []testCase{
		{name: "plain lists, not in collection order", tests: many(6, 0, 0.01, nil),
			lists: [][]int{{5, 0, 3}, {1, 4, 2}}},
		{name: "a list may be empty", tests: many(3, 0, 0.01, nil),
			lists: [][]int{{2, 1, 0}, {}}},
		{name: "every test holds one key: the lists run one after another",
			tests: many(7, 0, 0.1, k("verify")), lists: [][]int{{3, 1}, {0}, {6, 2, 5, 4}}},
		{name: "a test that runs alone, last on its list",
			tests: concat(many(6, 0, 0.05, nil), many(1, 1, 0.05, exclusive)),
			lists: [][]int{{0, 1, 6}, {2, 3, 4, 5}}},
		{name: "a test that runs alone, first on its list",
			tests: concat(many(6, 0, 0.05, nil), many(1, 1, 0.05, exclusive)),
			lists: [][]int{{6, 0, 1}, {2, 3, 4, 5}}},
		{name: "keys waited for in a circle",
			tests: []schedule.Test{
				locked(measured(0, 1, 0), "a"), locked(measured(0, 1, 0), "a"), locked(measured(0, 1, 0), "b"),
				locked(measured(1, 1, 0), "b"), locked(measured(1, 1, 0), "b"), locked(measured(1, 1, 0), "a"),
			},
			lists: [][]int{{0, 1, 2}, {3, 4, 5}}},
		{name: "a crash: the rest of the list goes to the replacement, in order",
			tests: many(6, 0, 0.01, nil), lists: [][]int{{5, 0, 3}, {1, 4, 2}},
			fate: strikes(strike{worker: 0, test: 0, fate: crashed}),
			want: [][]int{{5, 0, 3, 3}, {1, 4, 2}}},
		{name: "a lost worker runs its tests again",
			tests: many(4, 0, 0.01, nil), lists: [][]int{{0, 1, 2}, {3}},
			fate: strikes(strike{worker: 0, test: 1, fate: lost}),
			want: [][]int{{0, 1, 2, 1, 2}, {3}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := schedule.Config{Workers: len(tc.lists), Lists: tc.lists}
			f := tc.fate
			if f == nil {
				f = strikes()
			}
			r, err := newDrivenRun(tc.tests, cfg, false, expectedSeconds(tc.tests), f)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.run(); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == nil {
				want = tc.lists
			}
			for w := range want {
				if len(want[w]) == 0 && len(r.given[w]) == 0 {
					continue
				}
				if !reflect.DeepEqual(r.given[w], want[w]) {
					t.Errorf("worker %d was handed %v, want %v", w, r.given[w], want[w])
				}
			}
		})
	}
}

func TestBadLists(t *testing.T) {
	type testCase struct {
		name  string
		tests []schedule.Test
		lists [][]int
		want  string
	}
	cases := []testCase{
		{"more lists than workers", many(2, 0, 0.01, nil), [][]int{{0}, {1}, {}}, "3 lists for 2 workers"},
		{"a test twice", many(2, 0, 0.01, nil), [][]int{{0, 1}, {1}}, "listed twice"},
		{"a test on no list", many(3, 0, 0.01, nil), [][]int{{0}, {1}}, "test 2 is on no list"},
		{"a test out of range", many(2, 0, 0.01, nil), [][]int{{0, 1, 2}}, "names test 2 of 2"},
		{"tests alone on two lists", many(2, 0, 0.01, exclusive), [][]int{{0}, {1}}, "more than one list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schedule.New(tc.tests, schedule.Config{Workers: 2, Lists: tc.lists})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
