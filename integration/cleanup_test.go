//go:build integration

package integration_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Nothing a run of the resources suite made may be left when it ends:
// after Ctrl-C, after kill -9 of a worker, and, once the next run has
// started, after kill -9 of shoal itself.

// runningShoal is a shoal run in the background.
type runningShoal struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	done   chan struct{}
	hold   string // where test_hold says which worker holds it
	record string
}

// start starts shoal -n 2 on test_hold.py, active, and test_alpha.py, and
// returns once a worker runs test_hold, with that worker's pid.
func (r *provisionRun) start(t *testing.T, mode startMode) (*runningShoal, int) {
	t.Helper()
	s := &runningShoal{done: make(chan struct{}), hold: t.TempDir(), record: filepath.Join(t.TempDir(), "record.json")}
	argv := append([]string{"run", "-n", "2", "--python", python, "--report-json", s.record}, mode.flags...)
	argv = append(argv, "--", "-p", "no:cacheprovider", "test_hold.py", "test_alpha.py")
	s.cmd = exec.Command(shoalBin, argv...)
	s.cmd.Dir = r.dir
	s.cmd.Env = append(r.env("RESOURCES_SUITE_HOLD="+s.hold), "TMPDIR="+r.tmp)
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(s.hold, "*.pid"))
		if len(files) > 0 {
			data, _ := os.ReadFile(files[0])
			if pid, err := strconv.Atoi(string(data)); err == nil {
				return s, pid
			}
		}
		select {
		case <-s.done:
			t.Fatalf("shoal ended before test_hold ran:\n%s", s.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("test_hold did not start within a minute:\n%s", s.out.String())
	return nil, 0
}

// wait waits for shoal to end and gives its exit code.
func (s *runningShoal) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(limit):
		t.Fatalf("shoal did not end within %v:\n%s", limit, s.out.String())
	}
	return s.cmd.ProcessState.ExitCode()
}

// TestProvisionCtrlC: SIGINT, as Ctrl-C sends it, while a test runs: shoal
// stops the run (exit 2) and removes every worker's resources.
func TestProvisionCtrlC(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			r := newProvisionRun(t, true)
			s, _ := r.start(t, mode)
			if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			// Running tests get ten seconds to finish; test_hold does not.
			if code := s.wait(t, time.Minute); code != 2 {
				t.Errorf("shoal exited %d after Ctrl-C, want 2:\n%s", code, s.out.String())
			}
			r.checkNothingLeft(t)
		})
	}
}

// TestProvisionWorkerKilled: kill -9 of the worker running test_hold. The
// test fails as a crash, the run goes on and ends, and nothing is left.
func TestProvisionWorkerKilled(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			r := newProvisionRun(t, true)
			s, worker := r.start(t, mode)
			if err := syscall.Kill(worker, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if code := s.wait(t, time.Minute); code != 1 {
				t.Errorf("shoal exited %d after a worker was killed, want 1:\n%s", code, s.out.String())
			}
			if !strings.Contains(s.out.String(), "crashed while running 'test_hold.py::test_hold'") {
				t.Errorf("the killed worker's test should fail as a crash:\n%s", s.out.String())
			}
			r.checkNothingLeft(t)
		})
	}
}

// TestProvisionShoalKilled: kill -9 of shoal itself leaves its databases and
// run directory behind (its services and workers end with it); the next
// run removes them before it starts.
func TestProvisionShoalKilled(t *testing.T) {
	requirePython(t)
	t.Parallel()
	r := newProvisionRun(t, true)
	s, worker := r.start(t, startModes[0])
	services := servicePIDs(t, r.tmp)
	if len(services) != 2 {
		t.Fatalf("found %d echo pids in the run directory, want 2", len(services))
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	s.wait(t, 10*time.Second)
	for _, pid := range services {
		if !gone(pid, 5*time.Second) {
			t.Errorf("service %d outlived shoal", pid)
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	// The worker in test_hold dies with shoal too.
	if !gone(worker, 5*time.Second) {
		t.Errorf("worker %d, in test_hold, outlived shoal by 5 s", worker)
		syscall.Kill(worker, syscall.SIGKILL)
	}
	if dirs, _ := filepath.Glob(filepath.Join(r.tmp, "shoal-*")); len(dirs) != 1 {
		t.Errorf("run directories after kill -9: %v, want the killed run's", dirs)
	}
	if r.server != "" && len(r.databases(t)) != 2 {
		t.Errorf("databases after kill -9: %v, want the killed run's two", r.databases(t))
	}
	sh := r.shoal(t, startModes[0], nil)
	if sh.code != 0 {
		t.Fatalf("the next run should pass:\n%s", sh.output)
	}
	want := "shoal: removed what an earlier run (pid " + strconv.Itoa(s.cmd.Process.Pid) + ") left: "
	if !strings.Contains(sh.stderr, want) {
		t.Errorf("the next run should say it removed the killed run's leftovers (%q):\n%s", want, sh.stderr)
	}
	r.checkNothingLeft(t)
}

// TestTwoRunsAtOnce: a second run of the project starts while the first
// holds its port blocks (a worker waits in test_hold). The second takes
// ports nobody holds, says so with -v, and passes; no port is both runs'.
func TestTwoRunsAtOnce(t *testing.T) {
	requirePython(t)
	t.Parallel()
	r := newProvisionRun(t, false)
	first, _ := r.start(t, startModes[0])
	second := r.shoal(t, startModes[0], []string{"-v"})
	if second.code != 0 || second.record == nil {
		t.Errorf("the second run should pass:\n%s", second.output)
	}
	if !strings.Contains(second.stdout, "are held by another shoal run; this run's workers use") {
		t.Errorf("the second run should say with -v that it took other ports:\n%s", second.stdout)
	}
	if err := first.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	first.wait(t, time.Minute)
	firstRec := readRecord(t, first.record)
	if firstRec == nil || second.record == nil {
		t.Fatalf("both runs should write their record:\n%s", first.out.String())
	}
	for _, a := range firstRec.Workers {
		for _, b := range second.record.Workers {
			if a.Provisions != nil && b.Provisions != nil && rangesOverlap(a.Provisions.Ports, b.Provisions.Ports) {
				t.Errorf("%s of the first run has ports %s, %s of the second %s", a.ID, a.Provisions.Ports, b.ID, b.Provisions.Ports)
			}
		}
	}
}

// rangesOverlap tells whether two port ranges "LO-HI" share a port.
func rangesOverlap(a, b string) bool {
	var alo, ahi, blo, bhi int
	fmt.Sscanf(a, "%d-%d", &alo, &ahi)
	fmt.Sscanf(b, "%d-%d", &blo, &bhi)
	return alo <= bhi && blo <= ahi
}

// servicePIDs reads the pids the echo instances wrote in the run directory.
func servicePIDs(t *testing.T, tmp string) []int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(tmp, "shoal-*", "gw*", "service-echo", "pid"))
	var pids []int
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// gone waits for a process to end (a zombie counts as ended).
func gone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || bytes.Contains(data, []byte(") Z ")) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
