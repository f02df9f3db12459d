//go:build integration

package integration_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReportText compares what pytest and shoal print after the progress
// (FAILURES, warnings, short summary, stats line without its time) under
// --tb=line and --tb=no, and run from a subdirectory, where the short
// summary's paths are relative to it.
func TestReportText(t *testing.T) {
	requirePython(t)
	t.Parallel()
	tests := []struct {
		name string
		sub  string // the directory both run in, under the suite
		args []string
	}{
		{"tb line", "", []string{"-q", "--tb=line"}},
		{"tb no", "", []string{"-q", "--tb=no"}},
		{"tb short", "", []string{"-q", "--tb=short"}},
		{"from a subdirectory", "sub", []string{"-q", "--tb=no", "-rA"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "report_text")
			where := filepath.Join(dir, tc.sub)
			py := runPytest(t, where, tc.args...)
			sh := runShoal(t, where, shoalCall{mode: startModes[0], flags: tc.args})
			if sh.code != py.code || py.code != 1 {
				t.Fatalf("shoal exited %d, pytest %d, want 1:\n%s", sh.code, py.code, sh.output)
			}
			if got, want := afterProgress(sh.stdout), afterProgress(py.stdout); got != want {
				t.Errorf("shoal's report differs from pytest's:\n--- pytest:\n%s\n--- shoal:\n%s", want, got)
			}
		})
	}
}

// TestColor: --color=yes and --color=no are obeyed whatever the terminal.
func TestColor(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "report_text")
	yes := runShoal(t, dir, shoalCall{mode: startModes[0], flags: []string{"--color=yes"}})
	no := runShoal(t, dir, shoalCall{mode: startModes[0], env: baseEnv("PY_COLORS=1"), flags: []string{"--color", "no"}})
	if !strings.Contains(yes.stdout, "\x1b[") {
		t.Errorf("--color=yes printed no colour:\n%s", yes.output)
	}
	if strings.Contains(no.stdout, "\x1b[") {
		t.Errorf("--color no printed colour:\n%s", no.output)
	}
}

// afterProgress is the output after the progress line ("... [100%]"),
// without the stats line's duration.
func afterProgress(stdout string) string {
	_, rest, ok := strings.Cut(stdout, "[100%]\n")
	if !ok {
		return stdout
	}
	return duration.ReplaceAllString(strings.TrimRight(rest, "\n"), "")
}
