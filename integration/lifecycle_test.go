//go:build integration

package integration_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// requireXdist skips t where pytest-xdist, which these tests compare shoal
// with, is not installed.
func requireXdist(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import xdist").Run(); err != nil {
		t.Skip("no pytest-xdist")
	}
}

// requireModule skips t where python cannot import module, or fails it
// where SHOAL_REQUIRE_PYTEST=1 says every dependency must be there, naming
// the Debian package scripts/deps.sh installs.
func requireModule(t *testing.T, module, pkg string) {
	t.Helper()
	if err := exec.Command(python, "-c", "import "+module).Run(); err != nil {
		if os.Getenv("SHOAL_REQUIRE_PYTEST") == "1" {
			t.Fatalf("%s does not import (scripts/deps.sh installs %s): %v", module, pkg, err)
		}
		t.Skip("no " + module)
	}
}

// TestWorkerLifecycle: the lifecycle suite's conftest is written for
// pytest-xdist: pytest_configure sees the worker's environment and
// config.workerinput (with what the controller's pytest_configure_node
// added), each worker hands a count back in config.workeroutput, and the
// controller's pytest_testnodedown collects them for its terminal summary.
// Under shoal, forked or spawned, every test passes as under pytest -n 2,
// and the controller prints the same line.
func TestWorkerLifecycle(t *testing.T) {
	requirePython(t)
	requireXdist(t)
	t.Parallel()
	c := findCase(t, "lifecycle", "plain")
	const down = "nodes down: 2, tests run on them: 6, workeroutput from the right worker: True, errors: []"
	py := runPytest(t, copySuite(t, "lifecycle"), c.Args...)
	checkPytest(t, c, py)
	if strings.Contains(py.stdout, "nodes down:") {
		t.Errorf("plain pytest has no workers, yet its output says:\n%s", py.stdout)
	}
	xdist := runPytest(t, copySuite(t, "lifecycle"), "-n", "2")
	if xdist.code != 0 || !strings.Contains(xdist.stdout, down) {
		t.Fatalf("pytest -n 2 should pass and say %q:\n%s", down, xdist.output)
	}
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "lifecycle"), shoalCall{mode: mode, args: c.Args})
			checkShoal(t, c, mode, py, sh)
			if !strings.Contains(sh.stdout, down) {
				t.Errorf("shoal's output does not say %q:\n%s", down, sh.stdout)
			}
		})
	}
}

// TestSessionOutput: what the session's hooks print (the session_output
// suite's conftest.py) reaches the terminal where pytest -n 2 prints it:
// pytest_configure and pytest_sessionstart before the header, a terminal
// summary (written through the terminal reporter and with print) and
// --durations between the failures and the short test summary,
// pytest_unconfigure after the closing line. The terminal reporter's
// statistics, which plugins read in their summary, count every test.
func TestSessionOutput(t *testing.T) {
	requirePython(t)
	requireXdist(t)
	t.Parallel()
	args := []string{"--durations=2"}
	// The lines in the order pytest -n 2 prints them.
	want := []string{
		"session_output: pytest_configure in the session",
		"session_output: pytest_sessionstart in the session",
		"test session starts",
		"FAILURES",
		"session_output: terminal summary through the reporter: 1 failed, 3 passed",
		"session_output: terminal summary with print",
		"slowest 2 durations",
		"call     test_some.py::test_slower",
		"call     test_some.py::test_slow",
		"short test summary info",
		"1 failed, 3 passed",
		"session_output: pytest_unconfigure in the session",
	}
	xdist := runPytest(t, copySuite(t, "session_output"), append([]string{"-n", "2"}, args...)...)
	if got := inOrder(xdist.stdout, want); !slices.Equal(got, want) {
		t.Fatalf("pytest -n 2 prints %q of these lines in order, want %q:\n%s", got, want, xdist.output)
	}
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "session_output"), shoalCall{mode: mode, args: args})
			if sh.code != 1 {
				t.Errorf("shoal exited %d, want 1:\n%s", sh.code, sh.output)
			}
			if got := inOrder(sh.stdout, want); !slices.Equal(got, want) {
				t.Errorf("shoal prints %q of these lines in order, want %q:\n%s", got, want, sh.output)
			}
		})
	}
}

// inOrder is the prefix of want whose lines occur in out in that order,
// each in a line of its own.
func inOrder(out string, want []string) []string {
	lines := strings.Split(out, "\n")
	var got []string
	i := 0
	for _, w := range want {
		for i < len(lines) && !strings.Contains(lines[i], w) {
			i++
		}
		if i == len(lines) {
			break
		}
		got = append(got, w)
		i++
	}
	return got
}

// TestProcessExit: every process of a run ends as Python ends it, after
// its session: the process_exit suite's conftest leaves a file open with a
// buffered line, which Python flushes at exit, and registers an atexit
// function. Under shoal, forked or spawned, the controller and each worker
// leave the same files as pytest -n 2's do.
func TestProcessExit(t *testing.T) {
	requirePython(t)
	requireXdist(t)
	t.Parallel()
	exitFiles := func(t *testing.T, dir string) map[string]string {
		t.Helper()
		out := map[string]string{}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = string(data)
		}
		return out
	}
	want := map[string]string{
		"main.unclosed": "sessionfinish\n", "main.atexit": "atexit\n",
		"gw0.unclosed": "sessionfinish\n", "gw0.atexit": "atexit\n",
		"gw1.unclosed": "sessionfinish\n", "gw1.atexit": "atexit\n",
	}
	xdistOut := t.TempDir()
	xdist := runPytestEnv(t, copySuite(t, "process_exit"), baseEnv("EXIT_OUT="+xdistOut), "-n", "2")
	if xdist.code != 0 {
		t.Fatalf("pytest -n 2 should pass:\n%s", xdist.output)
	}
	if got := exitFiles(t, xdistOut); !maps.Equal(got, want) {
		t.Fatalf("pytest -n 2 left %q, want %q", got, want)
	}
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			sh := runShoal(t, copySuite(t, "process_exit"), shoalCall{mode: mode, env: baseEnv("EXIT_OUT=" + out)})
			if sh.code != 0 {
				t.Fatalf("shoal should pass:\n%s", sh.output)
			}
			if got := exitFiles(t, out); !maps.Equal(got, want) {
				t.Errorf("shoal's processes left %q, want what pytest -n 2's left: %q", got, want)
			}
		})
	}
}
