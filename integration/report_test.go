//go:build integration

package integration_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shoal/report/trace"
)

// reportJSON is what shoal report --json says, the parts checked here.
type reportJSON struct {
	Wall           float64 `json:"wall"`
	SerialEstimate float64 `json:"serial_estimate"`
	Speedup        float64 `json:"speedup"`
	IdleTail       float64 `json:"idle_tail"`
	Workers        []struct {
		ID          string  `json:"id"`
		Busy        float64 `json:"busy"`
		Idle        float64 `json:"idle"`
		Utilisation float64 `json:"utilisation"`
	} `json:"workers"`
	Bottlenecks []struct {
		Kind    string   `json:"kind"`
		Seconds float64  `json:"seconds"`
		Advice  string   `json:"advice"`
		Tests   []string `json:"tests"`
	} `json:"bottlenecks"`
}

// The bottlenecks suite: one 16 s test, eight exclusive tests of 1.25 s and
// sixteen ordinary ones of 0.25 s, on four workers. shoal report must
// rank the long test and the exclusive tests first, and its speedup must
// agree with the one measured against plain pytest. Not parallel: the
// two runs it times should see the same machine.
func TestReportBottlenecks(t *testing.T) {
	requirePython(t)
	dir := copySuite(t, "bottlenecks")
	began := time.Now()
	py := runPytest(t, dir)
	serial := time.Since(began).Seconds()
	if py.code != 0 {
		t.Fatalf("pytest failed the suite:\n%s", py.output)
	}
	rec := filepath.Join(t.TempDir(), "run.json")
	began = time.Now()
	sh := runShoal(t, dir, shoalCall{flags: []string{"-n", "4", "--no-history", "-v", "--report-json", rec}})
	parallel := time.Since(began).Seconds()
	if sh.code != 0 {
		t.Fatalf("shoal failed the suite:\n%s", sh.output)
	}
	if !strings.Contains(sh.stdout, "where the time went:") || !strings.Contains(sh.stdout, "bottlenecks, by the seconds they cost:") {
		t.Errorf("shoal run -v printed no account of its time:\n%s", sh.stdout)
	}
	out := execute(t, dir, baseEnv(), commandTimeout, termGrace, shoalBin, "report", rec, "--json")
	if out.code != 0 {
		t.Fatalf("shoal report --json:\n%s", out)
	}
	var rep reportJSON
	if err := json.Unmarshal([]byte(out.stdout), &rep); err != nil {
		t.Fatalf("shoal report --json wrote no JSON: %v\n%s", err, out.stdout)
	}
	checkTopBottlenecks(t, rep)
	// pytest's time as this test measured it, over shoal's as shoal
	// measured it: from its start to its end, the record's wall. From
	// outside, shoal's process also starts, and writes history and
	// removes its resources after the record (0.3 s on an idle machine,
	// over 2 s on a loaded one); the report cannot count what comes after
	// it is written.
	measured := serial / rep.Wall
	if math.Abs(rep.Speedup-measured) > 0.1*measured {
		t.Errorf("speedup %.3f (serial estimate %.2f s over %.2f s), but pytest took %.2f s: %.3f",
			rep.Speedup, rep.SerialEstimate, rep.Wall, serial, measured)
	}
	if len(rep.Workers) != 4 {
		t.Errorf("%d workers reported, want 4", len(rep.Workers))
	}
	for _, w := range rep.Workers {
		if w.Utilisation < 0 || w.Utilisation > 1 || w.Busy < 0 || w.Idle < 0 {
			t.Errorf("worker %s: busy %v, idle %v, utilisation %v", w.ID, w.Busy, w.Idle, w.Utilisation)
		}
	}
	t.Logf("pytest %.2f s, shoal %.2f s (%.2f s from outside): measured speedup %.3f (%.3f from outside), reported %.3f",
		serial, rep.Wall, parallel, measured, serial/parallel, rep.Speedup)
	text := execute(t, dir, baseEnv(), commandTimeout, termGrace, shoalBin, "report", rec)
	if text.code != 0 || !strings.Contains(text.stdout, "long_test test_long.py::test_long takes") {
		t.Errorf("shoal report's text does not name the long test:\n%s", text)
	}
	screenshot(t, dir, rec)
}

// screenshot opens the run's page, from shoal report --html, in headless
// Chromium where there is one, and saves what it shows as a PNG when
// SHOAL_SCREENSHOT names a file: the README's picture is made this way,
//
//	SHOAL_SCREENSHOT=$PWD/docs/timeline.png go test -tags integration -run TestReportBottlenecks ./integration/
func screenshot(t *testing.T, dir, rec string) {
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil && exe == "" {
			exe = p
		}
	}
	if exe == "" {
		return
	}
	page := filepath.Join(t.TempDir(), "run.html")
	if out := execute(t, dir, baseEnv(), commandTimeout, termGrace, shoalBin, "report", rec, "--html", page); out.code != 0 {
		t.Fatalf("shoal report --html:\n%s", out)
	}
	b := openBrowser(t, exe)
	b.open(t, page)
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("the page raised errors: %v", errs)
	}
	if n := evaluate[int](t, b, `document.querySelectorAll('[data-nodeid="test_long.py::test_long"]').length`); n != 1 {
		t.Errorf("%d elements for the long test", n)
	}
	path := os.Getenv("SHOAL_SCREENSHOT")
	if path == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkTopBottlenecks: the long test and the exclusive tests come first,
// with the seconds they cost. The long test ends the run 16 s after it
// starts while the rest of the work shares out in less; the exclusive
// tests, 10 s of them one after another, held the other three workers.
// Start-up, on a busy machine, stays below both. The runs are long so
// that what shoal and pytest spend outside tests (seconds on a busy
// machine) stays small beside them.
func checkTopBottlenecks(t *testing.T, rep reportJSON) {
	t.Helper()
	if len(rep.Bottlenecks) < 2 {
		t.Fatalf("bottlenecks: %+v", rep.Bottlenecks)
	}
	top := rep.Bottlenecks[:2]
	kinds := []string{top[0].Kind, top[1].Kind}
	if !slices.Contains(kinds, "long_test") || !slices.Contains(kinds, "isolation") {
		t.Fatalf("the first two bottlenecks are %v, want long_test and isolation: %+v", kinds, rep.Bottlenecks)
	}
	for _, b := range top {
		switch b.Kind {
		case "long_test":
			// An even share is (16 + 10 + 4) / 4 s, with slack for slow starts.
			if !slices.Equal(b.Tests, []string{"test_long.py::test_long"}) || b.Seconds < 16-7.5-0.5 || b.Seconds > 16 {
				t.Errorf("long test: %+v", b)
			}
		case "isolation":
			if len(b.Tests) != 8 || b.Seconds < 10*3/4 || b.Seconds > rep.Wall {
				t.Errorf("isolation: %+v", b)
			}
		}
		if b.Advice == "" {
			t.Errorf("%s has no advice", b.Kind)
		}
	}
}

// A run of the isolation suite as a Chrome trace, from shoal run --trace
// and from shoal report --trace on its record: both hold to the
// trace-event format, with every test on its worker's track, start-up and
// collection, and the barriers of its exclusive tests.
func TestTrace(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir := copySuite(t, "isolation")
	out := t.TempDir()
	rec, live := filepath.Join(out, "run.json"), filepath.Join(out, "live.trace.json")
	sh := runShoal(t, dir, shoalCall{flags: []string{"--no-history", "--report-json", rec, "--trace", live}})
	if sh.code != 0 {
		t.Fatalf("shoal failed the suite:\n%s", sh.output)
	}
	later := filepath.Join(out, "later.trace.json")
	if rep := execute(t, dir, baseEnv(), commandTimeout, termGrace, shoalBin, "report", rec, "--trace", later); rep.code != 0 {
		t.Fatalf("shoal report --trace:\n%s", rep)
	}
	run := readRecord(t, rec)
	for _, path := range []string{live, later} {
		checkTrace(t, path, run)
	}
}

func checkTrace(t *testing.T, path string, run *record) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.Validate(bytes.NewReader(data)); err != nil {
		t.Fatalf("%s breaks the trace-event format: %v", path, err)
	}
	var f trace.File
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	tracks := map[int]string{}
	byName := map[string][]trace.Event{}
	for _, e := range f.TraceEvents {
		if e.Ph == "M" && e.Name == "thread_name" {
			tracks[e.TID] = e.Args["name"].(string)
		} else {
			byName[e.Name] = append(byName[e.Name], e)
		}
	}
	for _, rt := range run.Tests {
		es := byName[rt.NodeID]
		if len(es) != 1 || tracks[es[0].TID] != rt.Worker || es[0].Cat != "test" {
			t.Errorf("%s: %s in the trace as %+v, want one event on %s's track", path, rt.NodeID, es, rt.Worker)
		}
	}
	if n := len(byName["call"]); n != len(run.Tests) {
		t.Errorf("%s: %d call phases for %d tests", path, n, len(run.Tests))
	}
	if len(byName["start-up and collection"]) != 1 || len(byName["barrier: exclusive tests alone"]) == 0 {
		t.Errorf("%s: no start-up or no barrier: %d, %d", path, len(byName["start-up and collection"]), len(byName["barrier: exclusive tests alone"]))
	}
}
