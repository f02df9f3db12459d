package history

import (
	"bytes"
	"math"
	"path/filepath"
	"testing"
	"time"
)

// openTemp opens a fresh store in a temporary directory.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, warning, err := Open(filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	if warning != "" {
		t.Fatalf("fresh store warned: %s", warning)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// runAt is a run started n minutes after a fixed time, so that run order
// is explicit.
func runAt(n int, tests ...TestRun) Run {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	return Run{Start: start, Wall: 10, Workers: 2, Startup: 0.5, Tests: tests}
}

// warm is a passed warm result that spent all its time in call.
func warm(nodeid string, call float64) TestRun {
	return TestRun{NodeID: nodeid, Call: call, Outcome: "passed", Worker: "gw0"}
}

func record(t *testing.T, s *Store, runs ...Run) {
	t.Helper()
	for _, r := range runs {
		if err := s.Record(r); err != nil {
			t.Fatal(err)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestMedianResistsOutliers(t *testing.T) {
	s := openTemp(t)
	for i, call := range []float64{1, 1.2, 100, 0.9, 1.1} {
		record(t, s, runAt(i, warm("a.py::test_x", call)))
	}
	got := s.Estimates([]string{"a.py::test_x"})[0]
	if got.Source != Measured || !near(got.Seconds, 1.1) {
		t.Errorf("got %+v, want 1.1 s measured", got)
	}
}

func TestOnlyRecentRunsCount(t *testing.T) {
	s := openTemp(t)
	// Ten slow runs, then ten fast ones: only the fast ones are kept.
	for i := 0; i < 2*KeepRuns; i++ {
		call := 5.0
		if i >= KeepRuns {
			call = 1
		}
		record(t, s, runAt(i, warm("a.py::test_x", call)))
	}
	if got := s.Estimates([]string{"a.py::test_x"})[0]; !near(got.Seconds, 1) {
		t.Errorf("got %+v, want 1 s", got)
	}
	var blob []byte
	if err := s.db.QueryRow(`SELECT tests FROM files`).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	err := decodeFile(blob, func(name []byte, _ Estimate, encoded []byte) error {
		if rs, err := decodeResults(encoded, nil, nil); err != nil || len(rs) != KeepRuns {
			t.Errorf("%s: %d results kept (%v), want %d", name, len(rs), err, KeepRuns)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOlderRunRecordedLaterIsTrimmedFirst(t *testing.T) {
	s := openTemp(t)
	for i := 1; i <= KeepRuns; i++ {
		record(t, s, runAt(i, warm("a.py::test_x", 1)))
	}
	// A run from before all of them adds nothing once ten newer ones exist.
	record(t, s, runAt(0, warm("a.py::test_x", 50)))
	if got := s.Estimates([]string{"a.py::test_x"})[0]; !near(got.Seconds, 1) {
		t.Errorf("got %+v, want 1 s", got)
	}
}

func TestEstimateSums(t *testing.T) {
	s := openTemp(t)
	record(t, s, runAt(0, TestRun{NodeID: "a.py::t", Setup: 0.5, Call: 1, Teardown: 0.25, CPU: 0.75,
		Outcome: "passed", Worker: "gw0"}))
	got := s.Estimates([]string{"a.py::t"})[0]
	want := Estimate{Seconds: 1.75, CPU: 0.75, Source: Measured}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestColdRunsGiveWarmEstimates(t *testing.T) {
	s := openTemp(t)
	// test_a always runs first in its file and pays 2 s of module setup;
	// test_b runs warm. Each run has both.
	for i := 0; i < 3; i++ {
		record(t, s, runAt(i,
			TestRun{NodeID: "m.py::test_a", Setup: 2.1, Call: 1, Outcome: "passed", Worker: "gw0", Cold: true},
			TestRun{NodeID: "m.py::test_b", Setup: 0.1, Call: 3, Outcome: "passed", Worker: "gw0"},
		))
	}
	if got := s.FileSetup([]string{"m.py", "other.py"}); !near(got[0], 2) || got[1] != 0 {
		t.Errorf("FileSetup = %v, want [2 0]", got)
	}
	got := s.Estimates([]string{"m.py::test_a", "m.py::test_b"})
	// test_a was never warm: its cold time less the file's extra setup.
	if !near(got[0].Seconds, 1.1) || !near(got[1].Seconds, 3.1) {
		t.Errorf("Estimates = %+v, want 1.1 s and 3.1 s", got)
	}
}

func TestWarmResultsWinOverCold(t *testing.T) {
	s := openTemp(t)
	record(t, s,
		runAt(0, TestRun{NodeID: "m.py::t", Setup: 5, Call: 1, Outcome: "passed", Worker: "gw0", Cold: true}),
		runAt(1, TestRun{NodeID: "m.py::t", Setup: 0, Call: 1, Outcome: "passed", Worker: "gw0"}),
	)
	if got := s.Estimates([]string{"m.py::t"})[0]; !near(got.Seconds, 1) {
		t.Errorf("got %+v, want the warm 1 s", got)
	}
}

func TestFileSetupFloorsAtZero(t *testing.T) {
	s := openTemp(t)
	record(t, s, runAt(0,
		TestRun{NodeID: "m.py::a", Setup: 0.1, Outcome: "passed", Worker: "gw0", Cold: true},
		TestRun{NodeID: "m.py::b", Setup: 0.5, Outcome: "passed", Worker: "gw0"},
	))
	if got := s.FileSetup([]string{"m.py"})[0]; got != 0 {
		t.Errorf("FileSetup = %v, want 0", got)
	}
}

func TestSiblingEstimates(t *testing.T) {
	measured := []TestRun{
		warm("a.py::C::test_f[1]", 1),
		warm("a.py::C::test_f[2]", 3),
		warm("a.py::C::test_g", 10),
		warm("a.py::test_h", 20),
		warm("b.py::test_i", 100),
	}
	type testCase struct {
		nodeid string
		want   Estimate
	}
	testCases := []testCase{
		{"a.py::C::test_f[1]", Estimate{Seconds: 1, Source: Measured}},
		{"a.py::C::test_f[3]", Estimate{Seconds: 2, Source: Param}},
		{"a.py::C::test_f[a::b]", Estimate{Seconds: 2, Source: Param}},
		{"a.py::C::test_f", Estimate{Seconds: 2, Source: Param}},
		{"a.py::C::test_new", Estimate{Seconds: 3, Source: Class}},
		{"a.py::D::test_new", Estimate{Seconds: 6.5, Source: File}},
		{"a.py::test_new[x]", Estimate{Seconds: 6.5, Source: File}},
		{"c.py::test_new", Estimate{Seconds: 10, Source: Default}},
		{"c.py", Estimate{Seconds: 10, Source: Default}},
	}
	s := openTemp(t)
	record(t, s, runAt(0, measured...))
	var ids []string
	for _, tc := range testCases {
		ids = append(ids, tc.nodeid)
	}
	got := s.Estimates(ids)
	for i, tc := range testCases {
		if got[i] != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.nodeid, got[i], tc.want)
		}
	}
}

func TestSiblingCPUIgnoresUnknown(t *testing.T) {
	s := openTemp(t)
	record(t, s, runAt(0,
		TestRun{NodeID: "a.py::t[1]", Call: 1, CPU: 0.5, Outcome: "passed"},
		TestRun{NodeID: "a.py::t[2]", Call: 1, CPU: 0, Outcome: "passed"},
	))
	if got := s.Estimates([]string{"a.py::t[3]"})[0]; got.CPU != 0.5 {
		t.Errorf("got %+v, want CPU 0.5", got)
	}
}

func TestEmptyStoreEstimates(t *testing.T) {
	s := openTemp(t)
	got := s.Estimates([]string{"a.py::t", "b.py::C::t[1]"})
	for i, e := range got {
		if e != (Estimate{Seconds: DefaultSeconds, Source: Default}) {
			t.Errorf("estimate %d = %+v, want the constant default", i, e)
		}
	}
	if _, ok := s.Startup(); ok {
		t.Error("Startup ok on an empty store")
	}
	if got := s.FileSetup([]string{"a.py"}); got[0] != 0 {
		t.Errorf("FileSetup = %v on an empty store", got)
	}
}

func TestStartup(t *testing.T) {
	s := openTemp(t)
	for i, v := range []float64{0.4, 9, 0.5, 0, 0.6} { // 0: not measured
		r := runAt(i)
		r.Startup = v
		record(t, s, r)
	}
	got, ok := s.Startup()
	if !ok || !near(got, 0.55) {
		t.Errorf("Startup = %v, %v; want 0.55, true", got, ok)
	}
}

// TestRunFigures: what runs measured beside their tests (the per-test
// overhead, the finish after the last test) is the median of the runs that
// measured it, and it survives an export and an import.
func TestRunFigures(t *testing.T) {
	for _, c := range []struct {
		name   string
		set    func(r *Run, v float64)
		get    func(s *Store) (float64, bool)
		values []float64 // 0: not measured
		want   float64
		field  string // in the export, of the first run
	}{
		{"overhead", func(r *Run, v float64) { r.Overhead = v }, (*Store).Overhead,
			[]float64{0.0002, 0.009, 0, 0.0003}, 0.0003, `"overhead":0.0002`},
		{"finish", func(r *Run, v float64) { r.Finish = v }, (*Store).Finish,
			[]float64{0.4, 2.5, 0, 0.5}, 0.5, `"finish":0.4`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTemp(t)
			if _, ok := c.get(s); ok {
				t.Error("known on an empty store")
			}
			for i, v := range c.values {
				r := runAt(i, warm("a.py::t", 0.01))
				c.set(&r, v)
				record(t, s, r)
			}
			if got, ok := c.get(s); !ok || !near(got, c.want) {
				t.Errorf("%v, %v; want %v, true", got, ok, c.want)
			}
			var buf bytes.Buffer
			if err := s.Export(&buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(buf.Bytes(), []byte(c.field)) {
				t.Errorf("export without %s:\n%s", c.field, buf.String())
			}
			copied := openTemp(t)
			if err := copied.Import(&buf); err != nil {
				t.Fatal(err)
			}
			if got, ok := c.get(copied); !ok || !near(got, c.want) {
				t.Errorf("after export and import: %v, %v; want %v, true", got, ok, c.want)
			}
		})
	}
}

func TestRunsWithoutResultsAreBounded(t *testing.T) {
	s := openTemp(t)
	for i := 0; i < KeepStartups+15; i++ {
		record(t, s, runAt(i))
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM runs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != KeepStartups {
		t.Errorf("%d runs kept, want %d", n, KeepStartups)
	}
}

func TestRecordRejectsEmptyNodeID(t *testing.T) {
	s := openTemp(t)
	err := s.Record(runAt(0, warm("a.py::t", 1), TestRun{Outcome: "passed"}))
	if err == nil {
		t.Fatal("no error for a test without a node ID")
	}
	// The transaction rolled back: nothing of the run is stored.
	if got := s.Estimates([]string{"a.py::t"})[0]; got.Source != Default {
		t.Errorf("a.py::t was recorded from a failed run: %+v", got)
	}
}

func TestSiblingKeys(t *testing.T) {
	type testCase struct {
		nodeid string
		want   [3]string
	}
	for _, tc := range []testCase{
		{"a.py::test_f", [3]string{"a.py::test_f", "", "a.py"}},
		{"a.py::test_f[1-x]", [3]string{"a.py::test_f", "", "a.py"}},
		{"a.py::C::test_f[a::b]", [3]string{"a.py::C::test_f", "a.py::C", "a.py"}},
		{"d/a.py::C::D::test_f", [3]string{"d/a.py::C::D::test_f", "d/a.py::C::D", "d/a.py"}},
		{"a.py", [3]string{"", "", "a.py"}},
	} {
		if got := siblingKeys(tc.nodeid); got != tc.want {
			t.Errorf("siblingKeys(%q) = %q, want %q", tc.nodeid, got, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1}, 2},
		{[]float64{5, 1, 3}, 3},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFailedListsNewestFailures(t *testing.T) {
	s := openTemp(t)
	at := time.Unix(1_700_000_000, 0)
	first := Run{Start: at, Wall: 1, Workers: 1, Tests: []TestRun{
		{NodeID: "a.py::ok", Call: 0.1, Outcome: "passed"},
		{NodeID: "a.py::fixed", Call: 0.1, Outcome: "failed"},
		{NodeID: "a.py::broke", Call: 0.1, Outcome: "passed"},
	}}
	second := Run{Start: at.Add(time.Minute), Wall: 1, Workers: 1, Tests: []TestRun{
		{NodeID: "a.py::ok", Call: 0.1, Outcome: "passed"},
		{NodeID: "a.py::fixed", Call: 0.1, Outcome: "passed"},
		{NodeID: "a.py::broke", Call: 0.1, Outcome: "error"},
	}}
	for _, r := range []Run{first, second} {
		if err := s.Record(r); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Failed()
	if len(got) != 1 || !got["a.py::broke"] {
		t.Errorf("Failed() = %v, want only a.py::broke", got)
	}
}
