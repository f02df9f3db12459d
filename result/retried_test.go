package result

import (
	"slices"
	"testing"
)

func TestRetried(t *testing.T) {
	type testCase struct {
		name     string
		attempts []Attempt
		reports  []string // outcomes, in order
		earlier  [][]string
		last     []string
		flaky    bool
	}
	run := func(t *testing.T, tc testCase) {
		test := &Test{Attempts: tc.attempts}
		for _, o := range tc.reports {
			cat := o
			if o == "passed" {
				cat = ""
			}
			test.Reports = append(test.Reports, Report{When: "call", Outcome: o, Category: cat})
		}
		earlier, last := test.Retried()
		outcomes := func(reps []Report) []string {
			var out []string
			for _, r := range reps {
				out = append(out, r.Outcome)
			}
			return out
		}
		var gotEarlier [][]string
		for _, e := range earlier {
			gotEarlier = append(gotEarlier, outcomes(e))
		}
		if !slices.EqualFunc(gotEarlier, tc.earlier, slices.Equal) || !slices.Equal(outcomes(last), tc.last) {
			t.Errorf("split %v | %v, want %v | %v", gotEarlier, outcomes(last), tc.earlier, tc.last)
		}
		if test.Flaky() != tc.flaky {
			t.Errorf("flaky %v, want %v", test.Flaky(), tc.flaky)
		}
	}
	testCases := []testCase{
		{name: "never retried", reports: []string{"passed", "failed", "passed"}, last: []string{"passed", "failed", "passed"}},
		{name: "passed on the second attempt", attempts: []Attempt{{Reports: 2}},
			reports: []string{"rerun", "passed", "passed", "passed", "passed"},
			earlier: [][]string{{"rerun", "passed"}}, last: []string{"passed", "passed", "passed"}, flaky: true},
		{name: "failed every attempt", attempts: []Attempt{{Reports: 1}, {Reports: 1}},
			reports: []string{"rerun", "rerun", "failed"},
			earlier: [][]string{{"rerun"}, {"rerun"}}, last: []string{"failed"}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
