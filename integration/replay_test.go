//go:build integration

package integration_test

import (
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The polluted suite on one worker: test_polluter leaves shared state
// changed and test_victim, later on the same worker, fails. shoal replay
// --worker runs the worker's tests again in the same order, and the
// victim fails again; --test bisects the ten tests before it down to the
// polluter, names it and exits 1.
func TestReplay(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "polluted")
	rec := filepath.Join(t.TempDir(), "run.json")
	sh := runShoal(t, dir, shoalCall{flags: []string{"-n", "1", "--no-history", "--report-json", rec}})
	const victim, polluter = "test_b_pollute.py::test_victim", "test_b_pollute.py::test_polluter"
	recorded := readRecord(t, rec)
	if sh.code != 1 || recorded == nil || recorded.outcomes(t)[victim] != "failed" {
		t.Fatalf("want the victim to fail after its polluter:\n%s", sh.output)
	}
	replay := func(args ...string) output {
		argv := append([]string{"replay", rec, "--python", python}, args...)
		return execute(t, dir, append(baseEnv(), "TMPDIR="+privateTmp(t)), hangTimeout, termGrace, shoalBin, argv...)
	}

	out := replay("--test", victim)
	if out.code != 1 {
		t.Fatalf("replay --test: exit %d, want 1:\n%s", out.code, out)
	}
	named := regexp.MustCompile(`(?m)fails after \(its polluters\), found in \d+ runs:\n((?:  .*\n)+)`).FindStringSubmatch(out.stdout)
	if named == nil || strings.TrimSpace(named[1]) != polluter {
		t.Errorf("replay --test does not name the polluter alone:\n%s", out.stdout)
	}

	out = replay("--worker", "gw0", "--", "-p", "no:cacheprovider", "-v")
	if out.code != 1 || !strings.Contains(out.stdout, "FAILED "+victim) {
		t.Fatalf("replay --worker: exit %d, want 1 with the victim failed:\n%s", out.code, out)
	}
	var order []string
	for _, m := range regexp.MustCompile(`(?m)^\[gw0\] \[ *\d+%\] \w+ (\S+)`).FindAllStringSubmatch(out.stdout, -1) {
		order = append(order, m[1])
	}
	tests := slices.Clone(recorded.Tests)
	sort.SliceStable(tests, func(i, j int) bool { return tests[i].Start < tests[j].Start })
	var want []string
	for _, rt := range tests {
		want = append(want, rt.NodeID)
	}
	if !slices.Equal(order, want) {
		t.Errorf("replay --worker ran %v, want the recorded order %v", order, want)
	}

	if out := replay("--worker", "gw7"); out.code != 4 || !strings.Contains(out.stderr, `no test ran on worker "gw7"`) {
		t.Errorf("replay of a worker that did not run: %s", out)
	}
}
