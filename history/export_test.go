package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testdata/export.json is what Export writes for goldenStore. Regenerate
// it, after a deliberate change to the format, with
//
//	go test ./history/ -run TestExportGolden -update
var update = flag.Bool("update", false, "rewrite testdata/export.json")

// goldenStore records runs that use every field: cold and warm results,
// known and unknown CPU, every outcome, one outside pytest's six, a
// parameter with "::" and a run without start-up time.
func goldenStore(t *testing.T) *Store {
	t.Helper()
	s := openTemp(t)
	r0 := runAt(0,
		TestRun{NodeID: "tests/test_b.py::test_slow", Setup: 1.5, Call: 2.25, Teardown: 0.125, CPU: 3.5,
			Outcome: "passed", Worker: "gw0", Cold: true},
		TestRun{NodeID: "tests/test_b.py::TestC::test_p[a::b]", Setup: 0.001, Call: 0.000123,
			Outcome: "failed", Worker: "gw1"},
		TestRun{NodeID: "tests/test_a.py::test_skip", Outcome: "skipped", Worker: "gw1", Cold: true},
	)
	r1 := runAt(5,
		TestRun{NodeID: "tests/test_b.py::test_slow", Setup: 0.5, Call: 2, Outcome: "xfailed", Worker: "gw1"},
		TestRun{NodeID: "tests/test_a.py::test_err", Setup: 0.25, Outcome: "error", Worker: "gw0", Cold: true},
		TestRun{NodeID: "tests/test_a.py::test_xp", Call: 0.75, CPU: 0.5, Outcome: "xpassed", Worker: "gw0"},
		TestRun{NodeID: "tests/test_a.py::test_rerun", Call: 1, Outcome: "rerun", Worker: "gw1"},
	)
	r1.Start = r1.Start.Add(123456789 * time.Nanosecond)
	r1.Startup, r1.Workers, r1.Wall = 0, 4, 33.75
	record(t, s, r0, r1)
	return s
}

func export(t *testing.T, s *Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Export(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExportGolden(t *testing.T) {
	got := export(t, goldenStore(t))
	path := filepath.Join("testdata", "export.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("export differs from %s:\n%s", path, got)
	}
}

func TestExportOfEmptyStore(t *testing.T) {
	got := string(export(t, openTemp(t)))
	want := "{\n  \"format\": \"shoal-history\",\n  \"version\": 1,\n  \"runs\": [\n  ],\n  \"tests\": [\n  ]\n}\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestImportRoundTrip(t *testing.T) {
	a := goldenStore(t)
	first := export(t, a)
	b := openTemp(t)
	if err := b.Import(bytes.NewReader(first)); err != nil {
		t.Fatal(err)
	}
	if second := export(t, b); !bytes.Equal(first, second) {
		t.Errorf("export → import → export changed the file:\n%s\nthen:\n%s", first, second)
	}
	ids := []string{"tests/test_b.py::test_slow", "tests/test_b.py::TestC::test_p[a::b]",
		"tests/test_a.py::test_err", "tests/test_a.py::test_new"}
	files := []string{"tests/test_a.py", "tests/test_b.py"}
	if ea, eb := a.Estimates(ids), b.Estimates(ids); !equalEstimates(ea, eb) {
		t.Errorf("estimates differ after import: %+v, %+v", ea, eb)
	}
	if fa, fb := a.FileSetup(files), b.FileSetup(files); fa[0] != fb[0] || fa[1] != fb[1] {
		t.Errorf("file setup differs after import: %v, %v", fa, fb)
	}
	sa, _ := a.Startup()
	sb, ok := b.Startup()
	if !ok || sa != sb {
		t.Errorf("startup differs after import: %v, %v", sa, sb)
	}
}

func equalEstimates(a, b []Estimate) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestImportTwiceChangesNothing(t *testing.T) {
	data := export(t, goldenStore(t))
	s := openTemp(t)
	for i := 0; i < 2; i++ {
		if err := s.Import(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	if got := export(t, s); !bytes.Equal(got, data) {
		t.Errorf("importing twice gave:\n%s", got)
	}
}

func TestImportMergesNewestResults(t *testing.T) {
	// The CI cache holds runs 0-5, the machine runs 6-11 of the same test.
	cache, local := openTemp(t), openTemp(t)
	for i := 0; i < 6; i++ {
		record(t, cache, runAt(i, warm("a.py::t", 100), warm("a.py::only_cached", 3)))
		record(t, local, runAt(i+6, warm("a.py::t", 1), warm("a.py::only_local", 2)))
	}
	if err := local.Import(bytes.NewReader(export(t, cache))); err != nil {
		t.Fatal(err)
	}
	var doc exportDoc
	if err := json.Unmarshal(export(t, local), &doc); err != nil {
		t.Fatal(err)
	}
	for _, test := range doc.Tests {
		if test.NodeID == "a.py::t" && len(test.Results) != KeepRuns {
			t.Errorf("a.py::t keeps %d results, want %d", len(test.Results), KeepRuns)
		}
	}
	got := local.Estimates([]string{"a.py::t", "a.py::only_local", "a.py::only_cached"})
	// Ten newest: six local runs at 1 s, four cached ones at 100 s.
	want := []float64{1, 2, 3}
	for i, w := range want {
		if got[i].Seconds != w || got[i].Source != Measured {
			t.Errorf("estimate %d = %+v, want %v s measured", i, got[i], w)
		}
	}
}

func TestImportRejectsInvalid(t *testing.T) {
	valid := `{"format": "shoal-history", "version": 1,
 "runs": [{"start": "2025-01-01T00:00:00Z", "wall": 1, "workers": 2, "startup": 0.5}],
 "tests": [{"nodeid": "a.py::t", "results": [{"run": 0, "call": 1, "outcome": "passed"}]}]}`
	type testCase struct {
		name  string
		input string
		want  []string // in the error
	}
	testCases := []testCase{
		{"empty input", "", []string{"line 1, column 1", "unexpected end of JSON input"}},
		{"cut short", valid[:40], []string{"line 1", "unexpected end"}},
		{"syntax error on line 3", strings.Replace(valid, `"nodeid":`, `"nodeid" `, 1), []string{"line 3, column"}},
		{"not an object", "[1, 2]", []string{"the export should be an object, not array"}},
		{"junk after the object", valid + " x", []string{"line 3", "after top-level value"}},
		{"binary junk", "\x00\x01\xff", []string{"line 1, column 1", "invalid character"}},
		{"wrong format", strings.Replace(valid, "shoal-history", "other", 1), []string{`"format" is "other"`}},
		{"no format", strings.Replace(valid, `"format": "shoal-history",`, "", 1), []string{`"format" is ""`}},
		{"no version", strings.Replace(valid, `"version": 1,`, "", 1), []string{`"version" is missing`}},
		{"newer version", strings.Replace(valid, `"version": 1`, `"version": 2`, 1), []string{"version 2", "newer shoal"}},
		{"version as a string", strings.Replace(valid, `"version": 1`, `"version": "1"`, 1), []string{`"version" should be an integer, not string`}},
		{"wall as a string", strings.Replace(valid, `"wall": 1`, `"wall": "1"`, 1), []string{"line 2", `"runs.wall" should be a number, not string`}},
		{"bad start", strings.Replace(valid, "2025-01-01T00:00:00Z", "yesterday", 1), []string{"runs[0]", `"yesterday" is not an RFC 3339 time`}},
		{"negative workers", strings.Replace(valid, `"workers": 2`, `"workers": -2`, 1), []string{"runs[0]", "negative"}},
		{"no node ID", strings.Replace(valid, `"nodeid": "a.py::t",`, "", 1), []string{`tests[0]: "nodeid" is missing`}},
		{"no run", strings.Replace(valid, `"run": 0,`, "", 1), []string{"tests[0] (a.py::t)", `results[0]: "run" is missing`}},
		{"run out of range", strings.Replace(valid, `"run": 0`, `"run": 1`, 1), []string{`"run" 1 is not an index into "runs", which holds 1`}},
		{"negative duration", strings.Replace(valid, `"call": 1`, `"call": -1`, 1), []string{"results[0]", "negative"}},
		{"results not an array", strings.Replace(valid, `[{"run": 0, "call": 1, "outcome": "passed"}]`, `{"run": 0}`, 1), []string{`"tests.results" should be an array, not object`}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			s := goldenStore(t)
			before := export(t, s)
			err := s.Import(strings.NewReader(tc.input))
			if err == nil {
				t.Fatal("no error")
			}
			var inv *InvalidExportError
			if !errors.As(err, &inv) {
				t.Errorf("error is not an *InvalidExportError: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q: %v", w, err)
				}
			}
			if after := export(t, s); !bytes.Equal(before, after) {
				t.Error("a rejected import changed the store")
			}
		})
	}
	t.Run("valid input is accepted", func(t *testing.T) {
		if err := openTemp(t).Import(strings.NewReader(valid)); err != nil {
			t.Error(err)
		}
	})
}

func FuzzImport(f *testing.F) {
	f.Add([]byte(`{"format":"shoal-history","version":1,"runs":[],"tests":[]}`))
	f.Add([]byte(`{"format":"shoal-history","version":1,"runs":[{"start":"2025-01-01T00:00:00Z"}],` +
		`"tests":[{"nodeid":"a::b","results":[{"run":0}]}]}`))
	f.Add([]byte(`{"tests":[{"results":[{"run":-1}]}]}`))
	s, _, err := Open(filepath.Join(f.TempDir(), "history.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		// Any input either imports or is rejected; neither panics, and the
		// store stays exportable.
		_ = s.Import(bytes.NewReader(data))
		if err := s.Export(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDurations(t *testing.T) {
	doc := `{"format": "shoal-history", "version": 1,
 "runs": [{"start": "2025-01-01T00:00:00Z", "wall": 1, "workers": 2, "startup": 0.5}],
 "tests": [{"nodeid": "a.py::t", "results": [{"run": 0, "setup": 0.5, "call": 1, "teardown": 0.5, "outcome": "passed"},
                                             {"run": 0, "call": 1, "outcome": "passed"}]},
           {"nodeid": "a.py::never", "results": []}]}`
	got, err := Durations([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["a.py::t"] != 1.5 {
		t.Errorf("Durations = %v, want a.py::t 1.5 s only", got)
	}
	if _, err := Durations([]byte(`{"format": "other"}`)); err == nil {
		t.Error("Durations accepted a file that is no export")
	}
}
