//go:build integration

package integration_test

import (
	"strings"
	"testing"
)

// TestPytestOptionsAnywhere gives pytest's options among shoal's, before
// "--": values written apart (--tb short), short options written together
// with shoal's -n (-svn2), and an option of a plugin (--hypothesis-seed).
// They reach pytest as pytest would read them.
func TestPytestOptionsAnywhere(t *testing.T) {
	requirePython(t)
	t.Parallel()
	pytestArgs := []string{"--tb", "short", "-sv", "-k", "fail", "--deselect", "test_basic.py::test_slow_smoke_fail", "test_basic.py"}
	dir := copySuite(t, "outcomes")
	py := runPytest(t, dir, pytestArgs...)
	shoalFlags := append([]string{"--tb", "short", "-svn2", "--hypothesis-seed", "3"}, pytestArgs[3:]...)
	sh := runShoal(t, dir, shoalCall{mode: startModes[0], flags: shoalFlags})
	if sh.code != py.code || py.code != 1 {
		t.Fatalf("shoal exited %d, pytest %d, want 1:\n%s", sh.code, py.code, sh.output)
	}
	if d := diffOutcomes(py.outcomes, sh.record.outcomes(t)); d != "" {
		t.Errorf("outcomes differ (-pytest +shoal):\n%s", d)
	}
	// --tb short's form of the failure.
	for _, want := range []string{"test_basic.py:13: in test_fail", "9 deselected"} {
		if !strings.Contains(py.stdout, want) || !strings.Contains(sh.stdout, want) {
			t.Errorf("pytest and shoal should both say %q:\npytest:\n%s\nshoal:\n%s", want, py.stdout, sh.output)
		}
	}
	// -v's line per test, in xdist's form.
	if want := "] FAILED test_basic.py::test_fail\n"; !strings.Contains(sh.stdout, want) {
		t.Errorf("shoal -v should say %q:\n%s", want, sh.output)
	}
}
