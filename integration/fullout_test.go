//go:build integration

package integration_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStdoutFull: shoal's standard output is /dev/full, where every write
// fails (a full disk). The tests all pass, yet the user saw nothing: the
// run must not exit 0. It says why on stderr, exits 3, and still writes
// its JUnit file and run record. pytest itself exits 1 there, with a
// traceback.
func TestStdoutFull(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Skipf("no /dev/full here: %v", err)
			}
			defer full.Close()
			dir := copySuite(t, "fixtures")
			tmp := t.TempDir()
			rec, junit := filepath.Join(tmp, "record.json"), filepath.Join(tmp, "junit.xml")
			c := shoalCall{mode: mode, args: []string{"--junitxml", junit}}
			cmd := exec.Command(shoalBin, shoalArgs(c, rec)...)
			var stderr bytes.Buffer
			cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, baseEnv("TMPDIR="+privateTmp(t)), full, &stderr
			if err := cmd.Run(); cmd.ProcessState == nil {
				t.Fatalf("cannot run shoal: %v", err)
			}
			code := cmd.ProcessState.ExitCode()
			const want = "shoal: error: cannot write to standard output: "
			if code != 3 || !strings.Contains(stderr.String(), want) {
				t.Errorf("shoal exited %d, want 3, saying %q:\n%s", code, want, stderr.String())
			}
			if r := readRecord(t, rec); r == nil || r.ExitCode != 0 || len(r.Tests) == 0 {
				t.Errorf("the run record should hold the passing tests: %+v", r)
			}
			if _, err := os.Stat(junit); err != nil {
				t.Errorf("no JUnit file: %v", err)
			}
		})
	}
}
