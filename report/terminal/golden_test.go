package terminal

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shoal/result"
)

// The golden files in testdata/ are what the reporter printed for each run
// of events below. After a change to the output that is meant, regenerate
// them with
//
//	go test ./report/terminal/ -run TestGolden -update
//
// and read the diff: each must still be what pytest prints for such a run
// (integration/ holds shoal's terminal to pytest's on real suites). The
// closing line's duration is normalised to "in 0.00s" before comparing.
var update = flag.Bool("update", false, "rewrite the golden files from the output")

var duration = regexp.MustCompile(` in [0-9]+\.[0-9]+s( \([0-9:]+\))?`)

func TestGolden(t *testing.T) {
	notOnCI(t)
	type testCase struct {
		name   string // testdata/<name>.txt
		events []result.Event
		color  bool
		notes  []string
	}
	defaults := result.Options{ReportChars: "wfE", ShowCapture: "all"}
	with := func(change func(o *result.Options)) result.Options {
		o := defaults
		change(&o)
		return o
	}
	cases := []testCase{
		{name: "outcomes", events: outcomeRun(defaults)},
		{name: "outcomes_verbose_ra", events: outcomeRun(with(func(o *result.Options) { o.Verbose, o.ReportChars = 1, "wsxXEf" }))},
		{name: "outcomes_quiet", events: outcomeRun(with(func(o *result.Options) { o.Verbose = -1 }))},
		{name: "outcomes_very_quiet", events: outcomeRun(with(func(o *result.Options) { o.Verbose = -2 }))},
		{name: "outcomes_passes_no_header", events: outcomeRun(with(func(o *result.Options) { o.ReportChars = "P"; o.NoHeader = true }))},
		{name: "outcomes_no_summary", events: outcomeRun(with(func(o *result.Options) { o.NoSummary = true }))},
		{name: "outcomes_color", events: outcomeRun(defaults), color: true, notes: []string{"generated xml file: /suite/junit.xml"}},
		{name: "collect_error", events: collectErrorRun(defaults)},
		{name: "halted", events: haltedRun(defaults)},
		{name: "halted_verbose", events: haltedRun(with(func(o *result.Options) { o.Verbose = 1 }))},
		{name: "crash_exitfirst", events: crashRun(with(func(o *result.Options) { o.MaxFail = 1 }))},
		{name: "long_output", events: longOutputRun(defaults)},
		{name: "no_tests", events: emptyRun(defaults)},
		{name: "slow", events: slowRun(defaults)},
		{name: "slow_verbose", events: slowRun(with(func(o *result.Options) { o.Verbose = 1 }))},
		{name: "lingering_worker", events: lingeringRun(defaults), notes: []string{"generated xml file: /suite/junit.xml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			info := func(run *result.Run) []string {
				return []string{"shoal: " + strings.Join(workerIDs(run), ", ") + ", " + run.StartMode}
			}
			r := New(&buf, 80, tc.color, info)
			for _, n := range tc.notes {
				r.Note(n)
			}
			for _, e := range tc.events {
				r.Event(e)
			}
			got := duration.ReplaceAllString(buf.String(), " in 0.00s")
			golden := filepath.Join("testdata", tc.name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// notOnCI hides the variables by which pytest (and so the reporter) knows
// it runs on CI, where crash messages are not trimmed to the width; the
// golden files are what a terminal shows.
func notOnCI(t *testing.T) {
	for _, name := range []string{"CI", "BUILD_NUMBER"} {
		t.Setenv(name, "") // restores the variable after the test
		os.Unsetenv(name)
	}
}

func workerIDs(run *result.Run) []string {
	var ids []string
	for _, w := range run.Workers {
		ids = append(ids, w.ID)
	}
	return ids
}

// lineDiff names the first line where got leaves want.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, wl, gl)
		}
	}
	return "(same lines)"
}
