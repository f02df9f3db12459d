//go:build integration

package integration_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The leftovers suite's tests leave things running that hold on to what
// their worker holds: children forked without exec (plain, or daemons in a
// session of their own) and a thread that is no daemon. Each child sleeps
// two minutes, the thread for ever; a run that waited for them would pass
// leftoverGuard and count as hung.
const leftoverGuard = time.Minute

// runLeftovers runs shoal on the leftovers suite with a hang guard shorter
// than the children's sleep, and ends whatever children are left when the
// test ends. pids is where the children write their pids.
func runLeftovers(t *testing.T, mode startMode, flags []string, args ...string) (sh shoalRun, pids string) {
	t.Helper()
	dir := copySuite(t, "leftovers")
	pids = t.TempDir()
	t.Cleanup(func() { endChildren(pids) })
	sh = runShoal(t, dir, shoalCall{
		mode: mode, env: baseEnv("SHOAL_IT_PIDS=" + pids), flags: flags, args: args,
		hangAfter: leftoverGuard,
	})
	return sh, pids
}

// endChildren kills the processes whose pids the suite wrote to dir.
func endChildren(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	for _, f := range files {
		if pid, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".pid")); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// childrenStarted fails t unless want children wrote their pids to dir.
func childrenStarted(t *testing.T, dir string, want int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	if len(files) != want {
		t.Errorf("%d children wrote their pid, want %d", len(files), want)
	}
}

// TestForkedChildren: a plain child and a daemon, forked without exec by
// tests that pass, hold a copy of their worker's connection to shoal. The
// run still ends as soon as its workers have, with every test passed.
func TestForkedChildren(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, pids := runLeftovers(t, mode, nil, "test_fork.py", "test_daemon.py")
			if sh.code != 0 || sh.record == nil {
				t.Fatalf("shoal should exit 0 and write its record:\n%s", sh.output)
			}
			if got := summaryLine(sh.stdout); got != "4 passed" {
				t.Errorf("summary line %q, want \"4 passed\"", got)
			}
			childrenStarted(t, pids, 2)
		})
	}
}

// TestForkedChildCrash: a worker whose test forked a child crashes in its
// next test. shoal sees the crash when the worker exits, not when the
// child does, and goes on with the rest on a new worker.
func TestForkedChildCrash(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, pids := runLeftovers(t, mode, []string{"-n", "1"}, "test_fork_crash.py")
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal should exit 1 and write its record:\n%s", sh.output)
			}
			crash := findTest(sh.record, "test_fork_crash.py::test_crash")
			if !crash.Crashed || !strings.Contains(crash.Longrepr, "exit code 3") {
				t.Errorf("test_crash should fail as a crash with exit code 3: %+v", crash)
			}
			if got := summaryLine(sh.stdout); got != "1 failed, 2 passed" {
				t.Errorf("summary line %q, want \"1 failed, 2 passed\"", got)
			}
			childrenStarted(t, pids, 1)
		})
	}
}

// TestForkedChildTimeout: a test leaves a daemon behind, then hangs past
// --timeout. shoal ends the worker; the daemon, out of the worker's
// process group, lives on, and the run does not wait for it.
func TestForkedChildTimeout(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, pids := runLeftovers(t, mode, []string{"-n", "1", "--timeout", "2"}, "test_fork_timeout.py")
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal should exit 1 and write its record:\n%s", sh.output)
			}
			hang := findTest(sh.record, "test_fork_timeout.py::test_daemon_then_hang")
			if hang.Message != "Failed: Timeout (>2s)" {
				t.Errorf("test_daemon_then_hang: message %q, want the timeout", hang.Message)
			}
			if got := summaryLine(sh.stdout); got != "1 failed, 1 passed" {
				t.Errorf("summary line %q, want \"1 failed, 1 passed\"", got)
			}
			childrenStarted(t, pids, 1)
		})
	}
}

// TestThreadLeftRunning: a test leaves a thread that is no daemon and
// never ends, so its worker's Python never exits. The run still ends
// soon after its last test, exit 0, and says that shoal ended the worker
// and why.
func TestThreadLeftRunning(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, _ := runLeftovers(t, mode, nil, "test_thread.py")
			if sh.code != 0 || sh.record == nil {
				t.Fatalf("shoal should exit 0 and write its record:\n%s", sh.output)
			}
			if got := summaryLine(sh.stdout); got != "2 passed" {
				t.Errorf("summary line %q, want \"2 passed\"", got)
			}
			const says = "had not exited 5s after its tests ended: its thread 'left-running' is no daemon and had not ended; shoal ended it"
			if !strings.Contains(sh.stdout, says) {
				t.Errorf("the summary should say %q:\n%s", says, sh.stdout)
			}
		})
	}
}
