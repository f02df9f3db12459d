//go:build integration

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBadPytestInput gives pytest arguments it rejects, with a real pytest:
// shoal exits with pytest's code and shows pytest's own message. What
// pytest refuses once its session started (a path that does not exist)
// its session prints to shoal's own standard output, which a test that
// runs shoal in-process does not hold: integration's TestUsageErrors runs
// that case on the binary.
func TestBadPytestInput(t *testing.T) {
	py := os.Getenv("SHOAL_PYTHON")
	if py == "" || exec.Command(py, "-c", "import pytest").Run() != nil {
		if os.Getenv("SHOAL_REQUIRE_PYTEST") == "1" {
			t.Fatalf("SHOAL_REQUIRE_PYTEST=1 but SHOAL_PYTHON=%q does not import pytest", py)
		}
		t.Skip("set SHOAL_PYTHON to a Python with pytest")
	}
	tests := []struct {
		name string
		args []string
		want string // in stdout or stderr
	}{
		{"unknown pytest option", []string{"--", "--no-such-option"}, "unrecognized arguments: --no-such-option"},
		{"bad pytest option value", []string{"--maxfail", "lots"}, "--maxfail"},
		{"an option neither shoal nor pytest has", []string{"--timeuot", "5"}, "unrecognized arguments: --timeuot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"run", "-n", "1", "--python", py}, tc.args...)...)
			if code != 4 {
				t.Errorf("exit code %d, want pytest's 4:\n%s\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("the output does not say %q:\n%s\n%s", tc.want, stdout, stderr)
			}
		})
	}
}
