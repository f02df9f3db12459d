//go:build integration

package integration_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMaxFail runs the maxfail suite (8 files of 300 tests, one failing in
// each) with --maxfail N below, at and above its 8 failures. Like pytest,
// shoal stops at the Nth failure; tests already running on the other
// worker may finish with one more, as under pytest-xdist. A failure that
// does not reach N must not end its worker: nothing crashes, no worker
// restarts, and each worker sets a module up once per run of its tests.
func TestMaxFail(t *testing.T) {
	requirePython(t)
	t.Parallel()
	const failing, workers = 8, 2
	for _, n := range []int{1, 2, 3, failing, failing + 1, 20} {
		t.Run(fmt.Sprintf("maxfail=%d", n), func(t *testing.T) {
			t.Parallel()
			args := []string{"--maxfail", fmt.Sprint(n)}
			py := runPytest(t, copySuite(t, "maxfail"), args...)
			pyFailed := countOutcome(py.outcomes, "failed")
			if want := min(n, failing); py.code != 1 || pyFailed != want {
				t.Fatalf("pytest: exit %d, %d failed; want 1, %d:\n%s", py.code, pyFailed, want, py.output)
			}
			logDir := t.TempDir()
			sh := runShoal(t, copySuite(t, "maxfail"), shoalCall{mode: startModes[0],
				env: baseEnv("SHOAL_IT_SETUPS=" + logDir), args: args})
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal exited %d, want 1:\n%s", sh.code, sh.output)
			}
			failed := 0
			for _, rt := range sh.record.Tests {
				if rt.Crashed {
					t.Errorf("%s crashed: %s", rt.NodeID, rt.Message)
				}
				if rt.Outcome == "failed" {
					failed++
				}
			}
			if n > failing && failed != pyFailed {
				t.Errorf("%d failed, pytest %d", failed, pyFailed)
			}
			if n <= failing && (failed < pyFailed || failed > pyFailed+workers-1) {
				t.Errorf("%d failed, want %d (pytest's) to %d", failed, pyFailed, pyFailed+workers-1)
			}
			for _, w := range sh.record.Workers {
				if w.Restarts != 0 {
					t.Errorf("worker %s restarted %d times", w.ID, w.Restarts)
				}
			}
			checkModuleSetups(t, sh.record, logDir)
		})
	}
}

func countOutcome(outcomes map[string]string, outcome string) int {
	n := 0
	for _, o := range outcomes {
		if o == outcome {
			n++
		}
	}
	return n
}

// checkModuleSetups: each worker set each module up once per run of its
// tests in the order it ran them, as pytest -n would.
func checkModuleSetups(t *testing.T, rec *record, logDir string) {
	t.Helper()
	byWorker := testsByWorker(rec)
	for _, w := range rec.Workers {
		setups := countLines(t, filepath.Join(logDir, w.ID))
		want := map[string]int{}
		for m, n := range runs(byWorker[w.ID], moduleOf) {
			want["module "+m] = n
		}
		var diffs []string
		for key, n := range want {
			if setups[key] != n {
				diffs = append(diffs, fmt.Sprintf("%s: %d set-ups, %d runs of its tests", key, setups[key], n))
			}
		}
		for key, n := range setups {
			if _, ok := want[key]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s: %d set-ups, none of its tests ran", key, n))
			}
		}
		if len(diffs) > 0 {
			t.Errorf("worker %s:\n%s", w.ID, strings.Join(diffs, "\n"))
		}
	}
}

// TestExitFirstStartsNothingAfter: with -x no test starts after the first
// failure, on any worker. In the stop_at_once suite a test fails, then
// tears down for 2 s before its report can reach shoal, while the other
// worker has hundreds of short tests left: none of them may start after
// the failure (leeway for pytest to make the failure's report, on a busy
// host; without the check in every worker some 170 start in those 2 s).
func TestExitFirstStartsNothingAfter(t *testing.T) {
	requirePython(t)
	t.Parallel()
	const leeway = 0.5
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			failedAt := filepath.Join(t.TempDir(), "failed_at")
			sh := runShoal(t, copySuite(t, "stop_at_once"), shoalCall{mode: mode,
				env: baseEnv("SHOAL_IT_FAILED_AT=" + failedAt), args: []string{"-x"}})
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal exited %d, want 1:\n%s", sh.code, sh.output)
			}
			data, err := os.ReadFile(failedAt)
			if err != nil {
				t.Fatalf("test_fails did not run: %v\n%s", err, sh.output)
			}
			at, err := strconv.ParseFloat(strings.TrimSpace(string(data)), 64)
			if err != nil {
				t.Fatal(err)
			}
			var late []string
			for _, rt := range sh.record.Tests {
				if rt.Outcome != "" && rt.NodeID != "test_fails.py::test_fails" && rt.Start > at+leeway {
					late = append(late, fmt.Sprintf("%s %.3fs after", rt.NodeID, rt.Start-at))
				}
			}
			if len(late) > 0 {
				t.Errorf("%d tests started after the first failure: %s\n%s", len(late), strings.Join(late, ", "), sh.output)
			}
		})
	}
}
