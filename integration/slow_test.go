//go:build integration

package integration_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestResultsAsTheyCome: the slow suite on one worker: test_quick and
// test_right_after pass a moment apart, then test_long runs until this test
// has seen, on shoal's output as it streams, what it waits for.
//
//   - Without SLOW lines, test_right_after's result: the terminal must show
//     it as it comes, not with the next result (test_long's, which would
//     never come).
//   - With --slow-timeout 1, a SLOW line naming test_long, its worker and
//     how long it ran, once it has run a second.
func TestResultsAsTheyCome(t *testing.T) {
	requirePython(t)
	t.Parallel()
	cases := []struct {
		name  string
		slow  string
		waits string // the line that lets test_long end
	}{
		{"result", "0", "PASSED test_slow.py::test_right_after"},
		{"slow line", "1", "SLOW [> 1s] test_slow.py::test_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lines := runUntil(t, c.slow, c.waits)
			if c.slow == "0" {
				for _, l := range lines {
					if strings.Contains(l, "SLOW") {
						t.Errorf("--slow-timeout 0 printed %q", l)
					}
				}
				return
			}
			for _, l := range lines {
				if strings.Contains(l, "SLOW") && !(strings.HasPrefix(l, "[gw") && strings.Contains(l, "] SLOW [> ") && strings.HasSuffix(l, "s] test_slow.py::test_long")) {
					t.Errorf("a SLOW line should name test_long and its worker: %q", l)
				}
			}
		})
	}
}

// runUntil runs shoal -v on the slow suite and lets test_long end once a
// line of its output holds waits. It returns the lines, once shoal exited 0.
func runUntil(t *testing.T, slow, waits string) []string {
	t.Helper()
	dir, signals := copySuite(t, "slow"), t.TempDir()
	c := shoalCall{mode: startModes[0], flags: []string{"-n", "1", "-v", "--slow-timeout", slow}}
	cmd := exec.Command(shoalBin, shoalArgs(c, filepath.Join(t.TempDir(), "record.json"))...)
	var stderr bytes.Buffer
	cmd.Dir, cmd.Env, cmd.Stderr = dir, baseEnv("SHOAL_IT_DIR="+signals, "TMPDIR="+privateTmp(t)), &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A hang guard: test_long gives up waiting after a minute.
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	var lines []string
	seen := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if !seen && strings.Contains(sc.Text(), waits) {
			seen = true
			if _, err := os.Stat(filepath.Join(signals, "started")); err != nil && slow != "0" {
				t.Errorf("%q came before test_long started", waits)
			}
			if err := os.WriteFile(filepath.Join(signals, "go"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if !seen || err != nil {
		t.Fatalf("shoal should show %q while test_long runs, then exit 0 (%v):\n%s\n%s", waits, err, strings.Join(lines, "\n"), stderr.String())
	}
	return lines
}
