package main

import (
	"slices"
	"testing"

	"shoal/history"
	"shoal/result"
)

func TestKnownProblems(t *testing.T) {
	failed := func(id string) *result.Test {
		return &result.Test{NodeID: id, Reports: []result.Report{{When: "call", Outcome: "failed", Category: "failed"}}}
	}
	passed := &result.Test{NodeID: "t.py::test_pass", Reports: []result.Report{{When: "call", Outcome: "passed", Category: "passed"}}}
	run := &result.Run{Tests: []*result.Test{failed("t.py::test_flaky"), failed("t.py::test_new"), passed,
		failed("t.py::test_polluted"), failed("t.py::test_port")}}
	type testCase struct {
		name     string
		verdicts map[string]history.Verdict
		want     []string
	}
	cases := []testCase{
		{"no verdicts", nil, []string{}},
		{"a verdict for a test that passed says nothing", map[string]history.Verdict{"t.py::test_pass": {Class: "flaky"}}, []string{}},
		{"each class its own way, sorted", map[string]history.Verdict{
			"t.py::test_port":     {Class: "conflict", Partners: []string{"u.py::test_port"}},
			"t.py::test_polluted": {Class: "order-dependent", Partners: []string{"a.py::test_a", "b.py::test_b"}},
			"t.py::test_flaky":    {Class: "flaky"},
		}, []string{
			"t.py::test_flaky: known flaky (fails alone, whatever the order); --retries N runs it again",
			"t.py::test_polluted: known order-dependent after a.py::test_a, b.py::test_b",
			"t.py::test_port: known conflict with u.py::test_port",
		}},
	}
	for _, tc := range cases {
		if got := knownLines(knownOf(run, tc.verdicts)); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
