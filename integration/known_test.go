//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKnownFlakyFailure: once shoal verify has classed a test flaky, a
// `shoal run` in which it fails says so in a summary section of its own
// and marks its testcase in the JUnit file; the exit code stays 1.
func TestKnownFlakyFailure(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := t.TempDir()
	counts := t.TempDir()
	suite := `import os


def attempt():
    path = os.path.join(os.environ["KNOWN_COUNTS"], "n")
    with open(path, "a") as f:
        f.write("x")
    return os.path.getsize(path)


def test_sometimes():
    assert attempt() % 2 == 0, "failed on an odd attempt"


def test_steady():
    pass
`
	if err := os.WriteFile(filepath.Join(dir, "test_known.py"), []byte(suite), 0o644); err != nil {
		t.Fatal(err)
	}
	env := baseEnv("KNOWN_COUNTS="+counts, "TMPDIR="+privateTmp(t))
	out := execute(t, dir, env, 8*time.Minute, termGrace, shoalBin,
		"verify", "-n", "2", "--seed", "1", "--python", python, "--", "-p", "no:cacheprovider")
	if out.code != 1 || !strings.Contains(out.stdout, "flaky") {
		t.Fatalf("shoal verify should class test_sometimes flaky (exit 1):\n%s", out)
	}
	// Its next attempt fails: the count starts again.
	if err := os.Remove(filepath.Join(counts, "n")); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(t.TempDir(), "junit.xml")
	run := runShoal(t, dir, shoalCall{env: env, args: []string{"--junitxml", junit}})
	const want = "test_known.py::test_sometimes: known flaky"
	if run.code != 1 || !strings.Contains(run.stdout, "known problems (shoal verify)") || !strings.Contains(run.stdout, want) {
		t.Errorf("shoal run should exit 1 and say %q:\n%s", want, run.output)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `<property name="shoal_known_problem" value="flaky" />`) {
		t.Errorf("the JUnit file does not mark the known-flaky failure:\n%s", data)
	}
}
