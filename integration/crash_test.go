//go:build integration

package integration_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWorkerCrash runs the crash suite, where test_exit calls os._exit(3),
// test_segfault dereferences NULL and test_killed gets SIGKILL, as from the
// out-of-memory killer, each after starting a child process that would
// outlive it. Plain pytest would die with them, so the table is here: those
// three fail as crashes whose reports say how the worker ended and what the
// test printed, everything else passes, the crashed workers are replaced,
// and no process of the run is left afterwards.
func TestWorkerCrash(t *testing.T) {
	requirePython(t)
	t.Parallel()
	// What each crash report must say of how its worker ended.
	crashing := map[string][]string{
		"test_crash.py::test_exit":     {"exit code 3"},
		"test_crash.py::test_segfault": {"signal 11", "Fatal Python error: Segmentation fault", "test_crash.py\", line 38 in test_segfault"},
		"test_crash.py::test_killed":   {"signal 9", "out-of-memory killer"},
	}
	const total = 18
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "crash")
			// The directory as an argument puts it in the command line of
			// every pytest process of the run, for checkNoneLeft.
			sh := runShoal(t, dir, shoalCall{mode: mode, args: []string{dir}})
			checkNoneLeft(t, dir)
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal should exit 1 and write its record:\n%s", sh.output)
			}
			if got, want := summaryLine(sh.stdout), fmt.Sprintf("3 failed, %d passed", total-3); got != want {
				t.Errorf("summary line is %q, want %q", got, want)
			}
			outcomes := sh.record.outcomes(t)
			if len(outcomes) != total {
				t.Errorf("the record has %d tests, want %d:\n%s", len(outcomes), total, sh.output)
			}
			for _, rt := range sh.record.Tests {
				says, crashed := crashing[rt.NodeID]
				if !crashed {
					if rt.Outcome != "passed" || rt.Crashed {
						t.Errorf("%s: outcome %s, crashed %v; want passed, not crashed", rt.NodeID, rt.Outcome, rt.Crashed)
					}
					continue
				}
				if rt.Outcome != "failed" || !rt.Crashed {
					t.Errorf("%s: outcome %s, crashed %v; want failed, crashed", rt.NodeID, rt.Outcome, rt.Crashed)
				}
				if !strings.Contains(rt.Message, "crashed while running") || !strings.Contains(rt.Message, rt.NodeID) {
					t.Errorf("%s: message %q should say its worker crashed while running it", rt.NodeID, rt.Message)
				}
				for _, s := range says {
					if !strings.Contains(rt.Longrepr, s) {
						t.Errorf("%s: the crash report should say %q:\n%s", rt.NodeID, s, rt.Longrepr)
					}
				}
				if rt.NodeID == "test_crash.py::test_exit" {
					// What the test printed before it died, kept by the worker.
					out := rt.section("Captured stdout until the worker crashed")
					errOut := rt.section("Captured stderr until the worker crashed")
					if out != "about to exit\n" || errOut != "exiting with 3\n" {
						t.Errorf("%s: captured output %q and %q, want what it printed", rt.NodeID, out, errOut)
					}
				}
			}
			for id := range crashing {
				if _, ok := outcomes[id]; !ok {
					t.Errorf("%s is not in the record", id)
				}
			}
			// A crash is followed by a restart where work remains; the
			// second crash may come when none does.
			restarts := 0
			for _, w := range sh.record.Workers {
				restarts += w.Restarts
			}
			if restarts < 2 || restarts > 3 {
				t.Errorf("workers restarted %d times in all, want 2 or 3: %+v", restarts, sh.record.Workers)
			}
			checkMode(t, mode, sh)
			if strings.Contains(sh.stderr, "panic:") {
				t.Errorf("shoal crashed:\n%s", sh.stderr)
			}
		})
	}
}

// TestMaxWorkerRestart: with --max-worker-restart 0 the first crash stops
// the run, with a message saying so; the tests that finished keep their
// results and the rest are listed as not run.
func TestMaxWorkerRestart(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "crash")
			sh := runShoal(t, dir, shoalCall{mode: mode, flags: []string{"--max-worker-restart", "0"}, args: []string{dir}})
			checkNoneLeft(t, dir)
			if sh.code != 2 || sh.record == nil {
				t.Fatalf("shoal should exit 2 and write its record:\n%s", sh.output)
			}
			const reason = "maximum crashed workers reached: 0 (--max-worker-restart)"
			if got := stopReasons(sh.stdout); len(got) != 1 || got[0] != reason {
				t.Errorf("stop reasons %q, want %q", got, reason)
			}
			crashed := 0
			for _, rt := range sh.record.Tests {
				switch {
				case rt.Crashed:
					crashed++
				case rt.Outcome != "passed":
					t.Errorf("%s: %s, want passed", rt.NodeID, rt.Outcome)
				}
			}
			// The other worker may crash too before it hears that the run stops.
			if crashed < 1 || crashed > 2 {
				t.Errorf("%d crashed tests, want 1 or 2", crashed)
			}
			if n := len(sh.record.Tests) + len(sh.record.NotRun); n != 18 || len(sh.record.NotRun) == 0 {
				t.Errorf("%d tests ran and %d did not; want some not run and 18 in all", len(sh.record.Tests), len(sh.record.NotRun))
			}
			if !strings.Contains(sh.stdout, fmt.Sprintf("%d tests did not run", len(sh.record.NotRun))) {
				t.Errorf("the summary does not say how many tests did not run:\n%s", sh.stdout)
			}
		})
	}
}

// TestWorkerDiesAtStart: worker gw1 of the startup_crash suite exits as it
// imports the suite's conftest.py, forked or spawned, before it walks the
// suite. shoal must still finish, and not report as passed what did not run.
func TestWorkerDiesAtStart(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "startup_crash")
			sh := runShoal(t, dir, shoalCall{mode: mode, args: []string{dir}, termGrace: 2 * time.Second})
			checkNoneLeft(t, dir)
			if sh.record == nil {
				t.Fatalf("shoal wrote no record:\n%s", sh.output)
			}
			for _, rt := range sh.record.Tests {
				if rt.Outcome != "passed" {
					t.Errorf("%s: %s, want passed (the tests cannot fail)", rt.NodeID, rt.Outcome)
				}
			}
			if sh.code == 0 && len(sh.record.Tests) != 4 {
				t.Errorf("shoal exited 0 but ran %d of the 4 tests:\n%s", len(sh.record.Tests), sh.output)
			}
		})
	}
}

// checkMode: the record and the header say the workers started as mode says.
func checkMode(t *testing.T, mode startMode, sh shoalRun) {
	t.Helper()
	if sh.record.StartMode != mode.name {
		t.Errorf("run record says start_mode %q, want %q", sh.record.StartMode, mode.name)
	}
	if got := startNote(sh.stdout); got != mode.header {
		t.Errorf("shoal's header says its workers were %q, want %q", got, mode.header)
	}
}

// checkNoneLeft fails t if, a second after shoal exited, a process still
// runs whose command line or working directory names dir.
func checkNoneLeft(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Logf("cannot look for leftover processes without /proc: %v", err)
		return
	}
	var left []string
	for deadline := time.Now().Add(time.Second); ; time.Sleep(50 * time.Millisecond) {
		left = processesIn(dir)
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, p := range left {
		t.Errorf("left behind: %s", p)
	}
}

// processesIn lists "pid: command line" of the live processes whose command
// line or working directory names dir.
func processesIn(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		proc := filepath.Join("/proc", e.Name())
		cmdline, _ := os.ReadFile(filepath.Join(proc, "cmdline"))
		cwd, _ := os.Readlink(filepath.Join(proc, "cwd"))
		if bytes.Contains(cmdline, []byte(dir)) || cwd == dir || strings.HasPrefix(cwd, dir+"/") {
			out = append(out, fmt.Sprintf("%d: %s (in %s)", pid, bytes.ReplaceAll(bytes.TrimRight(cmdline, "\x00"), []byte{0}, []byte{' '}), cwd))
		}
	}
	return out
}

// TestCrashUnderPlannedBarriers: with history, the rounds suite's isolation
// tests run at barriers planned ahead (in one run of the three at least). A test that kills its worker there
// (two ordinary tests, then an isolation one, one run each; SHOAL_IT_CRASH
// names it) fails as a crash, every other test runs once and passes, no
// isolation test overlaps another, and the run exits 1. (Where a crash came
// while a barrier waited for the workers to finish what they held, the
// tests the worker held were never handed out again and the run hung;
// crashes in test_m01's first two tests did that in some runs on two
// workers, as the timing fell.)
func TestCrashUnderPlannedBarriers(t *testing.T) {
	requirePython(t)
	t.Parallel()
	crashing := []string{"test_m01.py::test_plain_0", "test_m01.py::test_plain_1", "test_m07.py::test_alone"}
	const total = 50
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "rounds")
			if sh := runShoal(t, dir, shoalCall{mode: mode}); sh.code != 0 {
				t.Fatalf("the run that makes the history exited %d:\n%s", sh.code, sh.output)
			}
			planned := 0
			for _, id := range crashing {
				env := append(baseEnv(), "SHOAL_IT_CRASH="+id)
				sh := runShoal(t, dir, shoalCall{mode: mode, env: env, flags: []string{"-v"}, args: []string{dir}})
				checkNoneLeft(t, dir)
				if sh.code != 1 || sh.record == nil {
					t.Fatalf("%s crashing: shoal should exit 1 and write its record:\n%s", id, sh.output)
				}
				if strings.Contains(sh.stdout, "planned ahead from history") {
					planned++
				} else {
					// The scheduler plans only where the plan pays by the
					// measured durations, which a busy machine blurs.
					t.Logf("%s crashing: the barriers were not planned ahead", id)
				}
				if got, want := summaryLine(sh.stdout), fmt.Sprintf("1 failed, %d passed", total-1); got != want {
					t.Errorf("%s crashing: summary line is %q, want %q", id, got, want)
				}
				if n := len(sh.record.outcomes(t)); n != total || len(sh.record.NotRun) != 0 {
					t.Errorf("%s crashing: %d tests in the record and %d not run, want %d and none:\n%s", id, n, len(sh.record.NotRun), total, sh.output)
				}
				for _, rt := range sh.record.Tests {
					switch {
					case rt.NodeID == id && (rt.Outcome != "failed" || !rt.Crashed || !strings.Contains(rt.Longrepr, "exit code 3")):
						t.Errorf("%s: outcome %s, crashed %v, report %q; want failed as a crash with exit code 3", id, rt.Outcome, rt.Crashed, rt.Longrepr)
					case rt.NodeID != id && (rt.Outcome != "passed" || rt.Crashed):
						t.Errorf("%s crashing: %s %s, crashed %v; want passed", id, rt.NodeID, rt.Outcome, rt.Crashed)
					}
				}
				checkNoOverlaps(t, sh, "")
			}
			if planned == 0 {
				t.Errorf("in none of the %d runs were the barriers planned ahead", len(crashing))
			}
		})
	}
}
