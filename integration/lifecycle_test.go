//go:build integration

package integration_test

import (
	"os"
	"os/exec"
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
