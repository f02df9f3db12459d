//go:build integration

package integration_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStrayLines runs the stray suite, whose tests write lines of their
// own on their worker's connection to shoal: no JSON, a kind shoal does
// not know, a result for a test that does not exist. Each such test fails
// saying what came; the run goes on, every other test passes, and the
// reports are written (exit 1, not an internal error).
func TestStrayLines(t *testing.T) {
	requirePython(t)
	t.Parallel()
	says := map[string]string{
		"test_stray.py::test_stray[garbage]":      `"not a message at all"`,
		"test_stray.py::test_stray[unknown_kind]": `a message of a kind shoal does not know: "nonsense"`,
		"test_stray.py::test_stray[unknown_test]": "a result for test 99:0, which it was not given",
	}
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "stray"), shoalCall{mode: mode})
			if sh.code != 1 || sh.record == nil {
				t.Fatalf("shoal should exit 1 and write its record:\n%s", sh.output)
			}
			if got := summaryLine(sh.stdout); got != "3 failed, 4 passed" {
				t.Errorf("summary line %q, want \"3 failed, 4 passed\"", got)
			}
			for _, rt := range sh.record.Tests {
				want, stray := says[rt.NodeID]
				switch {
				case !stray && rt.Outcome != "passed":
					t.Errorf("%s: %s, want passed", rt.NodeID, rt.Outcome)
				case stray && (rt.Outcome != "failed" || !strings.Contains(rt.Longrepr, want)):
					t.Errorf("%s: %s, want failed saying %q:\n%s", rt.NodeID, rt.Outcome, want, rt.Longrepr)
				}
			}
		})
	}
}

// TestOutOfFileDescriptors runs 16 workers where shoal may hold 40 files
// open: it cannot start (spawned) or hear (forked) every worker. The run
// stops as an interrupt does, writes its record and says why, instead of
// waiting for ever for workers it cannot hear.
func TestOutOfFileDescriptors(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "outcomes")
			rec := filepath.Join(t.TempDir(), "record.json")
			out := runWithFileLimit(t, dir, 40, shoalArgs(shoalCall{mode: mode, flags: []string{"-n", "16"}}, rec))
			// Spawned workers need descriptors to start, forked ones only to connect.
			const why = "Interrupted: shoal ran out of file descriptors (at most 40 open files) and cannot "
			if out.code != 2 || !strings.Contains(out.stdout, why) {
				t.Fatalf("shoal should exit 2 saying %q:\n%s", why, out)
			}
			if r := readRecord(t, rec); r == nil || !strings.HasPrefix(r.Stopped, why) {
				t.Errorf("the record should say the run stopped %q: %+v", why, r)
			}
		})
	}
}

// TestTooFewFileDescriptorsToStart: where shoal cannot even run the
// interpreter to check it, it says so and what to raise, not that the
// interpreter may not be Python.
func TestTooFewFileDescriptorsToStart(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "outcomes")
	out := runWithFileLimit(t, dir, 12, shoalArgs(shoalCall{mode: startModes[0], flags: []string{"-n", "2"}}, filepath.Join(t.TempDir(), "record.json")))
	if out.code != 4 || !strings.Contains(out.stderr, "ran out of file descriptors") ||
		!strings.Contains(out.stderr, "hint: raise the limit of open files (ulimit -n)") {
		t.Fatalf("shoal should exit 4 saying it ran out of file descriptors, with a hint:\n%s", out)
	}
}

// runWithFileLimit runs shoal with argv in dir where it may hold limit
// files open. The shell first closes the descriptors it inherited beyond
// the standard three, which would count against the limit and differ from
// one machine to another.
func runWithFileLimit(t *testing.T, dir string, limit int, argv []string) output {
	t.Helper()
	script := `for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; ` +
		fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, limit)
	out := execute(t, dir, append(baseEnv(), "TMPDIR="+privateTmp(t)), time.Minute, termGrace,
		"/bin/bash", append([]string{"-c", script, shoalBin}, argv...)...)
	checkNoneLeft(t, dir)
	if out.hung {
		t.Fatalf("shoal hung:\n%s", out)
	}
	return out
}
