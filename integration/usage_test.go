//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSmallSelections runs one test, and three tests on two workers, where
// a worker's first batch is the queue's last test: that worker must still
// be told that nothing follows it.
func TestSmallSelections(t *testing.T) {
	requirePython(t)
	t.Parallel()
	tests := []expectedCase{
		{
			Name: "one test", Args: []string{"test_basic.py::test_pass"}, ExitCode: 0, Summary: "1 passed",
			Outcomes: map[string]string{"test_basic.py::test_pass": "passed"},
		},
		{
			Name: "three tests", Args: []string{"test_param.py::test_square"}, ExitCode: 1, Summary: "1 failed, 2 passed",
			Outcomes: map[string]string{
				"test_param.py::test_square[1-1]":  "passed",
				"test_param.py::test_square[2-4]":  "passed",
				"test_param.py::test_square[3-10]": "failed",
			},
		},
	}
	for _, c := range tests {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			py := runPytest(t, copySuite(t, "outcomes"), c.Args...)
			checkPytest(t, c, py)
			for _, mode := range startModes {
				t.Run(mode.name, func(t *testing.T) {
					t.Parallel()
					sh := runShoal(t, copySuite(t, "outcomes"), shoalCall{mode: mode, args: c.Args})
					checkShoal(t, c, mode, py, sh)
				})
			}
		})
	}
}

// TestUsageErrors gives pytest arguments that end the run before any test:
// shoal must exit as pytest does and show pytest's message.
func TestUsageErrors(t *testing.T) {
	requirePython(t)
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		message string // in pytest's output, and so in shoal's
	}{
		{"unknown option", []string{"--no-such-option"}, "unrecognized arguments: --no-such-option"},
		{"missing path", []string{"no_such_file.py"}, "file or directory not found: no_such_file.py"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "exitfirst")
			py := execute(t, dir, baseEnv(), commandTimeout, termGrace, python, append([]string{"-m", "pytest", "-p", "no:cacheprovider"}, tc.args...)...)
			if py.code != 4 || !strings.Contains(py.stdout+py.stderr, tc.message) {
				t.Fatalf("pytest should exit 4 saying %q:\n%s", tc.message, py)
			}
			sh := runShoal(t, dir, shoalCall{mode: startModes[0], args: tc.args})
			if sh.code != py.code {
				t.Errorf("shoal exited %d, pytest %d:\n%s", sh.code, py.code, sh.output)
			}
			if !strings.Contains(sh.stdout+sh.stderr, tc.message) {
				t.Errorf("shoal's output does not say %q:\n%s", tc.message, sh.output)
			}
		})
	}
}

// TestCollectOnly: with --collect-only nothing runs, and shoal shows
// pytest's own listing.
func TestCollectOnly(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "outcomes")
	args := []string{"--collect-only", "-q"}
	py := execute(t, dir, baseEnv(), commandTimeout, termGrace, python, append([]string{"-m", "pytest", "-p", "no:cacheprovider"}, args...)...)
	sh := runShoal(t, dir, shoalCall{mode: startModes[0], args: args})
	if sh.code != py.code || py.code != 0 {
		t.Errorf("shoal exited %d, pytest %d, want 0:\n%s", sh.code, py.code, sh.output)
	}
	// The last line says how long collection took.
	listing := func(s string) []string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		return lines[:len(lines)-1]
	}
	if got, want := listing(sh.stdout), listing(py.stdout); !slices.Equal(got, want) || len(want) < 40 {
		t.Errorf("shoal's listing differs from pytest's:\nshoal:\n%s\npytest:\n%s", sh.stdout, py.stdout)
	}
}

// TestPythonThatIsNoPython: --python names a program that exits 0 at once
// without a word (/bin/true, a wrapper that never runs Python). No test
// ran and no report was written, which is no pass: exit 4, naming it.
func TestPythonThatIsNoPython(t *testing.T) {
	requirePython(t)
	t.Parallel()
	wrapper := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, program := range []string{"/bin/true", wrapper} {
		sh := runShoal(t, copySuite(t, "exitfirst"), shoalCall{mode: startModes[0], flags: []string{"--python", program}})
		if want := "shoal: error: cannot check " + program + " (--python)"; sh.code != 4 || !strings.Contains(sh.stderr, want) {
			t.Errorf("--python %s: shoal should exit 4 saying %q:\n%s", program, want, sh.output)
		}
	}
}
