//go:build integration

package integration_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// expectedCase is one argument set of a suite and what it must give, from
// testdata/suites/<suite>/expected.json.
type expectedCase struct {
	Name     string            `json:"name"`
	Args     []string          `json:"args"` // pytest's arguments
	ExitCode int               `json:"exit_code"`
	Summary  string            `json:"summary"` // pytest's closing line without the duration
	Outcomes map[string]string `json:"outcomes"`
	// NotRun, when present, is the record's not_run: tests collected and
	// selected but never run (-x, a collection error).
	NotRun []string `json:"not_run"`
	// Collected, when present, is pytest's "collected …" line.
	Collected string `json:"collected"`
	// CollectErrors, when present, are the files pytest reports under
	// "ERROR collecting FILE", in its order.
	CollectErrors []string `json:"collect_errors"`
	// Stopped, when present, is the reason pytest gives for ending early
	// ("Interrupted: 2 errors during collection").
	Stopped string `json:"stopped"`
}

func loadExpected(t *testing.T, suite string) []expectedCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "testdata", "suites", suite, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []expectedCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("cannot parse %s/expected.json: %v", suite, err)
	}
	return doc.Cases
}

// suitesWithExpectations lists the suites that have an expected.json.
func suitesWithExpectations(t *testing.T) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(repoRoot, "testdata", "suites", "*", "expected.json"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no testdata/suites/*/expected.json (%v)", err)
	}
	var names []string
	for _, m := range matches {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	return names
}

// TestSuites runs every suite's argument sets under plain pytest and under
// shoal (forked and spawned workers) and checks that all three agree with
// each other and with the expected table, then runs the suite's own checks
// (suiteChecks).
func TestSuites(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, suite := range suitesWithExpectations(t) {
		for _, c := range loadExpected(t, suite) {
			t.Run(suite+"/"+c.Name, func(t *testing.T) {
				t.Parallel()
				py := runPytest(t, copySuite(t, suite), c.Args...)
				checkPytest(t, c, py)
				for _, mode := range startModes {
					t.Run(mode.name, func(t *testing.T) {
						t.Parallel()
						logDir := t.TempDir()
						env := baseEnv("SHOAL_IT_LOG=" + logDir)
						sh := runShoal(t, copySuite(t, suite), shoalCall{mode: mode, env: env, args: c.Args})
						checkShoal(t, c, mode, py, sh)
						if check := suiteChecks[suite]; check != nil && sh.record != nil {
							check(t, sh, logDir)
						}
					})
				}
			})
		}
	}
}

// suiteChecks are checks of a shoal run that only make sense for one suite.
// Each gets the directory that SHOAL_IT_LOG named for the suite's own logs.
var suiteChecks = map[string]func(t *testing.T, sh shoalRun, logDir string){
	"split_file": checkSplitFile,
	"isolation":  checkNoOverlaps,
}

// checkPytest holds the expected table to plain pytest, so a wrong table
// shows up as such rather than as a shoal bug.
func checkPytest(t *testing.T, c expectedCase, py pytestRun) {
	t.Helper()
	if py.code != c.ExitCode {
		t.Errorf("pytest exited %d, the table says %d:\n%s", py.code, c.ExitCode, py.output)
	}
	if d := diffOutcomes(c.Outcomes, py.outcomes); d != "" {
		t.Errorf("pytest's outcomes differ from the table (-table +pytest):\n%s", d)
	}
	if got := summaryLine(py.stdout); got != c.Summary {
		t.Errorf("pytest's summary line is %q, the table says %q", got, c.Summary)
	}
	if got := collectedLine(py.stdout); c.Collected != "" && got != c.Collected {
		t.Errorf("pytest's collected line is %q, the table says %q", got, c.Collected)
	}
	if c.CollectErrors != nil {
		var want []string
		for _, f := range c.CollectErrors {
			want = append(want, "ERROR collecting "+f)
		}
		if got := collectErrors(py.stdout); !slices.Equal(got, want) {
			t.Errorf("pytest reports collection errors %q, the table says %q", got, want)
		}
	}
	if got := stopReasons(py.stdout); c.Stopped != "" && !slices.Equal(got, []string{c.Stopped}) {
		t.Errorf("pytest's stop reasons are %q, the table says %q", got, c.Stopped)
	}
}

// checkShoal compares a shoal run with plain pytest's run of the same case
// and with the expected table.
func checkShoal(t *testing.T, c expectedCase, mode startMode, py pytestRun, sh shoalRun) {
	t.Helper()
	if sh.code != py.code || sh.code != c.ExitCode {
		t.Errorf("shoal exited %d, pytest %d, the table says %d:\n%s", sh.code, py.code, c.ExitCode, sh.output)
	}
	if strings.Contains(sh.stderr, "panic:") || strings.Contains(sh.stderr, "goroutine ") {
		t.Errorf("shoal crashed:\n%s", sh.stderr)
	}
	if py.stderr == "" && sh.stderr != "" {
		t.Errorf("shoal wrote to stderr where pytest wrote nothing:\n%s", sh.stderr)
	}
	checkRecord(t, c, mode, sh)
	if sh.record != nil {
		if want := summaryCounts(summaryLine(py.stdout)); !maps.Equal(sh.record.Summary, want) {
			t.Errorf("run record's summary is %v, pytest's closing line says %v", sh.record.Summary, want)
		}
		// With -q neither prints a header.
		header := strings.Contains(py.stdout, " test session starts ")
		if got := startNote(sh.stdout); header && len(sh.record.Workers) > 0 && got != mode.header {
			t.Errorf("shoal's header says its workers were %q, want %q:\n%s", got, mode.header, sh.stdout)
		}
	}
	comparisons := []struct {
		what       string
		shoal, pyt []string
	}{
		{"summary line", []string{summaryLine(sh.stdout)}, []string{summaryLine(py.stdout)}},
		{"collected line", []string{collectedLine(sh.stdout)}, []string{collectedLine(py.stdout)}},
		{"collection errors in order", collectErrors(sh.stdout), collectErrors(py.stdout)},
		{"ERRORS/FAILURES titles", sectionTitles(sh.stdout), sectionTitles(py.stdout)},
		{"stop reasons", stopReasons(sh.stdout), stopReasons(py.stdout)},
		{"short test summary", shortSummary(sh.stdout), shortSummary(py.stdout)},
	}
	for _, cmp := range comparisons {
		if !slices.Equal(cmp.shoal, cmp.pyt) {
			t.Errorf("%s differs:\nshoal:  %q\npytest: %q\n\nshoal's output:\n%s\n\npytest's output:\n%s",
				cmp.what, cmp.shoal, cmp.pyt, sh.stdout, py.stdout)
		}
	}
}

func checkRecord(t *testing.T, c expectedCase, mode startMode, sh shoalRun) {
	t.Helper()
	rec := sh.record
	if rec == nil {
		t.Errorf("shoal wrote no run record:\n%s", sh.output)
		return
	}
	if rec.ExitCode != sh.code {
		t.Errorf("run record says exit code %d, shoal exited %d", rec.ExitCode, sh.code)
	}
	if rec.StartMode != mode.name {
		t.Errorf("run record says start_mode %q, want %q", rec.StartMode, mode.name)
	}
	if d := diffOutcomes(c.Outcomes, rec.outcomes(t)); d != "" {
		t.Errorf("shoal's outcomes differ from the table (-table +shoal):\n%s\n%s", d, sh.output)
	}
	workers := map[string]bool{}
	for _, w := range rec.Workers {
		workers[w.ID] = true
		if w.Restarts != 0 {
			t.Errorf("worker %s restarted %d times", w.ID, w.Restarts)
		}
	}
	for _, rt := range rec.Tests {
		if !workers[rt.Worker] {
			t.Errorf("%s ran on %q, which is not one of the record's workers", rt.NodeID, rt.Worker)
		}
		if rt.Crashed {
			t.Errorf("%s crashed its worker", rt.NodeID)
		}
	}
	if c.NotRun != nil {
		got := slices.Clone(rec.NotRun)
		sort.Strings(got)
		want := slices.Clone(c.NotRun)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("run record's not_run is %q, want %q", got, want)
		}
	}
}

// summaryCounts reads a closing line such as "1 failed, 2 passed, 3 errors"
// into the run record's summary form: {"failed": 1, "passed": 2, "error": 3}.
func summaryCounts(line string) map[string]int {
	out := map[string]int{}
	if line == "no tests ran" {
		return out
	}
	for _, part := range strings.Split(line, ", ") {
		var n int
		var word string
		if _, err := fmt.Sscanf(part, "%d %s", &n, &word); err != nil {
			out["unreadable: "+part] = 0
			continue
		}
		switch word {
		case "errors":
			word = "error"
		case "warning":
			word = "warnings"
		}
		out[word] = n
	}
	return out
}

// diffOutcomes lists the tests whose outcomes differ, one line each.
func diffOutcomes(want, got map[string]string) string {
	var lines []string
	for id, w := range want {
		if g, ok := got[id]; !ok {
			lines = append(lines, fmt.Sprintf("-%s: %s", id, w))
		} else if g != w {
			lines = append(lines, fmt.Sprintf("-%s: %s\n+%s: %s", id, w, id, g))
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			lines = append(lines, fmt.Sprintf("+%s: %s", id, g))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestSelectionFlags uses shoal's own -k, -m, -x and --maxfail, given before
// "--", which shoal hands to pytest; they must select what the same pytest
// arguments after "--" select.
func TestSelectionFlags(t *testing.T) {
	requirePython(t)
	t.Parallel()
	tests := []struct {
		suite, caseName string
		flags           []string // shoal's flags for the case's pytest arguments
	}{
		{"outcomes", "keyword_class", []string{"-k", "TestGroup and not skipped"}},
		{"outcomes", "keyword_param", []string{"-k", "square and not 2"}},
		{"outcomes", "marker", []string{"-m", "slow"}},
		{"outcomes", "marker_expression", []string{"-m", "smoke and not slow"}},
		{"exitfirst", "exitfirst", []string{"-x"}},
		{"exitfirst", "maxfail", []string{"--maxfail", "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.caseName+"/"+strings.Join(tc.flags, " "), func(t *testing.T) {
			t.Parallel()
			c := findCase(t, tc.suite, tc.caseName)
			sh := runShoal(t, copySuite(t, tc.suite), shoalCall{mode: startModes[0], flags: tc.flags})
			if sh.code != c.ExitCode {
				t.Errorf("shoal exited %d, want %d:\n%s", sh.code, c.ExitCode, sh.output)
			}
			if got := summaryLine(sh.stdout); got != c.Summary {
				t.Errorf("summary line is %q, want %q", got, c.Summary)
			}
			checkRecord(t, c, startModes[0], sh)
		})
	}
}

func findCase(t *testing.T, suite, name string) expectedCase {
	t.Helper()
	for _, c := range loadExpected(t, suite) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %q in %s/expected.json", name, suite)
	return expectedCase{}
}
