//go:build integration

package integration_test

import (
	"testing"
)

// TestThreads: a session process that runs a Python thread after collection
// cannot fork safely, so shoal must spawn its workers, say why in its header,
// and still give plain pytest's results. The threads suite starts a sleeping
// daemon thread at import where SHOAL_IT_THREAD says (see its conftest.py and
// test_threaded.py); without it TestSuites sees shoal fork on the same tests.
func TestThreads(t *testing.T) {
	requirePython(t)
	t.Parallel()
	spawned := startMode{name: "spawn", header: "spawned (cannot fork: the session runs 2 Python threads after collection)"}
	forked := startModes[0]
	// Node ids in the arguments make the session collect eagerly, importing
	// the test modules itself; these select what the plain case runs.
	nodeIDs := []string{
		"test_plain.py", "test_threaded.py::test_sees_its_thread",
		"test_threaded.py::test_fails", "test_threaded.py::test_skipped",
	}
	tests := []struct {
		name   string
		thread string   // SHOAL_IT_THREAD
		args   []string // instead of the plain case's
		mode   startMode
	}{
		// The session's walk imports conftest.py.
		{"conftest thread", "conftest", nil, spawned},
		{"module thread, eager collection", "module", nodeIDs, spawned},
		// Collecting lazily, the session never imports the test module: the
		// thread starts in each worker, after the fork.
		{"module thread, lazy collection", "module", nil, forked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := findCase(t, "threads", "plain")
			if tc.args != nil {
				c.Args = tc.args
			}
			env := baseEnv("SHOAL_IT_THREAD=" + tc.thread)
			py := runPytestEnv(t, copySuite(t, "threads"), env, c.Args...)
			checkPytest(t, c, py)
			// The flags before "--" carry no mode: shoal decides.
			sh := runShoal(t, copySuite(t, "threads"), shoalCall{mode: tc.mode, env: env, args: c.Args})
			checkShoal(t, c, tc.mode, py, sh)
		})
	}
}
