//go:build integration

package integration_test

import (
	"fmt"
	mathrand "math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The verify suite (testdata/suites/verify) plants a flaky test, two
// tests polluted through module state and the environment, a brittle one
// and two pairs that collide on a fixed port and a fixed file, among
// stable tests; truth.json says what shoal verify must find. Every run
// here gets a shared directory and a port of its own.

type verifyTruth struct {
	Class         string   `json:"class"`
	Brittle       bool     `json:"brittle"`
	Polluters     []string `json:"polluters"`
	Needs         []string `json:"needs"`
	ConflictsWith []string `json:"conflicts_with"`
}

type verifyVerdict struct {
	verifyTruth
	NodeID    string   `json:"nodeid"`
	Runs      int      `json:"runs"`
	Failures  int      `json:"failures"`
	Evidence  []string `json:"evidence"`
	Explained bool     `json:"explained"`
	Reproduce string   `json:"reproduce"`
}

type verifyReport struct {
	Tests   []verifyVerdict `json:"tests"`
	Summary struct {
		Tests       int      `json:"tests"`
		Stable      int      `json:"stable"`
		Unexplained []string `json:"unexplained"`
		Runs        int      `json:"runs"`
		Seed        int64    `json:"seed"`
	} `json:"summary"`
}

// verifySuite copies the suite and gives it a directory and a port of its
// own: a random one, below the ports shoal's workers and the system's
// outgoing connections take, so that other runs on the host hold it by
// chance only.
func verifySuite(t *testing.T) (dir string, env []string) {
	t.Helper()
	dir = copySuite(t, "verify")
	port := 12000 + mathrand.IntN(5000)
	return dir, baseEnv("VERIFY_SUITE_DIR="+t.TempDir(), fmt.Sprintf("VERIFY_SUITE_PORT=%d", port), "TMPDIR="+privateTmp(t))
}

// verify runs `shoal verify --python PY --json F FLAGS -- -p no:cacheprovider ARGS` and reads its report.
func verify(t *testing.T, dir string, env, flags, args []string) (verifyReport, output) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "verify.json")
	argv := append([]string{"verify", "--python", python, "--json", path}, flags...)
	argv = append(append(argv, "--", "-p", "no:cacheprovider"), args...)
	out := execute(t, dir, env, 8*time.Minute, termGrace, shoalBin, argv...)
	if out.hung {
		t.Fatalf("shoal verify did not finish:\n%s", out)
	}
	return readReport[verifyReport](t, path, out), out
}

// TestVerifyPlantedSuite verifies the suite with the default settings and
// a fixed seed, and holds every test's class, polluters, needed tests and
// partners to truth.json; no stable test may get a class. The commands it
// gives to reproduce an order dependence must show it under plain pytest.
func TestVerifyPlantedSuite(t *testing.T) {
	requirePython(t)
	dir, env := verifySuite(t)
	truth := readSuiteTruth[verifyTruth](t, "verify")
	rep, out := verify(t, dir, env, []string{"-n", "2", "--seed", "1", "--no-history"}, nil)
	if out.code != 1 {
		t.Fatalf("exit code %d, want 1 (tests are not stable):\n%s", out.code, out)
	}
	if rep.Summary.Tests != 19 || len(rep.Tests) != 19 {
		t.Fatalf("%d tests in the report, want 19:\n%s", len(rep.Tests), out)
	}
	for _, v := range rep.Tests {
		want, ok := truth[v.NodeID]
		if !ok {
			want = verifyTruth{Class: "stable"}
		}
		if !sameVerdict(v.verifyTruth, want) {
			t.Errorf("%s: %+v, want %+v; evidence %q", v.NodeID, v.verifyTruth, want, v.Evidence)
		}
		if want.Class != "stable" && (!v.Explained || len(v.Evidence) == 0 || v.Reproduce == "") {
			t.Errorf("%s: explained %v, evidence %q, reproduce %q", v.NodeID, v.Explained, v.Evidence, v.Reproduce)
		}
		if len(want.Polluters) > 0 || len(want.Needs) > 0 {
			checkReproduces(t, dir, env, v)
		}
	}
	if rep.Summary.Seed != 1 || !strings.Contains(out.stdout, "run 1 (seed 1)") {
		t.Errorf("the seed is not printed as given:\n%s", out.stdout)
	}
	t.Logf("%d runs; stdout:\n%s", rep.Summary.Runs, out.stdout)
}

// sameVerdict compares a verdict with the truth, lists as sets.
func sameVerdict(got, want verifyTruth) bool {
	set := func(l []string) []string {
		l = slices.Clone(l)
		slices.Sort(l)
		return slices.Compact(l)
	}
	return got.Class == want.Class && got.Brittle == want.Brittle &&
		slices.Equal(set(got.Polluters), set(want.Polluters)) && slices.Equal(set(got.Needs), set(want.Needs)) &&
		slices.Equal(set(got.ConflictsWith), set(want.ConflictsWith))
}

// checkReproduces runs a verdict's pytest command: the test must fail
// after its polluter, and pass after the test it needs.
func checkReproduces(t *testing.T, dir string, env []string, v verifyVerdict) {
	t.Helper()
	words := strings.Fields(v.Reproduce)
	if len(words) < 4 || words[1] != "-m" || words[2] != "pytest" {
		t.Errorf("%s: reproduce with %q, want a pytest command", v.NodeID, v.Reproduce)
		return
	}
	argv := append([]string{"-m", "pytest", "-p", "no:cacheprovider"}, words[3:]...)
	got := execute(t, dir, env, 2*time.Minute, termGrace, words[0], argv...)
	wantCode := 1
	if v.Brittle {
		wantCode = 0
	}
	if got.code != wantCode || !strings.Contains(got.stdout, v.NodeID) && wantCode == 1 {
		t.Errorf("%s: %s exited %d, want %d:\n%s", v.NodeID, v.Reproduce, got.code, wantCode, got)
	}
}

// TestVerifyStableTests: the stable part of the suite verifies stable,
// exit 0; bad settings are usage errors.
func TestVerifyStableTests(t *testing.T) {
	requirePython(t)
	dir, env := verifySuite(t)
	rep, out := verify(t, dir, env, []string{"-n", "2", "--runs", "2", "--no-history"}, []string{"test_arith.py", "test_pricing.py"})
	if out.code != 0 {
		t.Fatalf("exit code %d, want 0:\n%s", out.code, out)
	}
	if rep.Summary.Tests != 8 || rep.Summary.Stable != 8 {
		t.Fatalf("%d of %d stable, want 8 of 8:\n%s", rep.Summary.Stable, rep.Summary.Tests, out)
	}
	if !strings.Contains(out.stdout, "8 tests: 8 stable, 0 flaky, 0 order-dependent, 0 conflict") {
		t.Errorf("no summary line:\n%s", out.stdout)
	}
	for _, flags := range [][]string{{"--runs", "0"}, {"--budget", "-1s"}, {"--alone", "0"}} {
		bad := execute(t, dir, env, time.Minute, termGrace, shoalBin, append([]string{"verify", "--python", python}, flags...)...)
		if bad.code != 4 || !strings.Contains(bad.stderr, "shoal: error: invalid "+flags[0]) || !strings.Contains(bad.stderr, "hint:") {
			t.Errorf("%v: exit code %d, want 4 with one line and a hint:\n%s", flags, bad.code, bad)
		}
	}
}

// TestVerifyKnownConflictsApart: once shoal verify has found the two
// pairs that collide, shoal run keeps each pair apart, as if both held a
// key: in 20 runs no test of a pair overlaps its partner and every test
// passes.
func TestVerifyKnownConflictsApart(t *testing.T) {
	requirePython(t)
	dir, env := verifySuite(t)
	files := []string{"test_server_a.py", "test_server_b.py", "test_export_a.py", "test_export_b.py", "test_arith.py"}
	rep, out := verify(t, dir, env, []string{"-n", "2", "--seed", "1"}, files)
	pairs := map[string]string{}
	for _, v := range rep.Tests {
		if v.Class == "conflict" && len(v.ConflictsWith) == 1 {
			pairs[v.NodeID] = v.ConflictsWith[0]
		}
	}
	if len(pairs) != 4 || !strings.Contains(out.stdout, "kept the classes in") {
		t.Fatalf("verification found %v, want the two pairs kept in history:\n%s", pairs, out)
	}
	for i := 0; i < 20; i++ {
		run := runShoal(t, dir, shoalCall{env: env, args: files})
		if run.code != 0 || run.record == nil {
			t.Fatalf("run %d: exit code %d, want 0:\n%s", i+1, run.code, run.output)
		}
		byID := map[string]recordTest{}
		for _, rt := range run.record.Tests {
			byID[rt.NodeID] = rt
		}
		for a, b := range pairs {
			ta, tb := byID[a], byID[b]
			if ta.Worker != tb.Worker && ta.Start < tb.Stop && tb.Start < ta.Stop {
				t.Errorf("run %d: %s (%s %.3f-%.3f) overlaps %s (%s %.3f-%.3f)", i+1, a, ta.Worker, ta.Start, ta.Stop, b, tb.Worker, tb.Start, tb.Stop)
			}
		}
	}
}
