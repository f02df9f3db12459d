//go:build integration

package integration_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPytestCache runs the cache suite with pytest in one copy and shoal in
// another, with pytest's cache on, and compares .pytest_cache's lastfailed,
// nodeids and stepwise after each step: a plain run, --lf, --lf once the
// failures are fixed, and --sw. The cache must be what pytest's would be,
// and pytest's flags must work from shoal's cache.
func TestPytestCache(t *testing.T) {
	requirePython(t)
	t.Parallel()
	pyDir, shDir := copySuite(t, "cache"), copySuite(t, "cache")
	steps := []struct {
		name  string
		args  []string
		fixed bool
		code  int
	}{
		{"plain", nil, false, 1},
		{"last failed", []string{"--lf"}, false, 1},
		{"stepwise", []string{"--sw"}, false, 2},
		{"last failed once fixed", []string{"--lf"}, true, 0},
		{"all again", nil, false, 1},
	}
	for _, st := range steps {
		env := baseEnv("TMPDIR=" + privateTmp(t))
		if st.fixed {
			env = append(env, "FIXED=1")
		}
		py := execute(t, pyDir, env, commandTimeout, termGrace, python, append([]string{"-m", "pytest", "-q"}, st.args...)...)
		argv := append([]string{"run", "-n", "2", "--python", python, "-q"}, st.args...)
		sh := execute(t, shDir, env, hangTimeout, termGrace, shoalBin, argv...)
		if py.code != st.code || sh.code != py.code {
			t.Fatalf("%s: pytest exited %d, shoal %d, want %d:\n%s", st.name, py.code, sh.code, st.code, sh)
		}
		for _, name := range []string{"lastfailed", "nodeids", "stepwise"} {
			want, got := readCache(t, pyDir, name), readCache(t, shDir, name)
			if st.name == "stepwise" && name == "stepwise" {
				// Which failure stops a parallel run first is the workers' race.
				if got == nil || got == "" {
					t.Errorf("%s: shoal's stepwise cache names no failed test: %v", st.name, got)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: .pytest_cache/v/cache/%s after shoal is %v, after pytest %v", st.name, name, got, want)
			}
		}
	}
}

func readCache(t *testing.T, dir, name string) any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".pytest_cache", "v", "cache", name))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}
