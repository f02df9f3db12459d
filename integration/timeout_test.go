//go:build integration

package integration_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// timeoutCase is what one test of the hang suite's test_timeouts.py must
// give under --timeout 1.
type timeoutCase struct {
	outcome string
	message string   // the record's message, for failures
	says    []string // in the record's longrepr
}

var timeoutTable = map[string]timeoutCase{
	"test_timeouts.py::test_before": {outcome: "passed"},
	"test_timeouts.py::test_sleeps": {outcome: "failed", message: "Failed: Timeout (>1s)", says: []string{
		"Failed: Timeout (>1s) while running 'test_timeouts.py::test_sleeps'",
		"stacks of its threads at the timeout (faulthandler):\nThread 0x",
		"in run\n", // the helper thread, in threading's run
		"Current thread 0x",
		"test_timeouts.py\", line 23 in test_sleeps", // the main thread, in time.sleep
	}},
	"test_timeouts.py::test_marker":        {outcome: "failed", message: "Failed: Timeout (>0.5s)", says: []string{"line 28 in test_marker"}},
	"test_timeouts.py::test_marker_off":    {outcome: "passed"},
	"test_timeouts.py::test_marker_longer": {outcome: "passed"},
	"test_timeouts.py::test_bad_marker": {outcome: "error", says: []string{
		"the timeout marker needs a number of seconds ≥ 0, not 'soon'",
	}},
	"test_timeouts.py::test_setup_hangs": {outcome: "failed", message: "Failed: Timeout (>1s)", says: []string{"in slow_fixture"}},
	"test_timeouts.py::test_holds_the_gil": {outcome: "failed", message: "Failed: Timeout (>1s)", says: []string{
		"stacks of its threads at the timeout (faulthandler):\nCurrent thread 0x",
		"test_timeouts.py\", line 54 in test_holds_the_gil",
		"it ended only after its time was up", // the signal cut its C sleep short
	}},
}

// TestTimeouts runs the hang suite's test_timeouts.py with --timeout 1: the
// tests that hang fail with "Timeout" and their threads' stacks, whether
// --timeout or a timeout marker set the limit, in a fixture's setup too, and
// in C code that holds the GIL; a marker can lift or lengthen the limit; a
// bad marker is the test's error. Every other test
// passes, the processes the hanging tests started are gone, and timeouts do
// not count as crashed workers (--max-worker-restart 0 does not stop it).
func TestTimeouts(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "hang")
			pids := t.TempDir()
			start := time.Now()
			sh := runShoal(t, dir, shoalCall{
				mode:  mode,
				env:   baseEnv("SHOAL_IT_PIDS=" + pids),
				flags: []string{"--timeout", "1", "--max-worker-restart", "0"},
				// shoal's own clock: pytest-timeout, where installed, would time them.
				args:      []string{"-p", "no:timeout", dir + "/test_timeouts.py"},
				hangAfter: 60 * time.Second,
			})
			took := time.Since(start)
			checkNoneLeft(t, dir)
			checkChildrenGone(t, pids, 2)
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal should exit 1 and write its record:\n%s", sh.output)
			}
			if got, want := summaryLine(sh.stdout), "4 failed, 9 passed, 1 error"; got != want {
				t.Errorf("summary line %q, want %q", got, want)
			}
			// Hanging tests sleep 120 s; a run without timeouts would take that.
			if took > 40*time.Second {
				t.Errorf("the run took %v", took)
			}
			seen := map[string]bool{}
			for _, rt := range sh.record.Tests {
				seen[rt.NodeID] = true
				want, ok := timeoutTable[rt.NodeID]
				if !ok {
					want = timeoutCase{outcome: "passed"} // test_after[n]
				}
				checkTimeoutCase(t, rt, want)
			}
			if len(seen) != 14 || len(sh.record.NotRun) != 0 {
				t.Errorf("%d tests ran and %v did not, want all 14 to run:\n%s", len(seen), sh.record.NotRun, sh.output)
			}
			sleeps := findTest(sh.record, "test_timeouts.py::test_sleeps")
			if got := sleeps.section("Captured stdout until the timeout"); got != "going to sleep\n" {
				t.Errorf("test_sleeps: captured stdout %q, want what it printed", got)
			}
			// The terminal shows it as pytest shows a failure.
			for _, want := range []string{
				"FAILED test_timeouts.py::test_sleeps - Failed: Timeout (>1s)",
				"_ test_sleeps _",
				"Captured stdout until the timeout",
			} {
				if !strings.Contains(sh.stdout, want) {
					t.Errorf("stdout does not say %q:\n%s", want, sh.stdout)
				}
			}
		})
	}
}

func checkTimeoutCase(t *testing.T, rt recordTest, want timeoutCase) {
	t.Helper()
	if rt.Outcome != want.outcome {
		t.Errorf("%s: %s, want %s:\n%s", rt.NodeID, rt.Outcome, want.outcome, rt.Longrepr)
		return
	}
	if want.message != "" && rt.Message != want.message {
		t.Errorf("%s: message %q, want %q", rt.NodeID, rt.Message, want.message)
	}
	for _, s := range want.says {
		if !strings.Contains(rt.Longrepr, s) {
			t.Errorf("%s: the report does not say %q:\n%s", rt.NodeID, s, rt.Longrepr)
		}
	}
}

func findTest(rec *record, nodeid string) recordTest {
	for _, rt := range rec.Tests {
		if rt.NodeID == nodeid {
			return rt
		}
	}
	return recordTest{}
}

// checkChildrenGone: the hang suite's orphans wrote their pids to files in
// dir (see testdata/suites/hang/orphans.py); want of them must have started,
// and none may still run.
func checkChildrenGone(t *testing.T, dir string, want int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	if len(files) != want {
		t.Errorf("%d child processes started, want %d", len(files), want)
	}
	for _, f := range files {
		pid, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".pid"))
		if err != nil {
			t.Fatalf("bad pid file %s", f)
		}
		for deadline := time.Now().Add(time.Second); alive(pid) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("child process %d, started by a test, outlived the run", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// alive: the process exists and is not a zombie waiting to be reaped.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestPytestTimeout: where pytest-timeout is installed, the timeout marker
// and --timeout are its own, as under pytest -n: shoal's --timeout reaches
// it, and the failures carry its message ("Timeout >1.0s"), not shoal's.
func TestPytestTimeout(t *testing.T) {
	requirePython(t)
	requireModule(t, "pytest_timeout", "python3-pytest-timeout")
	t.Parallel()
	want := map[string]string{
		"test_timed.py::test_marked": "Failed: Timeout >1.0s",
		"test_timed.py::test_plain":  "Failed: Timeout >2.0s",
		"test_timed.py::test_quick":  "",
	}
	py := runPytest(t, copySuite(t, "pytest_timeout"), "--timeout", "2")
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "pytest_timeout"), shoalCall{mode: mode, flags: []string{"--timeout", "2"}})
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal should exit 1 and write its record:\n%s", sh.output)
			}
			for id, message := range want {
				if got := findTest(sh.record, id).Message; got != message {
					t.Errorf("%s: message %q, want pytest-timeout's %q", id, got, message)
				}
				line := "FAILED " + id + " - " + message
				if message != "" && (!strings.Contains(sh.stdout, line) || !strings.Contains(py.stdout, line)) {
					t.Errorf("pytest and shoal should both say %q:\n%s\n--- pytest:\n%s", line, sh.output, py.output)
				}
			}
		})
	}
}
