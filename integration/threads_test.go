//go:build integration

package integration_test

import (
	"os/exec"
	"testing"
)

// TestThreads: shoal forks its workers from a process that has imported
// pytest and its plugins and nothing of the suite, and only where no
// thread runs there that a fork would leave half-done. A thread that a
// conftest or a test module starts runs in each worker, after the fork:
// shoal still forks. A plugin that starts a Python thread as it is
// imported, or an OpenMP loop that leaves GNU OpenMP's threads waiting,
// makes shoal spawn and say why; OpenBLAS's threads, which stop before a
// fork and start again after it, do not. Results stay pytest's either way.
// The threads suite starts its threads where SHOAL_IT_THREAD says (see its
// conftest.py, test_threaded.py and thread_plugin.py).
func TestThreads(t *testing.T) {
	requirePython(t)
	t.Parallel()
	forked := startModes[0]
	// Node ids in the arguments make every worker collect everything,
	// importing the test modules; these select what the plain case runs.
	nodeIDs := []string{
		"test_plain.py", "test_threaded.py::test_sees_its_thread",
		"test_threaded.py::test_fails", "test_threaded.py::test_skipped",
	}
	plugin := []string{"-p", "thread_plugin"}
	tests := []struct {
		name   string
		thread string   // SHOAL_IT_THREAD
		args   []string // instead of the plain case's
		env    []string
		mode   startMode
		// needs is a module the case needs; it skips without it.
		needs string
	}{
		{name: "conftest thread", thread: "conftest", mode: forked},
		{name: "module thread, eager collection", thread: "module", args: nodeIDs, mode: forked},
		{name: "module thread, lazy collection", thread: "module", mode: forked},
		{name: "plugin thread", thread: "plugin", args: plugin, mode: startMode{name: "spawn",
			header: "spawned (cannot fork: the fork server runs 2 Python threads)"}},
		{name: "OpenBLAS threads", thread: "openblas", args: plugin, env: []string{"OPENBLAS_NUM_THREADS=2"}, needs: "numpy",
			mode: startMode{name: "fork", header: "forked (1 OpenBLAS thread in the fork server, restarted after the fork)"}},
		{name: "GNU OpenMP threads", thread: "openmp", args: plugin, env: []string{"OMP_NUM_THREADS=2", "OPENBLAS_NUM_THREADS=1"},
			needs: "sklearn", mode: startMode{name: "spawn",
				header: "spawned (cannot fork: the fork server runs 1 native thread and GNU OpenMP (libgomp) is loaded: its threads do not survive a fork)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.needs != "" {
				if err := exec.Command(python, "-c", "import "+tc.needs).Run(); err != nil {
					t.Skipf("%s does not import: %v", tc.needs, err)
				}
			}
			c := findCase(t, "threads", "plain")
			if tc.args != nil {
				c.Args = tc.args
			}
			env := baseEnv(append([]string{"SHOAL_IT_THREAD=" + tc.thread}, tc.env...)...)
			py := runPytestEnv(t, copySuite(t, "threads"), env, c.Args...)
			checkPytest(t, c, py)
			// -v: the header says why it forked where threads run; the
			// flags before "--" carry no mode: shoal decides.
			sh := runShoal(t, copySuite(t, "threads"), shoalCall{mode: tc.mode, env: env, args: c.Args,
				flags: []string{"-v", "--thread-pools", "inherit"}})
			checkShoal(t, c, tc.mode, py, sh)
		})
	}
}

// TestRerunFailures: pytest-rerunfailures starts a server thread in the
// controller's pytest_configure (its workers connect to it); the fork
// server never configures, so shoal still forks, and the flaky marker's
// reruns count as under pytest (the reruns suite).
func TestRerunFailures(t *testing.T) {
	requirePython(t)
	requireModule(t, "pytest_rerunfailures", "python3-pytest-rerunfailures")
	t.Parallel()
	c := expectedCase{Name: "flaky", ExitCode: 1, Summary: "1 failed, 2 passed, 3 rerun", Outcomes: map[string]string{
		"test_flaky.py::test_passes_on_third_attempt": "passed",
		"test_flaky.py::test_fails_every_time":        "failed",
		"test_flaky.py::test_plain":                   "passed",
	}}
	py := runPytest(t, copySuite(t, "reruns"))
	checkPytest(t, c, py)
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "reruns"), shoalCall{mode: mode, flags: []string{"-v"}})
			checkShoal(t, c, mode, py, sh)
		})
	}
}
