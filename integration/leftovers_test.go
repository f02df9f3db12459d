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

// TestLeftovers runs each case of the leftovers suite in both start modes:
// the run ends as soon as its workers have, with pytest's outcomes.
//   - a plain child and a daemon, forked by tests that pass;
//   - a worker whose test forked a child crashes in its next test: shoal
//     sees the crash when the worker exits, not when the child does, and
//     goes on on a new worker;
//   - a test leaves a daemon behind, then hangs past --timeout: shoal ends
//     the worker; the daemon, out of its process group, lives on;
//   - a thread that is no daemon keeps a worker's Python from exiting:
//     shoal ends it after its session and says so.
func TestLeftovers(t *testing.T) {
	requirePython(t)
	t.Parallel()
	type testCase struct {
		name     string
		flags    []string
		args     []string
		code     int
		summary  string
		children int                      // that wrote their pid
		check    func(sh shoalRun) string // what is wrong, "" if nothing
	}
	run := func(t *testing.T, mode startMode, tc testCase) {
		dir := copySuite(t, "leftovers")
		pids := t.TempDir()
		t.Cleanup(func() { endChildren(pids) })
		sh := runShoal(t, dir, shoalCall{
			mode: mode, env: baseEnv("SHOAL_IT_PIDS=" + pids), flags: tc.flags, args: tc.args,
			hangAfter: leftoverGuard,
		})
		if sh.code != tc.code || sh.record == nil {
			t.Fatalf("shoal should exit %d and write its record:\n%s", tc.code, sh.output)
		}
		if got := summaryLine(sh.stdout); got != tc.summary {
			t.Errorf("summary line %q, want %q", got, tc.summary)
		}
		if files, _ := filepath.Glob(filepath.Join(pids, "*.pid")); len(files) != tc.children {
			t.Errorf("%d children wrote their pid, want %d", len(files), tc.children)
		}
		if tc.check != nil {
			if wrong := tc.check(sh); wrong != "" {
				t.Errorf("%s:\n%s", wrong, sh.output)
			}
		}
	}
	testCases := []testCase{
		{name: "forked children", args: []string{"test_fork.py", "test_daemon.py"}, summary: "4 passed", children: 2},
		{name: "crash after a fork", flags: []string{"-n", "1"}, args: []string{"test_fork_crash.py"},
			code: 1, summary: "1 failed, 2 passed", children: 1,
			check: func(sh shoalRun) string {
				if crash := findTest(sh.record, "test_fork_crash.py::test_crash"); !crash.Crashed || !strings.Contains(crash.Longrepr, "exit code 3") {
					return "test_crash should fail as a crash with exit code 3"
				}
				return ""
			}},
		{name: "timeout after a daemon", flags: []string{"-n", "1", "--timeout", "2"}, args: []string{"-p", "no:timeout", "test_fork_timeout.py"},
			code: 1, summary: "1 failed, 1 passed", children: 1,
			check: func(sh shoalRun) string {
				if findTest(sh.record, "test_fork_timeout.py::test_daemon_then_hang").Message != "Failed: Timeout (>2s)" {
					return "test_daemon_then_hang should fail by its timeout"
				}
				return ""
			}},
		{name: "thread left running", args: []string{"test_thread.py"}, summary: "2 passed",
			check: func(sh shoalRun) string {
				const says = "had not exited 5s after its tests ended: its thread 'left-running' is no daemon and had not ended; shoal ended it"
				if !strings.Contains(sh.stdout, says) {
					return "the summary should say " + strconv.Quote(says)
				}
				return ""
			}},
	}
	for _, tc := range testCases {
		for _, mode := range startModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				t.Parallel()
				run(t, mode, tc)
			})
		}
	}
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
