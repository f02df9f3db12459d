//go:build integration

package integration_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// interruptSuite is the hang suite's test_interrupt.py: test_hang starts a
// child process and sleeps, and 30 short tests follow.
const (
	interruptFile  = "test_interrupt.py"
	interruptTests = 31
	hangingTest    = "test_interrupt.py::test_hang"
)

// TestInterrupt sends SIGINT, SIGTERM or SIGHUP to shoal once test_hang runs. shoal
// must stop handing out tests, let running ones finish within the grace
// period, then end test_hang's worker and its child; print the partial
// summary with what did not run; write the record and the JUnit file; and
// exit 2, leaving no process behind. No test may be reported as failed.
func TestInterrupt(t *testing.T) {
	requirePython(t)
	t.Parallel()
	signals := []struct {
		name   string
		sig    syscall.Signal
		reason string
	}{
		{"SIGINT", syscall.SIGINT, "KeyboardInterrupt"},
		{"SIGTERM", syscall.SIGTERM, "Interrupted: terminated by SIGTERM"},
		// A closed terminal or SSH session.
		{"SIGHUP", syscall.SIGHUP, "Interrupted: hangup (SIGHUP)"},
	}
	for _, s := range signals {
		for _, mode := range startModes {
			t.Run(s.name+"/"+mode.name, func(t *testing.T) {
				t.Parallel()
				sh := startInterruptible(t, mode, "--interrupt-grace", "1")
				sh.waitForChild(t)
				sh.signal(t, s.sig)
				res := sh.wait(t, 30*time.Second)
				checkInterrupted(t, res, sh, s.reason)
			})
		}
	}
}

// TestInterruptIgnored: test_deaf catches every KeyboardInterrupt. After
// SIGINT it gets --interrupt-grace, then shoal ends it with its process
// group, its child too; the run still reports and exits 2.
func TestInterruptIgnored(t *testing.T) {
	requirePython(t)
	t.Parallel()
	sh := prepareInterruptible(t, startModes[0], "--interrupt-grace", "1")
	sh.cmd.Args[len(sh.cmd.Args)-1] = sh.dir + "/test_deaf.py"
	sh.start(t)
	sh.waitForChild(t)
	sh.signal(t, syscall.SIGINT)
	res := sh.wait(t, 30*time.Second)
	checkNoneLeft(t, sh.dir)
	if res.code != 2 || res.record == nil {
		t.Fatalf("shoal should exit 2 and write its record:\n%s", res.output)
	}
	if want := []string{"test_deaf.py::test_deaf"}; !slices.Equal(res.record.Killed, want) {
		t.Errorf("killed %v, want %v", res.record.Killed, want)
	}
	if !strings.Contains(res.stdout, "KILLED test_deaf.py::test_deaf - still running on gw0 when shoal ended it") {
		t.Errorf("the summary should say shoal ended test_deaf:\n%s", res.stdout)
	}
	checkJUnit(t, sh.junit, 0)
}

// TestSecondInterrupt: with a long grace period, a second SIGINT ends the
// running tests at once; the run still reports and exits 2.
func TestSecondInterrupt(t *testing.T) {
	requirePython(t)
	t.Parallel()
	sh := startInterruptible(t, startModes[0], "--interrupt-grace", "60")
	sh.waitForChild(t)
	sh.signal(t, syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	second := time.Now()
	sh.signal(t, syscall.SIGINT)
	res := sh.wait(t, 30*time.Second)
	if took := time.Since(second); took > 10*time.Second {
		t.Errorf("shoal took %v to exit after the second SIGINT", took)
	}
	checkInterrupted(t, res, sh, "KeyboardInterrupt")
	if !strings.Contains(res.stderr, "again: ending every test process now") {
		t.Errorf("shoal did not say it ends the tests now:\n%s", res.stderr)
	}
}

// TestSessionTimeout: --session-timeout interrupts the run as Ctrl-C does,
// and says why. The 31 tests take 6 s on one worker; the run gets 4.
func TestSessionTimeout(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "hang")
	pids := t.TempDir()
	sh := runShoal(t, dir, shoalCall{
		mode:      startModes[0],
		env:       baseEnv("SHOAL_IT_PIDS=" + pids),
		flags:     []string{"--session-timeout", "4", "--interrupt-grace", "0.5"},
		args:      []string{dir + "/" + interruptFile},
		hangAfter: 30 * time.Second,
	})
	checkNoneLeft(t, dir)
	if sh.code != 2 || sh.record == nil {
		t.Fatalf("shoal should exit 2 and write its record:\n%s", sh.output)
	}
	if got := stopReasons(sh.stdout); !slices.Equal(got, []string{"Interrupted: session timeout of 4s reached"}) {
		t.Errorf("stop reasons %q", got)
	}
	if files, _ := filepath.Glob(filepath.Join(pids, "*.pid")); len(files) == 0 {
		// A machine so busy that the suite was not collected in 4 s.
		t.Skipf("the session timeout came before test_hang started:\n%s", sh.output)
	}
	checkChildrenGone(t, pids, 1)
	checkPartialRecord(t, sh.record, sh.output)
}

// TestShoalKilled: kill -9 of shoal while test_hang runs. shoal can do
// nothing, yet within five seconds nothing of the run may be left: not
// the session, not a worker, not test_hang's child.
func TestShoalKilled(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := startInterruptible(t, mode)
			sh.waitForChild(t)
			sh.signal(t, syscall.SIGKILL)
			_ = sh.cmd.Wait()
			left := processesIn(sh.dir)
			for deadline := time.Now().Add(5 * time.Second); len(left) > 0 && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
				left = processesIn(sh.dir)
			}
			for _, p := range left {
				t.Errorf("5 s after kill -9 of shoal, still running: %s", p)
			}
			checkChildrenGone(t, sh.pids, 1)
		})
	}
}

// liveShoal is a shoal run going on in the background.
type liveShoal struct {
	cmd            *exec.Cmd
	dir, pids      string
	rec, junit     string
	stdout, stderr *bytes.Buffer
	started        time.Time
}

// TestBrokenPipe: shoal's output goes to a pipe whose reader goes away
// while test_hang runs, as with shoal run … | head. The next write raises
// SIGPIPE, which ends the run as SIGTERM does: exit 2, the record and the
// JUnit file written, no process left. The write comes from the SLOW
// line --slow-timeout 1 prints while test_hang runs: the other tests of its
// file may all wait behind it on its worker, printing nothing.
func TestBrokenPipe(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := prepareInterruptible(t, mode, "--interrupt-grace", "1", "--slow-timeout", "1")
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			sh.cmd.Stdout = w
			sh.start(t)
			w.Close()
			first := make([]byte, 10)
			if _, err := io.ReadFull(r, first); err != nil {
				t.Fatalf("shoal wrote nothing: %v\n%s", err, sh.stderr)
			}
			sh.waitForChild(t)
			r.Close()
			res := sh.wait(t, time.Minute)
			checkNoneLeft(t, sh.dir)
			checkChildrenGone(t, sh.pids, 1)
			const reason = "Interrupted: broken pipe (SIGPIPE)"
			if res.code != 2 || res.record == nil || res.record.Stopped != reason {
				t.Fatalf("shoal should exit 2 and write its record, stopped by %q:\n%s", reason, res.output)
			}
			checkJUnit(t, sh.junit, len(res.record.Tests))
		})
	}
}

// startInterruptible starts shoal on the hang suite's test_interrupt.py.
func startInterruptible(t *testing.T, mode startMode, flags ...string) *liveShoal {
	t.Helper()
	sh := prepareInterruptible(t, mode, flags...)
	sh.start(t)
	return sh
}

// prepareInterruptible is startInterruptible's run, not started yet.
func prepareInterruptible(t *testing.T, mode startMode, flags ...string) *liveShoal {
	t.Helper()
	dir := copySuite(t, "hang")
	tmp := t.TempDir()
	sh := &liveShoal{
		dir: dir, pids: t.TempDir(), rec: filepath.Join(tmp, "record.json"), junit: filepath.Join(tmp, "junit.xml"),
		stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
	}
	c := shoalCall{mode: mode, flags: flags, args: []string{"--junitxml", sh.junit, dir + "/" + interruptFile}}
	sh.cmd = exec.Command(shoalBin, shoalArgs(c, sh.rec)...)
	sh.cmd.Dir, sh.cmd.Stdout, sh.cmd.Stderr = dir, sh.stdout, sh.stderr
	// A cache of its own: a run killed here leaves its state file behind,
	// and a run of another test sweeping it would say so on its stderr.
	sh.cmd.Env = baseEnv("SHOAL_IT_PIDS="+sh.pids, "TMPDIR="+privateTmp(t), "SHOAL_CACHE_DIR="+filepath.Join(tmp, "cache"))
	return sh
}

func (sh *liveShoal) start(t *testing.T) {
	t.Helper()
	if err := sh.cmd.Start(); err != nil {
		t.Fatalf("cannot start shoal: %v", err)
	}
	sh.started = time.Now()
	t.Cleanup(func() {
		if sh.cmd.ProcessState == nil {
			_ = sh.cmd.Process.Kill()
			_ = sh.cmd.Wait()
		}
	})
}

// waitForChild waits until test_hang's child process has written its pid:
// test_hang runs.
func (sh *liveShoal) waitForChild(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if files, _ := filepath.Glob(filepath.Join(sh.pids, "*.pid")); len(files) > 0 {
			return
		}
	}
	t.Fatalf("test_hang did not start within 30s:\n%s\n%s", sh.stdout, sh.stderr)
}

func (sh *liveShoal) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := sh.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("cannot signal shoal: %v", err)
	}
}

// wait waits for shoal to exit, killing it after limit.
func (sh *liveShoal) wait(t *testing.T, limit time.Duration) shoalRun {
	t.Helper()
	timer := time.AfterFunc(limit, func() { _ = sh.cmd.Process.Kill() })
	err := sh.cmd.Wait()
	hung := !timer.Stop()
	res := shoalRun{output: output{code: sh.cmd.ProcessState.ExitCode(), stdout: sh.stdout.String(), stderr: sh.stderr.String(), hung: hung}}
	if hung {
		t.Fatalf("shoal did not exit within %v of the interrupt (%v):\n%s", limit, err, res.output)
	}
	res.record = readRecord(t, sh.rec)
	return res
}

// checkInterrupted checks a run interrupted while test_hang ran.
func checkInterrupted(t *testing.T, res shoalRun, sh *liveShoal, reason string) {
	t.Helper()
	checkNoneLeft(t, sh.dir)
	checkChildrenGone(t, sh.pids, 1)
	if res.code != 2 || res.record == nil {
		t.Fatalf("shoal should exit 2 and write its record:\n%s", res.output)
	}
	if got := stopReasons(res.stdout); !slices.Equal(got, []string{reason}) {
		t.Errorf("stop reasons %q, want %q", got, reason)
	}
	if res.record.Stopped != reason {
		t.Errorf("the record says it stopped for %q, want %q", res.record.Stopped, reason)
	}
	checkPartialRecord(t, res.record, res.output)
	// Where the KeyboardInterrupt found test_hang, as pytest says it.
	if !strings.Contains(res.stdout, "/"+interruptFile+":13: KeyboardInterrupt\n(to show a full traceback on KeyboardInterrupt use --full-trace)\n") {
		t.Errorf("the summary does not say where test_hang was stopped:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "KILLED "+hangingTest+" - still running on gw") {
		t.Errorf("the summary does not name the test shoal ended:\n%s", res.stdout)
	}
	checkJUnit(t, sh.junit, len(res.record.Tests))
	if strings.Contains(res.stderr, "panic:") {
		t.Errorf("shoal crashed:\n%s", res.stderr)
	}
}

// checkPartialRecord: every test is either in the record's tests, and
// passed, or in not_run; test_hang was stopped while it ran; the summary
// says how many did not run.
func checkPartialRecord(t *testing.T, rec *record, out output) {
	t.Helper()
	if len(rec.Tests)+len(rec.NotRun) != interruptTests {
		t.Errorf("%d tests ran and %d did not, want %d in all", len(rec.Tests), len(rec.NotRun), interruptTests)
	}
	if len(rec.NotRun) == 0 || !slices.Contains(rec.NotRun, hangingTest) {
		t.Errorf("not_run %v should hold %s and the tests that never started", rec.NotRun, hangingTest)
	}
	// Stopped while they ran: test_hang, and the short test the other
	// worker ran at that moment, if it ran one.
	if !slices.Contains(rec.Killed, hangingTest) || len(rec.Killed) > 2 {
		t.Errorf("killed %v, want %s and at most one test_quick", rec.Killed, hangingTest)
	}
	for _, k := range rec.Killed {
		if k != hangingTest && !strings.HasPrefix(k, "test_interrupt.py::test_quick[") {
			t.Errorf("killed %v: %s was not running", rec.Killed, k)
		}
	}
	for _, rt := range rec.Tests {
		if rt.Outcome != "passed" || rt.Crashed {
			t.Errorf("%s: %s (crashed %v), want passed", rt.NodeID, rt.Outcome, rt.Crashed)
		}
	}
	didNot := fmt.Sprintf("\n%d tests did not run", len(rec.NotRun))
	if len(rec.NotRun) == 1 {
		didNot = "\n1 test did not run"
	}
	if !strings.Contains(out.stdout, didNot) {
		t.Errorf("the summary does not say %q:\n%s", didNot[1:], out.stdout)
	}
	if got, want := summaryLine(out.stdout), fmt.Sprintf("%d passed", len(rec.Tests)); len(rec.Tests) > 0 && got != want {
		t.Errorf("summary line %q, want %q", got, want)
	}
}

// checkJUnit: the JUnit file is there, is XML, and holds the tests that ran.
func checkJUnit(t *testing.T, path string, ran int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("no JUnit file: %v", err)
		return
	}
	var doc struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Errorf("the JUnit file is not XML: %v", err)
		return
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Tests != ran {
		t.Errorf("the JUnit file has %+v, want one suite of %d tests", doc.Suites, ran)
	}
}
