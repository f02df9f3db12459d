package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shoal/history"
)

// recordSome fills the store at path with two runs of three tests.
func recordSome(t *testing.T, path string) {
	t.Helper()
	s, _, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 2; i++ {
		err := s.Record(history.Run{Start: start.Add(time.Duration(i) * time.Hour), Wall: 3, Workers: 2, Startup: 0.25,
			Tests: []history.TestRun{
				{NodeID: "tests/test_a.py::test_one", Setup: 0.5, Call: 1, Outcome: "passed", Worker: "gw0", Cold: true},
				{NodeID: "tests/test_a.py::test_two[x]", Call: 2, CPU: 1.5, Outcome: "failed", Worker: "gw0"},
				{NodeID: "tests/test_b.py::TestK::test_three", Call: 0.125, Outcome: "skipped", Worker: "gw1", Cold: true},
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestHistoryExportImportRoundTrip(t *testing.T) {
	// A project whose rootdir is found from a subdirectory.
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "pytest.ini"), []byte("[pytest]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "tests", "unit")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	recordSome(t, history.DefaultPath(root))
	t.Chdir(sub)

	code, _, stderr := cliHere(t, "history", "export", "-o", "cache.json")
	if code != 0 {
		t.Fatalf("export: exit %d:\n%s", code, stderr)
	}
	exported, err := os.ReadFile("cache.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"format": "shoal-history"`, "tests/test_a.py::test_two[x]", `"outcome":"failed"`} {
		if !strings.Contains(string(exported), w) {
			t.Errorf("export lacks %s:\n%s", w, exported)
		}
	}

	other := filepath.Join(t.TempDir(), "elsewhere", "history.db")
	code, _, stderr = cliHere(t, "history", "import", "--history", other, "cache.json")
	if code != 0 {
		t.Fatalf("import: exit %d:\n%s", code, stderr)
	}
	code, stdout, stderr := cliHere(t, "history", "export", "--history", other)
	if code != 0 {
		t.Fatalf("export of the imported store: exit %d:\n%s", code, stderr)
	}
	if stdout != string(exported) {
		t.Errorf("export → import → export changed the history:\n%s\nthen:\n%s", exported, stdout)
	}
	if stderr != "" {
		t.Errorf("unexpected stderr: %s", stderr)
	}
}

func TestHistoryWarnsAboutCorruptStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "history", "export", "--history", path)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, w := range []string{"shoal: warning:", path + ".corrupt", "hint:"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not mention %q:\n%s", w, stderr)
		}
	}
	if !strings.Contains(stdout, `"runs": [`) {
		t.Errorf("no export of the fresh store:\n%s", stdout)
	}
}

func TestHistoryUsageErrors(t *testing.T) {
	type testCase struct {
		name string
		args func(dir string) []string
		want []string // in stderr
	}
	run := func(t *testing.T, tc testCase) {
		dir := t.TempDir()
		files := map[string]string{
			"bad.json":   "{\n  \"format\": \"shoal-history\",\n  \"version\": 1,\n  \"runs\": [}\n",
			"plain-file": "",
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, stdout, stderr := cli(t, tc.args(dir)...)
		if code != 4 {
			t.Errorf("exit code %d, want 4\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		for _, w := range append(tc.want, "hint:") {
			if !strings.Contains(stderr, strings.ReplaceAll(w, "DIR", dir)) {
				t.Errorf("stderr does not mention %q:\n%s", w, stderr)
			}
		}
	}
	args := func(a ...string) func(string) []string {
		return func(dir string) []string {
			out := make([]string, len(a))
			for i, s := range a {
				out[i] = strings.ReplaceAll(s, "DIR", dir)
			}
			return out
		}
	}
	testCases := []testCase{
		{"unknown subcommand", args("history", "bogus"), []string{`unknown command "bogus"`}},
		{"unknown flag", args("history", "export", "--bogus"), []string{"unknown flag: --bogus"}},
		{"import without a file", args("history", "import"), []string{"takes 1 argument", "shoal history import"}},
		{"export with an argument", args("history", "export", "x"), []string{"takes 0 argument"}},
		{"import a missing file", args("history", "import", "DIR/missing.json"), []string{"DIR/missing.json", "no such file"}},
		{"import malformed JSON", args("history", "import", "--history", "DIR/h.db", "DIR/bad.json"),
			[]string{"DIR/bad.json", "line 4, column", "shoal history export"}},
		{"history under a file", args("history", "export", "--history", "DIR/plain-file/h.db"),
			[]string{"DIR/plain-file/h.db", "not a directory"}},
		{"output in a missing directory", args("history", "export", "--history", "DIR/h.db", "-o", "DIR/no/such/out.json"),
			[]string{"DIR/no/such/out.json"}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
