//go:build integration

package integration_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// findChromium is the headless browser the HTML report is opened in:
// Debian's chromium. Without one the tests that need it skip, unless
// SHOAL_REQUIRE_CHROMIUM=1 (as .ci/run sets it) makes that a failure.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SHOAL_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("SHOAL_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install -y chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install -y chromium)")
	return ""
}

// browser is a headless Chromium with one tab, and the errors its pages
// raised: exceptions, console.error calls and error log entries.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func openBrowser(t *testing.T, exe string) *browser {
	t.Helper()
	// Without the background-networking flags, Chromium reaches out at
	// start (updates, sync); where the network is closed that fails.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			desc := ""
			if d.Exception != nil {
				desc = d.Exception.Description
			}
			b.errors = append(b.errors, fmt.Sprintf("exception at line %d: %s %s", d.LineNumber+1, d.Text, desc))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				b.errors = append(b.errors, "console.error called")
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				b.errors = append(b.errors, "log: "+ev.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatalf("cannot start %s headless: %v", exe, err)
	}
	// Start the browser before anything is timed.
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("cannot start %s headless: %v", exe, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("cannot start %s headless: %v", exe, err)
	}
	return b
}

func (b *browser) pageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.errors)
}

// open loads the page at path and waits until its script has drawn it;
// it returns how long that took.
func (b *browser) open(t *testing.T, path string) time.Duration {
	t.Helper()
	began := time.Now()
	err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS(`html[data-ready="true"]`)))
	if err != nil {
		t.Fatalf("cannot open %s: %v (page errors: %v)", path, err, b.pageErrors())
	}
	return time.Since(began)
}

// A run of 5,000 tests as an HTML page, opened in headless Chromium: it
// loads without a script error, in under 3 s, with every test's element
// (data-nodeid) and every worker's lane (data-worker).
func TestHTMLInChromium(t *testing.T) {
	requirePython(t)
	exe := findChromium(t)
	dir := copySuite(t, "many")
	page := filepath.Join(t.TempDir(), "run.html")
	sh := runShoal(t, dir, shoalCall{flags: []string{"--no-history", "--html", page}})
	if sh.code != 1 || sh.record == nil || len(sh.record.Tests) != 5000 {
		t.Fatalf("want 5,000 tests, some failing (exit 1):\n%s", sh.output)
	}
	info, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	b := openBrowser(t, exe)
	took := b.open(t, page)
	nodeids := evaluate[[]string](t, b, `Array.from(document.querySelectorAll("[data-nodeid]"), e => e.dataset.nodeid)`)
	workers := evaluate[[]string](t, b, `Array.from(document.querySelectorAll(".lane[data-worker]"), e => e.dataset.worker)`)
	readyMs := evaluate[string](t, b, `document.documentElement.dataset.readyMs`)
	t.Logf("page of %d bytes drawn in %v (%s ms after navigation began, by the page's clock)", info.Size(), took, readyMs)
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("the page raised errors: %v", errs)
	}
	if took > 3*time.Second {
		t.Errorf("the page took %v to open, want under 3 s", took)
	}
	want := make([]string, 0, len(sh.record.Tests))
	for _, rt := range sh.record.Tests {
		want = append(want, rt.NodeID)
	}
	slices.Sort(want)
	slices.Sort(nodeids)
	if !slices.Equal(nodeids, want) {
		t.Errorf("%d elements with data-nodeid, want the record's %d tests", len(nodeids), len(want))
	}
	if !slices.Equal(workers, []string{"gw0", "gw1"}) {
		t.Errorf("lanes %v, want gw0 and gw1", workers)
	}
	if ms, err := strconv.Atoi(readyMs); err != nil || ms <= 0 {
		t.Errorf("the page did not say when it was ready: %q", readyMs)
	}
	if strings.Contains(readFile(t, page), "http") {
		t.Errorf("the page refers to something on a network")
	}
	checkFindAndClick(t, b, sh.record)
}

// checkFindAndClick finds a failed test with the page's search box, which
// zooms to its bar and shows its failure, then clicks the middle of its
// worker's lane, where the bar now is, and sees the test shown again.
func checkFindAndClick(t *testing.T, b *browser, rec *record) {
	t.Helper()
	var failed recordTest
	for _, rt := range rec.Tests {
		if rt.Outcome == "failed" {
			failed = rt
			break
		}
	}
	detail := func() string { return evaluate[string](t, b, `document.getElementById("detail").textContent`) }
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.CSS("#find"), failed.NodeID+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if d := detail(); !strings.Contains(d, failed.NodeID) || !strings.Contains(d, "fails on purpose") {
		t.Errorf("finding %s shows %q", failed.NodeID, d)
	}
	evaluate[bool](t, b, `(document.getElementById("detail").replaceChildren(), true)`)
	at := evaluate[[]float64](t, b, `(() => { const r = document.querySelector('.lane[data-worker="`+failed.Worker+`"] canvas').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	if err := chromedp.Do(b.ctx, chromedp.MouseClickXY(at[0], at[1])); err != nil {
		t.Fatal(err)
	}
	if d := detail(); !strings.Contains(d, failed.NodeID) {
		t.Errorf("a click on %s's bar shows %q", failed.NodeID, d)
	}
}

func evaluate[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A page of 100,000 tests, from a record made up for it, opens without an
// error and with every test's element; the time it took is logged.
func TestHTMLOfLargeRun(t *testing.T) {
	exe := findChromium(t)
	dir := t.TempDir()
	rec := filepath.Join(dir, "run.json")
	var tests []string
	for i := range 100_000 {
		at := 1000 + float64(i/4)*0.006
		tests = append(tests, fmt.Sprintf(`{"nodeid":"tests/test_m%03d.py::TestC::test_case[%d]","outcome":"passed","worker":"gw%d","start":%f,"stop":%f,"phases":{"setup":0.001,"call":0.003,"teardown":0.001}}`,
			i/500, i, i%4, at, at+0.005))
	}
	data := `{"version":1,"start":1000,"stop":1600,"workers":[{"id":"gw0"},{"id":"gw1"},{"id":"gw2"},{"id":"gw3"}],"tests":[` + strings.Join(tests, ",") + `]}`
	if err := os.WriteFile(rec, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "run.html")
	if out := execute(t, dir, baseEnv(), commandTimeout, termGrace, shoalBin, "report", rec, "--html", page); out.code != 0 {
		t.Fatalf("shoal report --html:\n%s", out)
	}
	b := openBrowser(t, exe)
	took := b.open(t, page)
	n := evaluate[int](t, b, `document.querySelectorAll("[data-nodeid]").length`)
	info, _ := os.Stat(page)
	t.Logf("page of %d bytes with %d tests drawn in %v (by the page's clock: ready at %s ms, listing took %s ms, drawing %s ms)", info.Size(), n, took,
		evaluate[string](t, b, `document.documentElement.dataset.readyMs`), evaluate[string](t, b, `document.documentElement.dataset.listMs`),
		evaluate[string](t, b, `document.documentElement.dataset.drawMs`))
	if n != 100_000 {
		t.Errorf("%d elements with data-nodeid, want 100,000", n)
	}
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("the page raised errors: %v", errs)
	}
}
