//go:build integration

package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkersDrawTheirOwnRandomNumbers: the session imports numpy before it
// forks, yet each worker's first draw from numpy's global random state is
// its own, as it is in separate processes; Python's random module too.
func TestWorkersDrawTheirOwnRandomNumbers(t *testing.T) {
	requirePython(t)
	if out, err := exec.Command(python, "-c", "import numpy").CombinedOutput(); err != nil {
		if os.Getenv("SHOAL_REQUIRE_PYTEST") == "1" {
			t.Fatalf("numpy does not import (scripts/deps.sh installs python3-numpy): %v: %s", err, out)
		}
		t.Skipf("numpy does not import: %s", out)
	}
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			draws := filepath.Join(t.TempDir(), "draws")
			env := append(baseEnv(), "SHOAL_IT_DRAWS="+draws)
			sh := runShoal(t, copySuite(t, "random_state"), shoalCall{mode: mode, env: env})
			if sh.code != 0 {
				t.Fatalf("shoal exited %d, want 0:\n%s", sh.code, sh.output)
			}
			data, err := os.ReadFile(draws)
			if err != nil {
				t.Fatal(err)
			}
			first := map[string][]string{} // pid → its first numpy and random draws
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				f := strings.Fields(line)
				if len(f) != 3 {
					t.Fatalf("draws line %q: want a pid and two numbers", line)
				}
				if _, seen := first[f[0]]; !seen {
					first[f[0]] = f[1:]
				}
			}
			if len(first) != 2 {
				t.Fatalf("%d processes drew numbers, want the 2 workers:\n%s", len(first), data)
			}
			var got [][]string
			for _, d := range first {
				got = append(got, d)
			}
			if got[0][0] == got[1][0] {
				t.Errorf("both workers drew %s first from numpy's global random state", got[0][0])
			}
			if got[0][1] == got[1][1] {
				t.Errorf("both workers drew %s first from Python's random module", got[0][1])
			}
		})
	}
}
