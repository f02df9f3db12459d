package main

import (
	"reflect"
	"testing"

	"shoal/schedule"
	"shoal/verify"
)

func TestAloneOnOneList(t *testing.T) {
	type testCase struct {
		name  string
		lists [][]int
		alone []int
		want  [][]int
	}
	cases := []testCase{
		{"none alone", [][]int{{0, 1}, {2}}, nil, [][]int{{0, 1}, {2}}},
		{"one alone stays", [][]int{{0, 1}, {2}}, []int{2}, [][]int{{0, 1}, {2}}},
		{"two alone meet on the first one's list", [][]int{{0, 3, 1}, {2, 4}}, []int{4, 3}, [][]int{{0, 3, 1, 4}, {2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tests := make([]schedule.Test, 5)
			for _, i := range tc.alone {
				tests[i].Exclusive = true
			}
			if got := aloneOnOneList(tc.lists, tests); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReproduce(t *testing.T) {
	type testCase struct {
		name string
		v    verify.Verdict
		want string
	}
	cases := []testCase{
		{"stable", verify.Verdict{Class: verify.Stable}, ""},
		{"polluted", verify.Verdict{Class: verify.OrderDependent, Polluters: []string{"a.py::p"}, Sequence: []string{"a.py::p", "b.py::v"}},
			"py -m pytest -p no:randomly a.py::p b.py::v"},
		{"parametrized, quoted", verify.Verdict{Class: verify.OrderDependent, Needs: []string{"a.py::s"}, Sequence: []string{"a.py::s", "a.py::t[x y]"}},
			"py -m pytest -p no:randomly a.py::s 'a.py::t[x y]'"},
		{"conflict", verify.Verdict{Class: verify.Conflict, Sequence: []string{"a.py::x", "b.py::y"}}, "shoal verify -n 2 -- a.py::x b.py::y"},
		{"flaky", verify.Verdict{Class: verify.Flaky, Sequence: []string{"a.py::f"}}, "shoal verify -- a.py::f"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := reproduce(tc.v, "py", 1); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
