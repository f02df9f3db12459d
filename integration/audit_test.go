//go:build integration

package integration_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shoal/database/pgtest"
)

// The audit suite (testdata/suites/audit) has 160 tests, 48 of them marked
// isolation, and truth.json says what shoal audit should find for each.
// Its conflicting tests share a fixed port, a fixed file in AUDIT_SUITE_DIR,
// a table of the database at AUDIT_SUITE_DATABASE_URL, or a file of the
// project; every run here gets a directory and ports of its own.

// auditPortBase hands every audit run ports of its own, below the blocks
// nextPortBase gives shoal's workers.
var auditPortBase atomic.Int64

type auditSuite struct {
	dir string
	env []string
	pg  bool // the suite's database tests have a database
}

type truthEntry struct {
	Marked   bool     `json:"marked"`
	Verdict  string   `json:"verdict"`
	Key      *string  `json:"key"`
	Partners []string `json:"partners"`
	Leaks    bool     `json:"leaks"`
	Needs    string   `json:"needs"`
}

type auditVerdict struct {
	NodeID        string   `json:"nodeid"`
	Marked        bool     `json:"marked"`
	Marker        string   `json:"marker"`
	Verdict       string   `json:"verdict"`
	Evidence      []string `json:"evidence"`
	ConflictsWith []string `json:"conflicts_with"`
	Key           *string  `json:"key"`
	Suggestion    string   `json:"suggestion"`
	Outcome       string   `json:"outcome"`
}

type auditReport struct {
	Tests   []auditVerdict `json:"tests"`
	Summary map[string]any `json:"summary"`
}

// newAuditSuite copies the suite, with a directory and ports of its own
// and, where a PostgreSQL server answers, a fresh database.
func newAuditSuite(t *testing.T) *auditSuite {
	t.Helper()
	s := &auditSuite{dir: copySuite(t, "audit")}
	port := 17000 + int(auditPortBase.Add(1)%40)*10
	s.env = []string{"AUDIT_SUITE_DIR=" + t.TempDir(), fmt.Sprintf("AUDIT_SUITE_PORT=%d", port), "SHOAL_CACHE_DIR=" + t.TempDir()}
	if postgresWanted(t) {
		server := pgtest.URL(t)
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		name := "shoal_audit_" + hex.EncodeToString(b)
		pgtest.Exec(t, server, "CREATE DATABASE "+name)
		t.Cleanup(func() { pgtest.Drop(t, server, name) })
		s.env = append(s.env, "AUDIT_SUITE_DATABASE_URL="+pgtest.WithDatabase(t, server, name))
		s.pg = true
	}
	return s
}

// shoal runs `shoal COMMAND --python PY ARGS` in the suite and fails t if it hangs.
func (s *auditSuite) shoal(t *testing.T, args ...string) output {
	t.Helper()
	argv := append([]string{args[0], "--python", python}, args[1:]...)
	out := execute(t, s.dir, baseEnv(append(s.env, "TMPDIR="+privateTmp(t))...), 4*time.Minute, termGrace, shoalBin, argv...)
	if out.hung {
		t.Fatalf("shoal %s did not finish:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// audit runs shoal audit with args, expects exit code 0, and reads its report.
func (s *auditSuite) audit(t *testing.T, args ...string) (auditReport, output) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.json")
	out := s.shoal(t, append([]string{"audit", "--json", path}, args...)...)
	if out.code != 0 {
		t.Fatalf("shoal audit exited %d:\n%s", out.code, out)
	}
	return readReport[auditReport](t, path, out), out
}

// readReport reads the JSON report a command wrote to path.
func readReport[T any](t *testing.T, path string, out output) T {
	t.Helper()
	var rep T
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, out)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("cannot read the report: %v", err)
	}
	return rep
}

func readTruth(t *testing.T) map[string]truthEntry {
	return readSuiteTruth[truthEntry](t, "audit")
}

// readSuiteTruth reads the tests of a suite's truth.json.
func readSuiteTruth[T any](t *testing.T, suite string) map[string]T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "testdata", "suites", suite, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Tests map[string]T `json:"tests"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	return truth.Tests
}

// TestAuditLabelledSuite audits the suite and holds the verdicts to its
// truth table: at least 95% of the marked tests' verdicts right, no test
// that conflicts with another called unneeded, every unmarked conflict
// found with its partner and the right kind of key, and under 10% of the
// tests marked once the suggestions are applied.
func TestAuditLabelledSuite(t *testing.T) {
	requirePython(t)
	s := newAuditSuite(t)
	truth := readTruth(t)
	rep, out := s.audit(t, "-n", "2")
	if len(rep.Tests) != len(truth) {
		t.Fatalf("the report has %d tests, the truth table %d:\n%s", len(rep.Tests), len(truth), out)
	}
	judged, right := 0, 0
	for _, v := range rep.Tests {
		want, ok := truth[v.NodeID]
		if !ok {
			t.Errorf("%s is not in the truth table", v.NodeID)
			continue
		}
		if want.Needs == "postgres" && !s.pg {
			continue // it skips, touching nothing
		}
		if v.Marked != want.Marked {
			t.Errorf("%s: marked %v, truth %v", v.NodeID, v.Marked, want.Marked)
		}
		if want.Marked {
			judged++
			if v.Verdict == want.Verdict {
				right++
			} else {
				t.Logf("%s: %s, truth %s; evidence %q", v.NodeID, v.Verdict, want.Verdict, v.Evidence)
			}
		}
		if len(want.Partners) > 0 && v.Verdict == "unneeded" {
			t.Errorf("%s conflicts with %v but was called unneeded", v.NodeID, want.Partners)
		}
		if want.Verdict == "missing" {
			checkMissing(t, v, want)
		}
	}
	if judged == 0 || float64(right) < 0.95*float64(judged) {
		t.Errorf("%d of %d marked verdicts right, want at least 95%%:\n%s", right, judged, out.stdout)
	}
	if after, tests := rep.Summary["marked_after"].(float64), rep.Summary["tests"].(float64); after >= 0.1*tests {
		t.Errorf("%v of %v tests keep a marker after the changes, want under 10%%", after, tests)
	}
	for _, want := range []string{"48 of 160 tests (30%) marked isolation", "predicted wall time on 2 workers"} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("the report does not say %q:\n%s", want, out.stdout)
		}
	}
}

func checkMissing(t *testing.T, v auditVerdict, want truthEntry) {
	t.Helper()
	if v.Verdict != "missing" {
		t.Errorf("%s: %s, but it conflicts with %v and has no marker (evidence %q)", v.NodeID, v.Verdict, want.Partners, v.Evidence)
		return
	}
	for _, p := range want.Partners {
		if !contains(v.ConflictsWith, p) {
			t.Errorf("%s: conflicts with %v, the truth says with %s", v.NodeID, v.ConflictsWith, p)
		}
	}
	if v.Key == nil || want.Key == nil || !strings.HasPrefix(*v.Key, *want.Key+":") {
		t.Errorf("%s: key %v, want a %v key", v.NodeID, deref(v.Key), deref(want.Key))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// TestAuditFix rewrites the suite's markers, checks that only decorator
// lines changed and that the diff was printed, then runs the fixed suite
// ten times on four workers: not one test fails.
func TestAuditFix(t *testing.T) {
	requirePython(t)
	s := newAuditSuite(t)
	before := readSources(t, s.dir)
	_, out := s.audit(t, "-n", "2", "--fix")
	if !strings.Contains(out.stdout, "--- a/test_compute.py") || !strings.Contains(out.stdout, "rewrote the markers in") {
		t.Errorf("--fix printed no diff:\n%s", out.stdout)
	}
	after := readSources(t, s.dir)
	for name, old := range before {
		checkOnlyDecorators(t, name, old, after[name])
	}
	for i := 0; i < 10; i++ {
		run := runShoal(t, s.dir, shoalCall{env: baseEnv(s.env...), flags: []string{"-n", "4"}})
		if run.code != 0 || run.record == nil {
			t.Fatalf("run %d of the fixed suite: exit %d:\n%s", i+1, run.code, run.output)
		}
		marked := 0
		for _, rt := range run.record.Tests {
			if rt.Outcome == "failed" || rt.Outcome == "error" {
				t.Errorf("run %d: %s %s: %s", i+1, rt.NodeID, rt.Outcome, rt.Message)
			}
			if rt.Exclusive || len(rt.Locks) > 0 {
				marked++
			}
		}
		if i == 0 && marked*10 >= len(run.record.Tests) {
			t.Errorf("%d of %d tests still hold an isolation marker or key", marked, len(run.record.Tests))
		}
	}
}

func readSources(t *testing.T, dir string) map[string]string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.py"))
	out := map[string]string{}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = string(data)
	}
	return out
}

// checkOnlyDecorators: every line --fix added or removed is a decorator.
func checkOnlyDecorators(t *testing.T, name, old, new string) {
	t.Helper()
	count := map[string]int{}
	for _, l := range strings.SplitAfter(old, "\n") {
		count[l]++
	}
	for _, l := range strings.SplitAfter(new, "\n") {
		count[l]--
	}
	for l, n := range count {
		if n != 0 && !strings.HasPrefix(strings.TrimSpace(l), "@pytest.mark.isolation") {
			t.Errorf("%s: --fix changed a line that is no isolation decorator: %q", name, l)
		}
	}
}

// TestAuditKeepsOutcomes: the outcomes suite has every outcome pytest
// knows; traced, each test ends as in a plain run, and the audit exits 0
// although tests fail.
func TestAuditKeepsOutcomes(t *testing.T) {
	requirePython(t)
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "outcomes")
			plain := runShoal(t, dir, shoalCall{mode: mode})
			want := plain.record.outcomes(t)
			s := &auditSuite{dir: dir, env: []string{"SHOAL_CACHE_DIR=" + t.TempDir()}}
			rep, _ := s.audit(t, append([]string{"-n", "2"}, mode.flags...)...)
			if len(rep.Tests) != len(want) {
				t.Fatalf("audit judged %d tests, the run had %d", len(rep.Tests), len(want))
			}
			for _, v := range rep.Tests {
				if v.Outcome != want[v.NodeID] {
					t.Errorf("%s: %s traced, %s in a plain run", v.NodeID, v.Outcome, want[v.NodeID])
				}
			}
		})
	}
}

// TestAuditMarkerName: a suite that calls its isolation marker "serial"
// gets serial markers removed and added.
func TestAuditMarkerName(t *testing.T) {
	requirePython(t)
	dir := t.TempDir()
	port := 17500 + int(auditPortBase.Add(1)%40)
	files := map[string]string{
		"pyproject.toml": "[tool.pytest.ini_options]\n\n[tool.shoal.markers]\nisolation = \"serial\"\n",
		"test_a.py": "import socket\nimport time\n\nimport pytest\n\n\n@pytest.mark.serial\ndef test_pure():\n    assert True\n\n\n" +
			fmt.Sprintf("def test_server():\n    s = socket.socket()\n    s.bind((\"127.0.0.1\", %d))\n    time.sleep(0.1)\n    s.close()\n", port),
		"test_b.py": fmt.Sprintf("import socket\n\n\ndef test_client_server():\n    s = socket.socket()\n    s.bind((\"127.0.0.1\", %d))\n    s.close()\n", port),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := &auditSuite{dir: dir, env: []string{"SHOAL_CACHE_DIR=" + t.TempDir()}}
	_, out := s.audit(t, "-n", "2", "--fix")
	a, _ := os.ReadFile(filepath.Join(dir, "test_a.py"))
	b, _ := os.ReadFile(filepath.Join(dir, "test_b.py"))
	key := fmt.Sprintf(`@pytest.mark.serial("port:%d")`, port)
	if strings.Contains(string(a), "@pytest.mark.serial\n") || !strings.Contains(string(a), key+"\ndef test_server") {
		t.Errorf("test_a.py after --fix:\n%s\n%s", a, out.stdout)
	}
	// test_b.py does not import pytest: the marker it misses is named, not written.
	if string(b) != files["test_b.py"] || !strings.Contains(out.stdout, "does not import pytest") {
		t.Errorf("test_b.py after --fix:\n%s\n%s", b, out.stdout)
	}
}

// TestAuditUsage: usage errors exit 4 with a hint. An option neither
// shoal's nor pytest's is pytest's to refuse, as under pytest -n: exit 4
// naming it.
func TestAuditUsage(t *testing.T) {
	requirePython(t)
	dir := copySuite(t, "outcomes")
	s := &auditSuite{dir: dir, env: []string{"SHOAL_CACHE_DIR=" + t.TempDir()}}
	for _, args := range [][]string{{"audit", "--confirm", "-1"}, {"audit", "--", "--collect-only"}} {
		out := s.shoal(t, args...)
		if out.code != 4 || !strings.Contains(out.stderr, "hint:") {
			t.Errorf("shoal %s: exit %d, want 4 with a hint:\n%s", strings.Join(args, " "), out.code, out)
		}
	}
	out := s.shoal(t, "audit", "--no-such-flag")
	if out.code != 4 || !strings.Contains(out.stderr, "--no-such-flag") {
		t.Errorf("shoal audit --no-such-flag: exit %d, want 4 naming the option:\n%s", out.code, out)
	}
}
