//go:build integration

package integration_test

import (
	"strings"
	"testing"
)

// TestOrderWithinModules runs the order suite three times in one
// directory: history exists from the second run on and knows which tests
// are slow. Each module's and class's tests still run in collection order
// on one worker (pytest-order's order where it reorders), so all pass.
func TestOrderWithinModules(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, workers := range []string{"1", "3"} {
		t.Run("-n "+workers, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "order")
			for round := 1; round <= 3; round++ {
				sh := runShoal(t, dir, shoalCall{mode: startModes[0], flags: []string{"-n", workers}})
				if sh.code != 0 {
					t.Fatalf("run %d exited %d:\n%s", round, sh.code, sh.output)
				}
			}
		})
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
