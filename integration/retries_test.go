//go:build integration

package integration_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// retryCase is a <testcase> with the elements of its failed attempts.
type retryCase struct {
	Name     string     `xml:"name,attr"`
	Failures []struct{} `xml:"failure"`
	Errors   []struct{} `xml:"error"`
	Skipped  []struct{} `xml:"skipped"`
	Flaky    []struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"flakyFailure"`
	FlakyErrors  []struct{} `xml:"flakyError"`
	RerunFailure []struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	} `xml:"rerunFailure"`
	RerunErrors []struct{} `xml:"rerunError"`
}

func readRetryCases(t *testing.T, path string) map[string]retryCase {
	t.Helper()
	readJUnit(t, path) // well-formed, one root
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []retryCase `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]retryCase{}
	for _, c := range doc.Cases {
		if _, dup := out[c.Name]; dup {
			t.Errorf("two testcases named %s", c.Name)
		}
		out[c.Name] = c
	}
	return out
}

// attempts is how many times each test of the retries suite ran, from the
// counters the tests keep in dir, whichever worker ran them.
func attempts(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = info.Size()
	}
	return out
}

func checkAttempts(t *testing.T, got map[string]int64, want map[string]int64) {
	t.Helper()
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s ran %d times, want %d (all: %v)", name, got[name], n, got)
		}
	}
}

// retryRun runs shoal with flags and pytest args on a copy of the retries
// suite, its attempt counters in a fresh directory.
func retryRun(t *testing.T, mode startMode, flags []string, args ...string) (shoalRun, map[string]int64, string) {
	t.Helper()
	counts := t.TempDir()
	junit := filepath.Join(t.TempDir(), "junit.xml")
	sh := runShoal(t, copySuite(t, "retries"), shoalCall{mode: mode, env: baseEnv("RETRY_COUNTS=" + counts),
		flags: flags, args: append([]string{"--junitxml", junit}, args...)})
	if sh.record == nil {
		t.Fatalf("no run record:\n%s", sh.output)
	}
	return sh, attempts(t, counts), junit
}

// TestRetriesFlaky: with --retries 2 every test of test_flaky.py passes in
// the end (one on its third attempt, one whose module fixture fails once):
// exit 0, each a flaky <testcase> with one <flakyFailure> (a setup's:
// <flakyError>) per failed attempt, the terminal's R letters, rerun count
// and flaky notes; xfail and skip never run again.
func TestRetriesFlaky(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, ran, junit := retryRun(t, mode, []string{"--retries", "2"}, "test_flaky.py")
			if sh.code != 0 {
				t.Fatalf("exit %d, want 0:\n%s", sh.code, sh.output)
			}
			checkAttempts(t, ran, map[string]int64{"second": 2, "third": 3, "module_fixture": 2, "xfail": 1})
			if !regexp.MustCompile(`(?m)^[.xsR]*R[.xsR]* +\[100%\]$`).MatchString(sh.stdout) {
				t.Errorf("no progress line with R letters:\n%s", sh.stdout)
			}
			if !regexp.MustCompile(`4 passed, 1 skipped, 1 xfailed, 4 rerun in `).MatchString(sh.stdout) {
				t.Errorf("stats line is not pytest-rerunfailures':\n%s", sh.stdout)
			}
			for _, name := range []string{"test_passes_on_second", "test_passes_on_third", "test_setup_fails_once"} {
				if !strings.Contains(sh.stdout, "flaky: test_flaky.py::"+name+" passed on attempt") {
					t.Errorf("no flaky note for %s:\n%s", name, sh.stdout)
				}
			}
			cases := readRetryCases(t, junit)
			want := map[string][2]int{ // flakyFailure, flakyError
				"test_passes_on_second": {1, 0}, "test_passes_on_third": {2, 0}, "test_setup_fails_once": {0, 1},
				"test_plain": {0, 0}, "test_xfail": {0, 0}, "test_skip": {0, 0},
			}
			for name, w := range want {
				c := cases[name]
				if len(c.Flaky) != w[0] || len(c.FlakyErrors) != w[1] || len(c.Failures)+len(c.Errors)+len(c.RerunFailure) > 0 {
					t.Errorf("%s: %+v, want %d flakyFailure, %d flakyError and no failure", name, c, w[0], w[1])
				}
			}
			if f := cases["test_passes_on_second"].Flaky; len(f) == 1 && (f[0].Type != "AssertionError" ||
				!strings.Contains(f[0].Message, "assert 1 >= 2") || !strings.Contains(f[0].Text, "test_flaky.py:")) {
				t.Errorf("flakyFailure lacks the attempt's message, type or text: %+v", f[0])
			}
			flaky := map[string]int{"test_passes_on_second": 1, "test_passes_on_third": 2, "test_setup_fails_once": 1}
			for _, rt := range sh.record.Tests {
				n, want := flaky[strings.TrimPrefix(rt.NodeID, "test_flaky.py::")]
				if rt.Flaky != want || len(rt.Attempts) != n || want && rt.Outcome != "passed" {
					t.Errorf("record: %s flaky=%v, %d attempts, %s; want flaky=%v, %d attempts", rt.NodeID, rt.Flaky, len(rt.Attempts), rt.Outcome, want, n)
				}
			}
		})
	}
}

// TestRetriesFailEvery: with --retries 1 a test that fails on both attempts
// fails, its first attempt a <rerunFailure> beside its <failure>; the run
// exits 1.
func TestRetriesFailEvery(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, ran, junit := retryRun(t, mode, []string{"--retries", "1"}, "test_broken.py", "test_flaky.py")
			if sh.code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", sh.code, sh.output)
			}
			checkAttempts(t, ran, map[string]int64{"always": 2, "second": 2, "third": 2, "module_fixture": 2})
			cases := readRetryCases(t, junit)
			for _, name := range []string{"test_fails_always", "test_passes_on_third"} {
				c := cases[name]
				if len(c.Failures) != 1 || len(c.RerunFailure) != 1 || len(c.Flaky) != 0 {
					t.Errorf("%s: %+v, want one failure and one rerunFailure", name, c)
				}
			}
			if c := cases["test_fails_always"]; len(c.RerunFailure) == 1 && !strings.Contains(c.RerunFailure[0].Message, "attempt 1") {
				t.Errorf("rerunFailure is not the first attempt's: %+v", c.RerunFailure[0])
			}
			if c := cases["test_passes_on_second"]; len(c.Flaky) != 1 || len(c.Failures) != 0 {
				t.Errorf("test_passes_on_second: %+v, want one flakyFailure", c)
			}
			if !strings.Contains(sh.stdout, "2 failed, 3 passed, 1 skipped, 1 xfailed, 4 rerun in ") {
				t.Errorf("stats line:\n%s", sh.stdout)
			}
		})
	}
}

// TestRetriesCrash: a test whose retry crashes its worker fails as a
// crash, and keeps its first attempt: the run record has that attempt and
// the JUnit report a <rerunFailure> beside the crash's <failure>.
func TestRetriesCrash(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, ran, junit := retryRun(t, mode, []string{"--retries", "1"}, "test_crash_on_retry.py")
			if sh.code != 1 || !strings.Contains(sh.stdout, "crashed while running 'test_crash_on_retry.py::test_crashes_on_retry'") {
				t.Fatalf("exit %d, want 1 and the crash:\n%s", sh.code, sh.output)
			}
			checkAttempts(t, ran, map[string]int64{"crash": 2})
			if len(sh.record.Tests) != 1 || len(sh.record.Tests[0].Attempts) != 1 || sh.record.Tests[0].Outcome != "failed" {
				t.Errorf("record: %+v, want one failed test with one earlier attempt", sh.record.Tests)
			}
			c := readRetryCases(t, junit)["test_crashes_on_retry"]
			if len(c.Failures) != 1 || len(c.RerunFailure) != 1 || !strings.Contains(c.RerunFailure[0].Message, "attempt 1") {
				t.Errorf("junit: %+v, want the crash's failure and the first attempt's rerunFailure", c)
			}
			if !strings.Contains(sh.stdout, "1 failed, 1 rerun in ") {
				t.Errorf("stats line:\n%s", sh.stdout)
			}
		})
	}
}

// TestRetriesMaxFail: as with pytest-rerunfailures, a failure that runs
// again does not count towards --maxfail/-x; the last attempt's does.
func TestRetriesMaxFail(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh, ran, _ := retryRun(t, mode, []string{"--retries", "2"}, "-x", "test_flaky.py")
			if sh.code != 0 || sh.record.Stopped != "" || len(sh.record.NotRun) > 0 {
				t.Fatalf("exit %d, stopped %q, not run %v; want 0, not stopped:\n%s", sh.code, sh.record.Stopped, sh.record.NotRun, sh.output)
			}
			checkAttempts(t, ran, map[string]int64{"second": 2, "third": 3, "module_fixture": 2})
			sh, ran, _ = retryRun(t, mode, []string{"--retries", "1"}, "--maxfail", "1", "test_broken.py")
			if sh.code != 1 || sh.record.Stopped == "" {
				t.Fatalf("exit %d, stopped %q; want 1, stopped:\n%s", sh.code, sh.record.Stopped, sh.output)
			}
			checkAttempts(t, ran, map[string]int64{"always": 2})
		})
	}
}

// TestRetriesConfig: [tool.shoal] retries works as --retries; with
// pytest-rerunfailures' --reruns shoal refuses with one line, exit 4.
func TestRetriesConfig(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "retries")
	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[tool.shoal]\nretries = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	counts := t.TempDir()
	sh := runShoal(t, dir, shoalCall{mode: startModes[0], env: baseEnv("RETRY_COUNTS=" + counts), args: []string{"test_flaky.py"}})
	if sh.code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", sh.code, sh.output)
	}
	checkAttempts(t, attempts(t, counts), map[string]int64{"third": 3})
	sh = runShoal(t, dir, shoalCall{mode: startModes[0], env: baseEnv("RETRY_COUNTS=" + counts), args: []string{"--reruns", "1"}})
	lines := strings.Split(strings.TrimSpace(sh.stderr), "\n")
	if sh.code != 4 || !strings.Contains(lines[0], "--reruns") || len(lines) > 2 || strings.Contains(sh.stderr, "goroutine") {
		t.Errorf("exit %d, want 4 with one line and a hint:\n%s", sh.code, sh.output)
	}
}
