package plan

import (
	"reflect"
	"testing"

	"shoal/result"
	"shoal/schedule"
)

func TestKnownConflicts(t *testing.T) {
	type testCase struct {
		name     string
		partners map[string][]string
		want     [][]string // per test, its locks
	}
	key := func(a, b string) string { return ConflictKeyPrefix + a + "|" + b }
	cases := []testCase{
		{"none known", nil, [][]string{{"db"}, nil, nil, nil}},
		{"a pair, named from one side", map[string][]string{"b.py::y": {"a.py::x"}},
			[][]string{{"db", key("a.py::x", "b.py::y")}, {key("a.py::x", "b.py::y")}, nil, nil}},
		{"named from both sides: one key", map[string][]string{"a.py::x": {"b.py::y"}, "b.py::y": {"a.py::x"}},
			[][]string{{"db", key("a.py::x", "b.py::y")}, {key("a.py::x", "b.py::y")}, nil, nil}},
		{"a partner not in this run", map[string][]string{"c.py::z": {"gone.py::g"}}, [][]string{{"db"}, nil, nil, nil}},
		{"one test, two partners", map[string][]string{"c.py::z": {"a.py::x", "d.py::w"}},
			[][]string{{"db", key("a.py::x", "c.py::z")}, nil, {key("a.py::x", "c.py::z"), key("c.py::z", "d.py::w")}, {key("c.py::z", "d.py::w")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := &result.Run{}
			for _, id := range []string{"a.py::x", "b.py::y", "c.py::z", "d.py::w"} {
				run.Tests = append(run.Tests, &result.Test{NodeID: id})
			}
			mine := []string{"db"}
			tests := []schedule.Test{{Locks: mine}, {}, {}, {}}
			KnownConflicts(run, tests, tc.partners)
			for i := range tests {
				if !reflect.DeepEqual(tests[i].Locks, tc.want[i]) {
					t.Errorf("%s: locks %v, want %v", run.Tests[i].NodeID, tests[i].Locks, tc.want[i])
				}
			}
			if len(mine) != 1 {
				t.Errorf("the markers' locks were changed in place: %v", mine)
			}
		})
	}
}
