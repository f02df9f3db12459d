//go:build integration

package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// commandTimeout bounds one pytest run; the suites take about a second.
const commandTimeout = 2 * time.Minute

// hangTimeout is when a shoal run counts as hung: it gets SIGTERM, which
// shoal handles as Ctrl-C (it stops the workers and still writes its record).
// Every run here takes a second or two on an idle machine; on a busy 2-core
// host the same runs took over 10 s, so this guards against a hang only.
const hangTimeout = 2 * time.Minute

// termGrace is how long a command may take to exit after SIGTERM before it
// gets SIGKILL.
const termGrace = 15 * time.Second

// startMode is how shoal starts its workers, and the flags that choose it.
type startMode struct {
	name  string // as the run record's start_mode says it
	flags []string
	// header is how shoal's header says it started them, after "shoal: N workers, ".
	header string
}

var startModes = []startMode{
	{name: "fork", header: "forked"},
	{name: "spawn", flags: []string{"--no-fork"}, header: "spawned (forking is off)"},
}

// output is what one command did.
type output struct {
	code           int
	stdout, stderr string
	// hung: it ran past its time and was sent SIGTERM.
	hung bool
}

func (o output) String() string {
	return "exit code " + strconv.Itoa(o.code) + "\n--- stdout:\n" + o.stdout + "\n--- stderr:\n" + o.stderr
}

// copySuite copies testdata/suites/name into a fresh directory, so that runs
// neither write into the repository nor share files with each other.
func copySuite(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(repoRoot, "testdata", "suites", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == "__pycache__" || d.Name() == ".pytest_cache" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("cannot copy suite %s: %v", name, err)
	}
	return dst
}

// baseEnv is the environment of every run: the test's own, without what
// would change pytest's behaviour or output, at a fixed width.
func baseEnv(extra ...string) []string {
	drop := []string{
		"PYTEST_ADDOPTS=", "PYTEST_PLUGINS=", "PYTEST_XDIST_", "PYTHONPATH=", "SHOAL_WORKER",
		"SHOAL_MODE=", "SHOAL_SOCKET=", "SHOAL_BASETEMP=", "COLUMNS=", "PY_COLORS=", "FORCE_COLOR=",
		"NO_COLOR=", "CI=", "BUILD_NUMBER=", "SHOAL_OBSERVER_OUT=", "SHOAL_RUN_BASETEMP=",
	}
	var env []string
outer:
	for _, kv := range os.Environ() {
		for _, p := range drop {
			if strings.HasPrefix(kv, p) {
				continue outer
			}
		}
		env = append(env, kv)
	}
	env = append(env, "COLUMNS=80", "PYTHONDONTWRITEBYTECODE=1")
	return append(env, extra...)
}

// execute runs a command in dir and returns its exit code and output. After
// timeout the command gets SIGTERM, and SIGKILL grace later; the caller
// decides what a hung run means. Only a failure to start it fails the test.
func execute(t *testing.T, dir string, env []string, timeout, grace time.Duration, name string, args ...string) output {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &stdout, &stderr
	// A group of its own: a test that signals its process group (the
	// exitcodes suite) must not reach the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = grace
	err := cmd.Run()
	out := output{stdout: stdout.String(), stderr: stderr.String(), hung: ctx.Err() != nil}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		out.code = exit.ExitCode()
	case err != nil && !out.hung:
		t.Fatalf("cannot run %s: %v", name, err)
	}
	return out
}

// pytestRun is plain pytest's run of a suite.
type pytestRun struct {
	output
	// outcomes is each test's outcome as the observer plugin saw it.
	outcomes map[string]string
}

// runPytest runs `PY -m pytest -p no:cacheprovider ARGS` in dir, with the
// observer plugin that records each test's outcome.
func runPytest(t *testing.T, dir string, args ...string) pytestRun {
	t.Helper()
	return runPytestEnv(t, dir, baseEnv(), args...)
}

// runPytestEnv is runPytest in the environment env (see baseEnv).
func runPytestEnv(t *testing.T, dir string, env []string, args ...string) pytestRun {
	t.Helper()
	obs := filepath.Join(t.TempDir(), "observed.json")
	env = append(slices.Clip(env), "PYTHONPATH="+filepath.Join(repoRoot, "testdata", "observer"),
		"SHOAL_OBSERVER_OUT="+obs, "TMPDIR="+privateTmp(t))
	argv := append([]string{"-m", "pytest", "-p", "no:cacheprovider", "-p", "shoal_observer"}, args...)
	run := pytestRun{output: execute(t, dir, env, commandTimeout, termGrace, python, argv...)}
	if run.hung {
		t.Fatalf("pytest %s did not finish within %v:\n%s", strings.Join(args, " "), commandTimeout, run.output)
	}
	data, err := os.ReadFile(obs)
	if err != nil {
		t.Fatalf("the observer wrote no outcomes (%v):\n%s", err, run.output)
	}
	if err := json.Unmarshal(data, &run.outcomes); err != nil {
		t.Fatalf("cannot read the observer's outcomes: %v", err)
	}
	return run
}

// shoalRun is a shoal run of a suite.
type shoalRun struct {
	output
	record *record // nil when shoal wrote none
}

// record is the part of shoal's run record (--report-json) the tests read.
type record struct {
	ExitCode      int               `json:"exit_code"`
	StartMode     string            `json:"start_mode"`
	Tests         []recordTest      `json:"tests"`
	NotRun        []string          `json:"not_run"`
	Killed        []string          `json:"killed"`
	Stopped       string            `json:"stopped"`
	Workers       []recordWorker    `json:"workers"`
	Summary       map[string]int    `json:"summary"`
	CollectErrors []json.RawMessage `json:"collect_errors"`
}

type recordTest struct {
	NodeID  string  `json:"nodeid"`
	Outcome string  `json:"outcome"`
	Worker  string  `json:"worker"`
	Start   float64 `json:"start"`
	Stop    float64 `json:"stop"`
	Crashed bool    `json:"crashed"`
	Message string  `json:"message"`
	// Longrepr is the first failure's full report.
	Longrepr string `json:"longrepr"`
	// What its markers asked of the scheduler.
	Exclusive bool     `json:"exclusive"`
	Locks     []string `json:"locks"`
	Slots     int      `json:"slots"`
	// Sections is the test's captured output: [name, text] pairs.
	Sections [][2]string `json:"sections"`
	// Attempts are its failed runs before the last (shoal run
	// --retries); Flaky: it passed on a retry.
	Attempts []struct {
		Worker string `json:"worker"`
		When   string `json:"when"`
	} `json:"attempts"`
	Flaky bool `json:"flaky"`
	// Cut says what the record left out of sections past its limit.
	Cut []struct {
		Section string `json:"section"`
		Size    int64  `json:"size"`
		Cut     int64  `json:"cut"`
	} `json:"cut"`
}

// section is the text of the test's captured output section called name.
func (rt recordTest) section(name string) string {
	for _, s := range rt.Sections {
		if s[0] == name {
			return s[1]
		}
	}
	return ""
}

type recordWorker struct {
	ID         string            `json:"id"`
	PID        int               `json:"pid"`
	Restarts   int               `json:"restarts"`
	Provisions *recordProvisions `json:"resources"`
}

type recordProvisions struct {
	TmpDir   string `json:"tmpdir"`
	Path     string `json:"worker_tmp_path"`
	Ports    string `json:"ports"`
	Database string `json:"database"`
	Services []struct {
		Name string `json:"name"`
		Port int    `json:"port"`
		PID  int    `json:"pid"`
		Log  string `json:"log"`
	} `json:"services"`
}

// shoalCall says how to run shoal on a suite directory.
type shoalCall struct {
	mode  startMode
	env   []string // default baseEnv()
	flags []string // shoal's own flags, before "--"
	args  []string // pytest's arguments, after "--" and -p no:cacheprovider
	// hangAfter is when the run counts as hung; default hangTimeout.
	hangAfter time.Duration
	// termGrace is how long shoal may take to exit after SIGTERM; default termGrace.
	termGrace time.Duration
	// tmp is the run's TMPDIR; default a fresh one (see privateTmp).
	tmp string
}

// runShoal runs `shoal run -n 2 --python PY --report-json F MODEFLAGS FLAGS -- -p no:cacheprovider ARGS`
// in dir and reads its run record. A hung run ends the test (see checkHang).
func runShoal(t *testing.T, dir string, c shoalCall) shoalRun {
	t.Helper()
	if c.env == nil {
		c.env = baseEnv()
	}
	if c.tmp == "" {
		c.tmp = privateTmp(t)
	}
	c.env = append(slices.Clip(c.env), "TMPDIR="+c.tmp)
	if c.hangAfter == 0 {
		c.hangAfter = hangTimeout
	}
	if c.termGrace == 0 {
		c.termGrace = termGrace
	}
	rec := filepath.Join(t.TempDir(), "record.json")
	run := shoalRun{output: execute(t, dir, c.env, c.hangAfter, c.termGrace, shoalBin, shoalArgs(c, rec)...)}
	run.record = readRecord(t, rec)
	checkHang(t, run, c)
	return run
}

// shoalArgs is shoal's command line for c, writing its record to rec.
func shoalArgs(c shoalCall, rec string) []string {
	argv := []string{"run", "-n", "2", "--python", python, "--report-json", rec}
	argv = append(argv, c.mode.flags...)
	argv = append(argv, c.flags...)
	argv = append(argv, "--", "-p", "no:cacheprovider")
	return append(argv, c.args...)
}

// privateTmp is a fresh directory for a run's TMPDIR. pytest keeps only the
// three newest basetemps of a user under $TMPDIR/pytest-of-USER, deleting
// older ones no live process holds; runs going on side by side must not
// clean up each other's (the basetemp suite tests shoal's part in that).
// Its path is short: shoal's socket lives there too.
func privateTmp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "it")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// readRecord reads a run record; nil if there is none.
func readRecord(t *testing.T, path string) *record {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("cannot read the run record: %v", err)
	}
	rec := &record{}
	if err := json.Unmarshal(data, rec); err != nil {
		t.Fatalf("cannot parse the run record %s: %v\n%s", path, err, data)
	}
	return rec
}

// checkHang ends the test when shoal hung, saying whether it then obeyed SIGTERM.
func checkHang(t *testing.T, run shoalRun, c shoalCall) {
	t.Helper()
	if !run.hung {
		return
	}
	if run.code == -1 {
		t.Fatalf("shoal did not finish within %v, and was still running %v after SIGTERM (then killed):\n%s",
			c.hangAfter, c.termGrace, run.output)
	}
	t.Fatalf("shoal did not finish within %v (it exited on SIGTERM):\n%s", c.hangAfter, run.output)
}

// outcomes is the record's nodeid → outcome; a test listed twice fails t.
func (r *record) outcomes(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, rt := range r.Tests {
		if _, dup := out[rt.NodeID]; dup {
			t.Errorf("run record lists %s twice", rt.NodeID)
		}
		out[rt.NodeID] = rt.Outcome
	}
	return out
}
