package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput gives shoal bad flags and bad settings: each must end with
// exit code 4, one line saying what is wrong (and where, for a file) and a
// hint, and never a Go panic or stack trace (cliHere checks that).
func TestBadInput(t *testing.T) {
	type testCase struct {
		name      string
		pyproject string // written to the working directory when set
		args      []string
		want      []string // in stderr; FILE stands for the pyproject.toml
	}
	run := func(t *testing.T, tc testCase) {
		dir := t.TempDir()
		t.Chdir(dir)
		t.Setenv("SHOAL_CACHE_DIR", t.TempDir())
		file := filepath.Join(dir, "pyproject.toml")
		if tc.pyproject != "" {
			if err := os.WriteFile(file, []byte(tc.pyproject), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		wrapper := filepath.Join(dir, "python-wrapper")
		if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		for i, a := range tc.args {
			tc.args[i] = strings.ReplaceAll(a, "WRAPPER", wrapper)
		}
		for i, w := range tc.want {
			tc.want[i] = strings.ReplaceAll(w, "WRAPPER", wrapper)
		}
		code, stdout, stderr := cliHere(t, tc.args...)
		if code != 4 {
			t.Errorf("exit code %d, want 4\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "shoal: error: ") || !strings.HasPrefix(lines[1], "hint: ") {
			t.Errorf("stderr should be an error line and a hint:\n%s", stderr)
		}
		for _, w := range tc.want {
			if w = strings.ReplaceAll(w, "FILE", file); !strings.Contains(stderr, w) {
				t.Errorf("stderr does not say %q:\n%s", w, stderr)
			}
		}
	}
	testCases := []testCase{
		{name: "timeout not a number", args: []string{"run", "--timeout", "abc"},
			want: []string{`invalid --timeout "abc"`, "hint: give seconds (--timeout 30"}},
		{name: "timeout negative", args: []string{"run", "--timeout=-1"}, want: []string{`invalid --timeout "-1"`}},
		{name: "timeout infinite", args: []string{"run", "--timeout", "inf"}, want: []string{`invalid --timeout "inf"`}},
		{name: "timeout unit unknown", args: []string{"run", "--timeout", "5 minutes"}, want: []string{`invalid --timeout "5 minutes"`}},
		{name: "timeout without value", args: []string{"run", "--timeout"}, want: []string{"flag needs an argument: --timeout"}},
		{name: "session timeout", args: []string{"run", "--session-timeout", "2x"}, want: []string{`invalid --session-timeout "2x"`}},
		{name: "interrupt grace", args: []string{"run", "--interrupt-grace", "soon"}, want: []string{`invalid --interrupt-grace "soon"`}},
		{name: "max worker restart", args: []string{"run", "--max-worker-restart", "many"},
			want: []string{`invalid --max-worker-restart "many"`, "hint: give a whole number ≥ 0"}},
		{name: "max worker restart negative", args: []string{"run", "--max-worker-restart", "-1"}, want: []string{`invalid --max-worker-restart "-1"`}},
		{name: "flag of the wrong type", args: []string{"run", "--seed", "abc"}, want: []string{`invalid argument "abc" for "--seed"`, "hint: see 'shoal run --help'"}},
		{name: "pyproject does not parse", pyproject: "[project]\nname = \"x\"\n[tool.shoal\ntimeout = 5\n", args: []string{"run"},
			want: []string{"FILE:3:12: invalid TOML", "hint: fix the TOML syntax"}},
		{name: "pyproject not UTF-8", pyproject: "[tool.shoal]\ntimeout = \"\xff\"\n", args: []string{"run"},
			want: []string{"FILE:", "invalid TOML"}},
		{name: "timeout of the wrong type", pyproject: "[tool.shoal]\ntimeout = \"5m\"\n", args: []string{"run"},
			want: []string{"FILE:2:11: [tool.shoal] timeout: expected a number of seconds ≥ 0 (0: no limit), got \"5m\"", "hint: write the seconds as a number"}},
		{name: "fork of the wrong type", pyproject: "[tool.shoal]\nfork = \"yes\"\n", args: []string{"run"},
			want: []string{"FILE:2:8: [tool.shoal] fork: expected true or false, got \"yes\""}},
		{name: "session timeout negative", pyproject: "[tool.shoal]\nsession_timeout = -5\n", args: []string{"run"},
			want: []string{"FILE:2:19: [tool.shoal] session_timeout: expected a number of seconds"}},
		{name: "unknown key", pyproject: "[tool.shoal]\ntimout = 5\n", args: []string{"run"},
			want: []string{"FILE:2:1: [tool.shoal] timout: unknown key; known keys are python, workers, fork, thread_pools, timeout, session_timeout"}},
		{name: "python missing", args: []string{"run", "--python", "/nonexistent/python3"}, want: []string{"/nonexistent/python3"}},
		{name: "python that is no Python", args: []string{"run", "--python", "/bin/true"},
			want: []string{"cannot check /bin/true (--python): it did not print its versions"}},
		{name: "python wrapper that exits 0", args: []string{"run", "--python", "WRAPPER"},
			want: []string{"cannot check WRAPPER (--python): it did not print its versions"}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"2": "2s", "2.5": "2.5s", "90s": "1m30s", "30m": "30m", "5400": "1h30m", "1h": "1h", "0": "0s"} {
		d, err := parseDuration("--timeout", in)
		if err != nil {
			t.Errorf("parseDuration(%q): %v", in, err)
			continue
		}
		if got := formatDuration(d); got != want {
			t.Errorf("parseDuration(%q) shows as %q, want %q", in, got, want)
		}
	}
}
