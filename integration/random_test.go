//go:build integration

package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkersDrawTheirOwnRandomNumbers: every worker starts in the random
// state a freshly started one has. Unseeded, no two workers draw the same
// numbers from numpy's global random state or Python's random module, also
// where a plugin imported numpy in the fork server, before any fork. Where
// the conftest seeds both at import, every worker draws the seeded numbers,
// as a pytest-xdist worker does. Each worker draws as its session starts
// (the random_state suite's conftest.py), so both draw whichever tests they
// get. The suite's test_gc.py checks that gc sees what the conftest made.
func TestWorkersDrawTheirOwnRandomNumbers(t *testing.T) {
	requirePython(t)
	if out, err := exec.Command(python, "-c", "import numpy").CombinedOutput(); err != nil {
		if os.Getenv("SHOAL_REQUIRE_PYTEST") == "1" {
			t.Fatalf("numpy does not import (scripts/deps.sh installs python3-numpy): %v: %s", err, out)
		}
		t.Skipf("numpy does not import: %s", out)
	}
	t.Parallel()
	seeded, err := exec.Command(python, "-c",
		"import random, numpy.random; random.seed(0); numpy.random.seed(0); print(repr(numpy.random.random()), repr(random.random()))").Output()
	if err != nil {
		t.Fatalf("cannot draw the seeded numbers: %v", err)
	}
	tests := []struct {
		name string
		env  []string
		args []string
		// want is what every worker draws first; "" where each draws its own.
		want string
	}{
		{name: "unseeded"},
		{name: "unseeded, numpy imported before the fork", args: []string{"-p", "numpy_plugin"}},
		{name: "seeded at import", env: []string{"SHOAL_IT_SEED=1"}, want: strings.TrimSpace(string(seeded))},
	}
	for _, mode := range startModes {
		for _, tc := range tests {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				draws := filepath.Join(t.TempDir(), "draws")
				env := append(baseEnv(tc.env...), "SHOAL_IT_DRAWS="+draws)
				sh := runShoal(t, copySuite(t, "random_state"), shoalCall{mode: mode, env: env, args: tc.args})
				if sh.code != 0 {
					t.Fatalf("shoal exited %d, want 0:\n%s", sh.code, sh.output)
				}
				data, err := os.ReadFile(draws)
				if err != nil {
					t.Fatal(err)
				}
				first := map[string]string{} // worker → its numpy and random draws
				for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
					worker, numbers, ok := strings.Cut(line, " ")
					if !ok || len(strings.Fields(numbers)) != 2 {
						t.Fatalf("draws line %q: want a worker and two numbers", line)
					}
					if _, seen := first[worker]; !seen {
						first[worker] = numbers
					}
				}
				if len(first) != 2 {
					t.Fatalf("%d workers drew numbers, want 2:\n%s", len(first), data)
				}
				checkDraws(t, first, tc.want)
			})
		}
	}
}

// checkDraws: each worker drew want, or, where want is "", no number of
// one worker's draws is the other's.
func checkDraws(t *testing.T, first map[string]string, want string) {
	t.Helper()
	if want != "" {
		for worker, got := range first {
			if got != want {
				t.Errorf("%s drew %s, want the seeded %s", worker, got, want)
			}
		}
		return
	}
	a, b := strings.Fields(first["gw0"]), strings.Fields(first["gw1"])
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("draws %v: want gw0 and gw1", first)
	}
	if a[0] == b[0] {
		t.Errorf("both workers drew %s first from numpy's global random state", a[0])
	}
	if a[1] == b[1] {
		t.Errorf("both workers drew %s first from Python's random module", a[1])
	}
}
