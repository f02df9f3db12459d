//go:build integration

package integration_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestExitCodes: runs that end otherwise than by their tests' outcomes
// (the exitcodes suite, SHOAL_IT_CASE) exit as plain pytest does and show
// what pytest shows: pytest_sessionfinish that raises (1, its traceback) or
// sets session.exitstatus (3, or 0 over a failed test), an internal error
// in a hook (3, INTERNALERROR), pytest.exit in a session fixture (2) or
// with a return code (7), a test that raises KeyboardInterrupt or sends
// SIGINT to its process group (2, where it was interrupted).
func TestExitCodes(t *testing.T) {
	requirePython(t)
	t.Parallel()
	tests := []struct {
		name string
		code int
		// shows match lines pytest prints, and shoal must too.
		shows []string
	}{
		{"finish_raise", 1, []string{"RuntimeError: raised in pytest_sessionfinish"}},
		{"finish_status3", 3, []string{"3 passed"}},
		{"finish_status0", 0, []string{"1 failed, 2 passed"}},
		{"hook_error", 3, []string{"INTERNALERROR> RuntimeError: raised in pytest_runtest_logreport"}},
		{"exit_fixture", 2, []string{"!!! _pytest.outcomes.Exit: pytest.exit in a session fixture !!!"}},
		{"exit7", 7, []string{"!!! _pytest.outcomes.Exit: pytest.exit with returncode 7 !!!"}},
		{"keyboard", 2, []string{"!!! KeyboardInterrupt !!!", "test_end.py:12: KeyboardInterrupt",
			`\(to show a full traceback on KeyboardInterrupt use --full-trace\)`}},
		// The signal arrives as os.killpg returns, or in the sleep after it.
		{"killpg", 2, []string{"!!! KeyboardInterrupt !!!", `test_end.py:1[45]: KeyboardInterrupt`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := baseEnv("SHOAL_IT_CASE=" + tc.name)
			// Not runPytest: its observer writes nothing where pytest_sessionfinish raises.
			py := execute(t, copySuite(t, "exitcodes"), append(env, "TMPDIR="+privateTmp(t)), commandTimeout, termGrace,
				python, "-m", "pytest", "-p", "no:cacheprovider")
			if py.code != tc.code {
				t.Fatalf("pytest exited %d, want %d:\n%s", py.code, tc.code, py)
			}
			for _, s := range tc.shows {
				if !regexp.MustCompile(s).MatchString(py.stdout + py.stderr) {
					t.Fatalf("pytest does not show %q:\n%s", s, py)
				}
			}
			for _, mode := range startModes {
				t.Run(mode.name, func(t *testing.T) {
					t.Parallel()
					sh := runShoal(t, copySuite(t, "exitcodes"), shoalCall{mode: mode, env: env})
					if sh.code != py.code {
						t.Errorf("shoal exited %d, pytest %d:\n%s", sh.code, py.code, sh.output)
					}
					for _, s := range tc.shows {
						if !regexp.MustCompile(s).MatchString(sh.stdout + sh.stderr) {
							t.Errorf("shoal does not show %q:\n%s", s, sh.output)
						}
					}
					if strings.Contains(sh.stdout, "crashed while running") {
						t.Errorf("shoal reports a crash:\n%s", sh.output)
					}
				})
			}
		})
	}
}
