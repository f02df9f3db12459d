//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOrderWithinModules runs the order suite three times in one
// directory: history exists from the second run on and knows which tests
// are slow. Each module's and class's tests still run in collection order
// on one worker (pytest-order's order where it reorders, also where its
// marks name tests of another file), so all pass.
func TestOrderWithinModules(t *testing.T) {
	requirePython(t)
	t.Parallel()
	// The files of one module each are collected by the workers, one at a
	// time; with test_across_a.py the session collects everything.
	within := []string{"test_chain.py", "test_ordered.py", "test_other.py"}
	for _, workers := range []string{"1", "3"} {
		t.Run("-n "+workers, func(t *testing.T) {
			t.Parallel()
			orderThrice(t, startModes[0], workers, within)
		})
	}
	for _, mode := range startModes {
		t.Run("across files "+mode.name, func(t *testing.T) {
			t.Parallel()
			orderThrice(t, mode, "3", nil)
		})
	}
}

func orderThrice(t *testing.T, mode startMode, workers string, args []string) {
	dir := copySuite(t, "order")
	for round := 1; round <= 3; round++ {
		sh := runShoal(t, dir, shoalCall{mode: mode, flags: []string{"-n", workers}, args: args})
		if sh.code != 0 {
			t.Fatalf("run %d exited %d:\n%s", round, sh.code, sh.output)
		}
	}
}

// TestDistModes: pytest-xdist's --dist is honoured or refused, never
// ignored.
func TestDistModes(t *testing.T) {
	requirePython(t)
	t.Parallel()
	tests := []struct {
		dist    string
		code    int
		message string
	}{
		{"loadfile", 0, ""},
		{"loadscope", 0, ""},
		{"load", 0, ""},
		{"each", 4, "--dist each (every test on every worker) is not supported"},
		{"no", 4, "--dist no turns distribution off"},
	}
	for _, tc := range tests {
		t.Run(tc.dist, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "order"), shoalCall{mode: startModes[0], flags: []string{"--dist", tc.dist, "test_other.py"}})
			if sh.code != tc.code || !strings.Contains(sh.stdout+sh.stderr, tc.message) {
				t.Errorf("--dist %s: exit %d, want %d saying %q:\n%s", tc.dist, sh.code, tc.code, tc.message, sh.output)
			}
		})
	}
}

// TestFailedAndNewFirst: pytest's --ff starts last run's failure first and
// --nf a new file, although history sends the slow files out first, and
// the cache's nodeids then hold the new test, as pytest's would.
func TestFailedAndNewFirst(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "first")
	env := baseEnv("TMPDIR=" + privateTmp(t))
	log := filepath.Join(dir, "started.log")
	// firstTwo runs shoal and says which tests started first: two workers
	// start one each at once.
	firstTwo := func(args ...string) []string {
		t.Helper()
		os.Remove(log)
		argv := append([]string{"run", "-n", "2", "--python", python, "-q"}, args...)
		if sh := execute(t, dir, env, hangTimeout, termGrace, shoalBin, argv...); sh.code != 1 {
			t.Fatalf("shoal %v exited %d, want 1:\n%s", args, sh.code, sh)
		}
		data, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(string(data))[:2]
	}
	firstTwo() // history learns the slow files, the cache the failure
	if got := firstTwo("--ff"); !slices.Contains(got, "fails") {
		t.Errorf("--ff: the first tests to start were %v, not last run's failure", got)
	}
	src := "from conftest import started\n\n\ndef test_new():\n    started(\"new\")\n"
	if err := os.WriteFile(filepath.Join(dir, "test_y_new.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := firstTwo("--nf"); !slices.Contains(got, "new") {
		t.Errorf("--nf: the first tests to start were %v, not the new file's", got)
	}
	ids, _ := readCache(t, dir, "nodeids").([]any)
	if !slices.Contains(ids, any("test_y_new.py::test_new")) {
		t.Errorf("after --nf the cache's nodeids are %v, without the new test", ids)
	}
}
