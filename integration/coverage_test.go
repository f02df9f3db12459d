//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCoverage: pytest-cov under shoal, forked or spawned, as under
// pytest-xdist: the coverage suite's table and XML report give the same
// per-file and total figures as serial pytest --cov and as pytest -n 2
// --cov (its .coveragerc applies), --cov-fail-under fails the run (exit 1)
// or passes it as pytest does, and --cov-append adds to the previous run's
// data.
func TestCoverage(t *testing.T) {
	requirePython(t)
	requireModule(t, "pytest_cov", "python3-pytest-cov")
	requireXdist(t)
	t.Parallel()
	tests := []struct {
		name string
		// first runs before, with its data kept (--cov-append after it).
		first, args []string
		code        int
		verdict     string
	}{
		{name: "term and xml", args: []string{"--cov=pkg", "--cov-report=term", "--cov-report=xml"}, code: 0},
		{name: "fail under, not reached", args: []string{"--cov=pkg", "--cov-report=term", "--cov-fail-under=70"}, code: 1,
			verdict: "FAIL Required test coverage of 70% not reached. Total coverage: 65.22%"},
		{name: "fail under, reached", args: []string{"--cov=pkg", "--cov-report=term", "--cov-fail-under=60"}, code: 0,
			verdict: "Required test coverage of 60% reached. Total coverage: 65.22%"},
		{name: "append", first: []string{"--cov=pkg", "--cov-report=", "-k", "shapes"},
			args: []string{"--cov=pkg", "--cov-append", "--cov-report=term", "-k", "words"}, code: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "coverage")
			if tc.first != nil {
				runPytest(t, dir, tc.first...)
			}
			py := runPytest(t, dir, tc.args...)
			want := coverageReport(t, dir, py.stdout)
			if py.code != tc.code || len(want.rows) < 4 || (tc.verdict != "" && want.verdict != tc.verdict) {
				t.Fatalf("pytest should exit %d with a coverage table and %q:\n%s", tc.code, tc.verdict, py.output)
			}
			// pytest -n 2 reports what serial pytest reports; so must shoal.
			xdir := copySuite(t, "coverage")
			if tc.first != nil {
				runPytest(t, xdir, append([]string{"-n", "2"}, tc.first...)...)
			}
			xdist := runPytest(t, xdir, append([]string{"-n", "2"}, tc.args...)...)
			if got := coverageReport(t, xdir, xdist.stdout); xdist.code != py.code || !slices.Equal(got.rows, want.rows) ||
				got.verdict != want.verdict || got.xml != want.xml {
				t.Fatalf("pytest -n 2 (exit %d) should report what serial pytest (exit %d) does:\n%s\nserial:\n%s",
					xdist.code, py.code, xdist.output, py.output)
			}
			for _, mode := range startModes {
				t.Run(mode.name, func(t *testing.T) {
					t.Parallel()
					dir := copySuite(t, "coverage")
					if tc.first != nil {
						runShoal(t, dir, shoalCall{mode: mode, args: tc.first})
					}
					sh := runShoal(t, dir, shoalCall{mode: mode, args: tc.args})
					got := coverageReport(t, dir, sh.stdout)
					if sh.code != py.code {
						t.Errorf("shoal exited %d, pytest %d:\n%s", sh.code, py.code, sh.output)
					}
					if !slices.Equal(got.rows, want.rows) || got.verdict != want.verdict {
						t.Errorf("shoal's coverage report differs from pytest's:\nshoal:\n%s\n%s\npytest:\n%s\n%s",
							strings.Join(got.rows, "\n"), got.verdict, strings.Join(want.rows, "\n"), want.verdict)
					}
					if got.xml != want.xml {
						t.Errorf("shoal's coverage.xml differs from pytest's:\nshoal:\n%s\npytest:\n%s", got.xml, want.xml)
					}
				})
			}
		})
	}
}

// coverage is what pytest-cov reported: the table's rows (files and
// TOTAL), its verdict on --cov-fail-under, and coverage.xml without what
// changes from run to run (the time, the source directory).
type coverage struct {
	rows    []string
	verdict string
	xml     string
}

var (
	coverageRow     = regexp.MustCompile(`^(pkg/\S+|TOTAL)\s+\d+\s+\d+\s+\d+%$`)
	coverageVerdict = regexp.MustCompile(`(FAIL )?Required test coverage of .*`)
	xmlVolatile     = regexp.MustCompile(`timestamp="\d+"|<source>[^<]*</source>`)
)

func coverageReport(t *testing.T, dir, stdout string) coverage {
	t.Helper()
	var c coverage
	for _, line := range strings.Split(stdout, "\n") {
		if coverageRow.MatchString(strings.TrimSpace(line)) {
			c.rows = append(c.rows, strings.Join(strings.Fields(line), " "))
		}
	}
	c.verdict = coverageVerdict.FindString(stdout)
	if data, err := os.ReadFile(filepath.Join(dir, "coverage.xml")); err == nil {
		c.xml = xmlVolatile.ReplaceAllString(string(data), "")
	}
	return c
}
