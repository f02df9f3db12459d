//go:build integration

package integration_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// checkNoOverlaps holds the run record to the markers: an exclusive test
// overlaps no other test, tests sharing a key never overlap, and a heavy
// test runs while enough workers stand idle.
func checkNoOverlaps(t *testing.T, sh shoalRun, _ string) {
	t.Helper()
	tests := append([]recordTest(nil), sh.record.Tests...)
	sort.Slice(tests, func(a, b int) bool { return tests[a].Start < tests[b].Start })
	marked := 0
	for i, a := range tests {
		if a.Exclusive || len(a.Locks) > 0 || a.Slots > 1 {
			marked++
		}
		busy := 0
		for j, b := range tests {
			if i == j || b.Worker == a.Worker || b.Start >= a.Stop || a.Start >= b.Stop {
				continue
			}
			busy++
			if a.Exclusive || b.Exclusive {
				t.Errorf("exclusive test overlaps another: %s on %s and %s on %s", a.NodeID, a.Worker, b.NodeID, b.Worker)
			}
			for _, k := range a.Locks {
				for _, l := range b.Locks {
					if k == l {
						t.Errorf("%s and %s both held %q at once", a.NodeID, b.NodeID, k)
					}
				}
			}
		}
		if a.Slots > 1 && busy > len(sh.record.Workers)-a.Slots {
			t.Errorf("%s takes %d slots but overlapped %d other tests on %d workers", a.NodeID, a.Slots, busy, len(sh.record.Workers))
		}
	}
	if marked == 0 {
		t.Error("the run record marks no test as exclusive, locked or heavy")
	}
}

// TestBadMarkerArgumentsNameTheTest: a marker shoal cannot use stops the
// run before any test, with a line that names the test and says why.
func TestBadMarkerArgumentsNameTheTest(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "bad_marks"), shoalCall{mode: mode})
			if sh.code != 2 {
				t.Errorf("exit code %d, want 2:\n%s", sh.code, sh.output)
			}
			want := "test_bad.py::test_bad_slots: @pytest.mark.heavy needs slots=N with N a whole number of at least 1, not 'two'"
			if !strings.Contains(sh.stdout, want) {
				t.Errorf("output does not say %q:\n%s", want, sh.output)
			}
			if sh.record != nil && len(sh.record.Tests) != 0 {
				t.Errorf("%d tests ran; none should", len(sh.record.Tests))
			}
		})
	}
}

// TestPlanJSON: shoal plan collects without running and says what limits
// the run.
func TestPlanJSON(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "isolation")
	out := runShoalCommand(t, dir, "plan", "-n", "4", "--json")
	if out.code != 0 {
		t.Fatalf("shoal plan exited %d:\n%s", out.code, out)
	}
	var p struct {
		Tests     int      `json:"tests"`
		Exclusive int      `json:"exclusive"`
		Locked    int      `json:"locked"`
		Heavy     int      `json:"heavy"`
		Predicted *float64 `json:"predicted_makespan"`
		Bound     *float64 `json:"lower_bound"`
		Limits    []string `json:"limits"`
	}
	if err := json.Unmarshal([]byte(out.stdout), &p); err != nil {
		t.Fatalf("shoal plan --json: %v\n%s", err, out.stdout)
	}
	if p.Tests != 23 || p.Exclusive != 5 || p.Locked != 9 || p.Heavy != 1 {
		t.Errorf("counts: %+v, want 23 tests, 5 exclusive, 9 locked, 1 heavy", p)
	}
	if p.Predicted == nil || p.Bound == nil || *p.Bound > *p.Predicted {
		t.Errorf("predicted_makespan %v and lower_bound %v: want both, the bound no larger", p.Predicted, p.Bound)
	}
	if len(p.Limits) == 0 || !strings.HasPrefix(p.Limits[0], "isolation tests: ") {
		t.Errorf("limits: %q", p.Limits)
	}
	if strings.Contains(out.stdout, "passed") {
		t.Errorf("shoal plan ran tests:\n%s", out.stdout)
	}
}

// TestShardsSplitTheSuite: --shard K/N runs each test on exactly one of N
// runs, and each run counts the others' tests as deselected.
func TestShardsSplitTheSuite(t *testing.T) {
	requirePython(t)
	t.Parallel()
	seen := map[string]int{}
	for _, k := range []string{"1/3", "2/3", "3/3"} {
		sh := runShoal(t, copySuite(t, "isolation"), shoalCall{mode: startModes[0], flags: []string{"--shard", k}})
		// Two files, three shards: the tests are dealt out, none is empty.
		if sh.code != 0 {
			t.Fatalf("--shard %s exited %d:\n%s", k, sh.code, sh.output)
		}
		for _, rt := range sh.record.Tests {
			seen[rt.NodeID]++
		}
		if sh.code == 0 && sh.record.Summary["deselected"] == 0 {
			t.Errorf("--shard %s: no test counted as deselected: %v", k, sh.record.Summary)
		}
	}
	if len(seen) != 23 {
		t.Errorf("the shards ran %d distinct tests, want 23", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s ran in %d shards", id, n)
		}
	}
}

// TestShardsAgreeWhateverTheirHistory: one machine has history, the other
// none; their shards still cover the suite exactly once. With a history
// file both read, the split is balanced by it and its digest is shown.
func TestShardsAgreeWhateverTheirHistory(t *testing.T) {
	requirePython(t)
	t.Parallel()
	measured := copySuite(t, "rounds")
	if sh := runShoal(t, measured, shoalCall{mode: startModes[0]}); sh.record == nil || len(sh.record.Tests) == 0 {
		t.Fatalf("the run that makes history ran nothing:\n%s", sh.output)
	}
	exported := filepath.Join(t.TempDir(), "history.json")
	export := execute(t, measured, baseEnv(), hangTimeout, termGrace, shoalBin, "history", "export", "-o", exported)
	if out := export; out.code != 0 {
		t.Fatalf("history export exited %d:\n%s", out.code, out)
	}
	for _, extra := range [][]string{nil, {"--shard-history", exported}} {
		seen := map[string]int{}
		for k, dir := range []string{measured, copySuite(t, "rounds")} {
			flags := append([]string{"--shard", fmt.Sprintf("%d/2", k+1)}, extra...)
			sh := runShoal(t, dir, shoalCall{mode: startModes[0], flags: flags})
			if sh.code != 0 || sh.record == nil {
				t.Fatalf("%v exited %d:\n%s", flags, sh.code, sh.output)
			}
			want := "split by test counts"
			if extra != nil {
				want = "balanced by the history file with digest "
			}
			if !strings.Contains(sh.stdout, want) {
				t.Errorf("%v: the header does not say %q:\n%s", flags, want, sh.stdout)
			}
			for _, rt := range sh.record.Tests {
				seen[rt.NodeID]++
			}
		}
		if len(seen) != 50 {
			t.Errorf("%v: the shards ran %d distinct tests, want 50", extra, len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%v: %s ran in %d shards", extra, id, n)
			}
		}
	}
}

// runShoalCommand runs a shoal subcommand in dir with the test's Python.
func runShoalCommand(t *testing.T, dir string, args ...string) output {
	t.Helper()
	env := append(baseEnv(), "TMPDIR="+privateTmp(t))
	return execute(t, dir, env, hangTimeout, termGrace, shoalBin, append(args, "--python", python)...)
}

// TestHistory: a run keeps its tests' durations for the next plan, and a
// corrupt history file costs a warning and a fresh store, never the run.
func TestHistory(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "isolation")
	sh := runShoal(t, dir, shoalCall{mode: startModes[0]})
	if sh.code != 0 {
		t.Fatalf("first run exited %d:\n%s", sh.code, sh.output)
	}
	out := runShoalCommand(t, dir, "plan", "-n", "2", "--json")
	var p struct {
		Measured         int     `json:"measured"`
		Startup          float64 `json:"startup"`
		Overhead         float64 `json:"overhead"`
		OverheadMeasured bool    `json:"overhead_measured"`
	}
	if err := json.Unmarshal([]byte(out.stdout), &p); err != nil {
		t.Fatalf("shoal plan --json: %v\n%s", err, out)
	}
	if p.Measured != 23 || p.Startup <= 0 {
		t.Errorf("after one run the plan knows %d of 23 tests and a start-up of %.3f s; want all and > 0", p.Measured, p.Startup)
	}
	if !p.OverheadMeasured || p.Overhead <= 0 {
		t.Errorf("after one run the plan counts %.6f s a test besides its duration, measured: %v; want it measured", p.Overhead, p.OverheadMeasured)
	}
	db := filepath.Join(dir, ".shoal", "history.db")
	if err := os.WriteFile(db, []byte("this is not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	sh = runShoal(t, dir, shoalCall{mode: startModes[0]})
	if sh.code != 0 {
		t.Errorf("a run over a corrupt history exited %d:\n%s", sh.code, sh.output)
	}
	if !strings.Contains(sh.stderr, "shoal: warning: ") || !strings.Contains(sh.stderr, "history") {
		t.Errorf("no warning about the corrupt history on stderr:\n%s", sh.stderr)
	}
	if _, err := os.Stat(db + ".corrupt"); err != nil {
		t.Errorf("the corrupt file was not kept aside: %v", err)
	}
	sh = runShoal(t, dir, shoalCall{mode: startModes[0], flags: []string{"--no-history"}})
	if sh.code != 0 || strings.Contains(sh.stderr, "warning") {
		t.Errorf("--no-history run: exit %d, stderr %q", sh.code, sh.stderr)
	}
}

// TestPlannedBarriers: once history knows every test, shoal plans the
// barriers ahead: the plan says so, no exclusive test overlaps another, and
// each module's fixture is set up once in the whole run, for its ordinary
// and its isolation tests alike.
func TestPlannedBarriers(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "rounds")
	call := shoalCall{mode: startModes[0], flags: []string{"-n", "4"}}
	if sh := runShoal(t, dir, call); sh.code != 0 {
		t.Fatalf("first run exited %d:\n%s", sh.code, sh.output)
	}
	plan := runShoalCommand(t, dir, "plan", "-n", "4")
	if !strings.Contains(plan.stdout, "planned ahead") {
		t.Errorf("after one run the plan does not plan the barriers ahead:\n%s", plan)
	}
	log := filepath.Join(dir, "setups.log")
	if err := os.Remove(log); err != nil {
		t.Fatal(err)
	}
	call.flags = append(call.flags, "-v")
	sh := runShoal(t, dir, call)
	if sh.code != 0 || sh.record == nil || sh.record.Summary["passed"] != 50 {
		t.Fatalf("second run: exit %d, want 0 and 50 passed:\n%s", sh.code, sh.output)
	}
	if !strings.Contains(sh.stdout, "planned ahead from history") {
		t.Errorf("-v does not say the barriers were planned ahead:\n%s", sh.stdout)
	}
	checkNoOverlaps(t, sh, "")
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	setups := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		setups[strings.Fields(line)[0]]++
	}
	if len(setups) != 10 {
		t.Errorf("%d modules set up, want 10: %v", len(setups), setups)
	}
	for module, n := range setups {
		if n != 1 {
			t.Errorf("%s was set up %d times, want once", module, n)
		}
	}
}

// TestCollectOnlyConfigureError: where a conftest's pytest_configure
// raises, shoal plan and shoal verify say so, with pytest's INTERNALERROR,
// and exit 3 as pytest does; they do not plan or verify an empty suite.
func TestCollectOnlyConfigureError(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"conftest.py": "def pytest_configure(config):\n    raise RuntimeError(\"no database for this suite\")\n",
		"test_a.py":   "def test_a():\n    pass\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, command := range []string{"plan", "verify"} {
		out := runShoalCommand(t, dir, command, "-n", "2")
		want := "shoal: error: pytest stopped before it collected the suite: RuntimeError: no database for this suite"
		if out.code != 3 || !strings.Contains(out.stderr, want) || !strings.Contains(out.stderr, "INTERNALERROR>") {
			t.Errorf("shoal %s: exit %d, want 3 saying %q after pytest's INTERNALERROR:\n%s", command, out.code, want, out)
		}
	}
}
