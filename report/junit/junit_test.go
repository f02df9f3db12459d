package junit

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"shoal/result"
)

// The golden files in testdata/ are what real pytest 7.2 wrote for the suite
// in testdata/suite. Regenerate them with
//
//	go test ./report/junit/ -run TestGolden -update
//
// which runs, for each case below, in testdata/suite:
//
//	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -p no:cacheprovider \
//	    --tb=short -q --junitxml OUT ARGS...
//
// and normalises OUT: every time="…" becomes time="0.000", the timestamp
// 2000-01-01T00:00:00, the hostname "host" and the suite's absolute directory
// /suite. The inputs in reports_test.go are the reports pytest made in such a
// run, as shoal's plugin encodes them (dumped once with a throwaway hook that
// called shoal_plugin.reports.encode), with the same directory replaced and
// the durations left out. If the suite changes, redo both.
var update = flag.Bool("update", false, "rerun pytest to rewrite the golden files")

// epoch stands in for the normalised timestamp: 2000-01-01T00:00:00 UTC.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func line(n int) *int       { return &n }
func text(s string) *string { return &s }
func tests(t ...[]*result.Test) []*result.Test {
	var all []*result.Test
	for _, ts := range t {
		all = append(all, ts...)
	}
	return all
}

// notRun strips the reports, as when collection errors stop the run.
func notRun(ts []*result.Test) []*result.Test {
	for _, t := range ts {
		t.Reports = nil
	}
	return ts
}

type goldenCase struct {
	name    string   // testdata/<name>.xml
	args    []string // pytest's arguments; -o key=value also set the options
	tests   []*result.Test
	collect []result.CollectReport
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{name: "outcomes", args: []string{"test_outcomes.py"}, tests: outcomesTests()},
		{name: "outcomes_xunit1", args: []string{"-o", "junit_family=xunit1", "test_outcomes.py"}, tests: outcomesTests()},
		{name: "outcomes_legacy", args: []string{"-o", "junit_family=legacy", "test_outcomes.py"}, tests: outcomesTests()},
		{name: "output_no", args: []string{"test_output.py"}, tests: outputTests()},
		{name: "output_log", args: []string{"-o", "junit_logging=log", "test_output.py"}, tests: outputTests()},
		{name: "output_system_out", args: []string{"-o", "junit_logging=system-out", "test_output.py"}, tests: outputTests()},
		{name: "output_system_err", args: []string{"-o", "junit_logging=system-err", "test_output.py"}, tests: outputTests()},
		{name: "output_out_err", args: []string{"-o", "junit_logging=out-err", "test_output.py"}, tests: outputTests()},
		{name: "output_all", args: []string{"-o", "junit_logging=all", "test_output.py"}, tests: outputTests()},
		{name: "output_all_not_passing", args: []string{"-o", "junit_logging=all", "-o", "junit_log_passing_tests=false", "test_output.py"}, tests: outputTests()},
		{name: "props", args: []string{"test_props.py"}, tests: propsTests()},
		{name: "props_xunit1", args: []string{"-o", "junit_family=xunit1", "test_props.py"}, tests: propsTests()},
		{name: "escape", args: []string{"-o", "junit_logging=system-out", "test_escape.py"}, tests: escapeTests()},
		{name: "nested_xunit1", args: []string{"-o", "junit_family=xunit1", "sub"}, tests: nestedTests()},
		{
			name:    "collect",
			args:    []string{"--continue-on-collection-errors", "-o", "junit_suite_name=shoal", "test_collect_error.py", "test_module_skip.py", "test_props.py"},
			tests:   propsTests(),
			collect: []result.CollectReport{collectCollectError, collectModuleSkip},
		},
		{
			name:    "collect_xunit1",
			args:    []string{"--continue-on-collection-errors", "-o", "junit_family=xunit1", "test_collect_error.py", "test_module_skip.py", "test_props.py"},
			tests:   propsTests(),
			collect: []result.CollectReport{collectCollectError, collectModuleSkip},
		},
		{
			name:    "collect_interrupted",
			args:    []string{"test_collect_error.py", "test_props.py", "test_outcomes.py"},
			tests:   tests(notRun(propsTests()), notRun(outcomesTests())),
			collect: []result.CollectReport{collectCollectError},
		},
	}
}

// optionsFor is what the plugin reports for pytest run with args: the ini
// defaults, changed by each -o key=value.
func optionsFor(args []string) result.Options {
	o := result.Options{
		JUnitSuiteName:       "pytest",
		JUnitFamily:          "xunit2",
		JUnitLogging:         "no",
		JUnitLogPassingTests: true,
		JUnitDurationReport:  "total",
	}
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "-o" {
			continue
		}
		key, value, _ := strings.Cut(args[i+1], "=")
		switch key {
		case "junit_suite_name":
			o.JUnitSuiteName = value
		case "junit_family":
			o.JUnitFamily = value
		case "junit_logging":
			o.JUnitLogging = value
		case "junit_log_passing_tests":
			o.JUnitLogPassingTests = value == "true"
		case "junit_duration_report":
			o.JUnitDurationReport = value
		}
	}
	return o
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			golden := filepath.Join("testdata", tc.name+".xml")
			if *update {
				writeGolden(t, golden, tc.args)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			var run result.Run
			for _, e := range eventsOf(tc) {
				run.Apply(e)
			}
			var got bytes.Buffer
			if err := Write(&got, &run, "host", epoch); err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("junit xml differs from %s\ngot:\n%s\nwant:\n%s", golden, got.String(), want)
			}
		})
	}
}

// eventsOf is the case as the runner tells it: its tests collected, then
// each that ran finished with its reports.
func eventsOf(tc goldenCase) []result.Event {
	at := float64(epoch.Unix())
	collected := make([]*result.Test, len(tc.tests))
	var finished []result.Event
	for i, t := range tc.tests {
		c := *t
		c.Reports = nil
		collected[i] = &c
		if t.Ran() {
			finished = append(finished, result.TestFinished{At: at, Test: i, Ended: t})
		}
	}
	events := []result.Event{
		result.SessionStarted{At: at, InvocationDir: "/suite", Options: optionsFor(tc.args)},
		result.Collected{At: at, Tests: collected, CollectErrors: tc.collect},
	}
	events = append(events, finished...)
	return append(events, result.Finished{At: at, Start: at})
}

// TestFile writes a case's file as a run does, from its events to the path
// --junitxml names, and says where it wrote it.
func TestFile(t *testing.T) {
	tc := goldenCases()[0]
	path := filepath.Join(t.TempDir(), "out", "junit.xml")
	var told []string
	f := NewFile(func(p string) { told = append(told, p) })
	for _, e := range eventsOf(tc) {
		if s, ok := e.(result.SessionStarted); ok {
			s.Options.XMLPath = &path
			e = s
		}
		f.Event(e)
	}
	if f.Err() != nil || len(told) != 1 || told[0] != path {
		t.Fatalf("error %v; told of %q, want %s", f.Err(), told, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := timestampAttr.ReplaceAllString(string(data), ` timestamp="2000-01-01T00:00:00"`)
	got = hostnameAttr.ReplaceAllString(got, ` hostname="host"`)
	want, err := os.ReadFile(filepath.Join("testdata", tc.name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("file differs from testdata/%s.xml:\n%s", tc.name, got)
	}
	quiet := NewFile(func(p string) { t.Errorf("wrote %s without --junitxml", p) })
	for _, e := range eventsOf(tc) {
		quiet.Event(e)
	}
}

var (
	timeAttr      = regexp.MustCompile(` time="[0-9.]+"`)
	timestampAttr = regexp.MustCompile(` timestamp="[^"]*"`)
	hostnameAttr  = regexp.MustCompile(` hostname="[^"]*"`)
)

// writeGolden runs real pytest over testdata/suite and keeps its file, normalised.
func writeGolden(t *testing.T, golden string, args []string) {
	t.Helper()
	suite, err := filepath.Abs(filepath.Join("testdata", "suite"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "junit.xml")
	cmdArgs := append([]string{"-m", "pytest", "-p", "no:cacheprovider", "--tb=short", "-q", "--junitxml", out}, args...)
	cmd := exec.Command("/usr/bin/python3", cmdArgs...)
	cmd.Dir = suite
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTEST_ADDOPTS=", "PYTEST_PLUGINS=")
	if output, err := cmd.CombinedOutput(); err != nil && !bytes.Contains(output, []byte("generated xml file")) {
		t.Fatalf("pytest %s: %v\n%s", strings.Join(args, " "), err, output)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := timeAttr.ReplaceAllString(string(data), ` time="0.000"`)
	s = timestampAttr.ReplaceAllString(s, ` timestamp="2000-01-01T00:00:00"`)
	s = hostnameAttr.ReplaceAllString(s, ` hostname="host"`)
	s = strings.ReplaceAll(s, suite, "/suite")
	if err := os.WriteFile(golden, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenIsWellFormed(t *testing.T) {
	for _, tc := range goldenCases() {
		data, err := os.ReadFile(filepath.Join("testdata", tc.name+".xml"))
		if err != nil {
			t.Fatal(err)
		}
		checkWellFormed(t, tc.name, string(data))
	}
}

func checkWellFormed(t *testing.T, name, doc string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
	}
}

// writeString runs Write over tests with the plugin's default options, changed by opts.
func writeString(t *testing.T, tests []*result.Test, opts ...string) string {
	t.Helper()
	var args []string
	for _, o := range opts {
		args = append(args, "-o", o)
	}
	run := &result.Run{Options: optionsFor(args), Tests: tests, InvocationDir: "/suite", Start: 1, Stop: 1}
	var b bytes.Buffer
	if err := Write(&b, run, "host", epoch); err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, "output", b.String())
	return b.String()
}

func testcases(doc string) []string {
	return regexp.MustCompile(`(?s)<testcase .*?(?: />|</testcase>)`).FindAllString(doc, -1)
}

func withDurations(tc *result.Test, d ...float64) *result.Test {
	for i := range tc.Reports {
		tc.Reports[i].Duration = d[i]
	}
	return tc
}

func TestDurationReport(t *testing.T) {
	type testCase struct {
		name   string
		report string
		want   []string
	}
	run := func(t *testing.T, tc testCase) {
		all := outcomesTests()
		pass := withDurations(all[0], 0.1, 0.2, 0.3)
		double := withDurations(all[4], 0.01, 0.02, 0.04) // failed call, failed teardown
		skip := withDurations(all[6], 0.0005, 0.0015)     // skipped in setup: no call
		var got []string
		for _, c := range testcases(writeString(t, []*result.Test{pass, double, skip}, "junit_duration_report="+tc.report)) {
			got = append(got, regexp.MustCompile(`time="[^"]*"`).FindString(c))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("times: got %v, want %v", got, tc.want)
		}
	}
	for _, tc := range []testCase{
		// Checked against pytest with a conftest that fixed these durations.
		// "%.3f" of 0.0005 rounds up: the double is a hair above half.
		{name: "total", report: "total", want: []string{`time="0.600"`, `time="0.030"`, `time="0.040"`, `time="0.002"`}},
		{name: "call", report: "call", want: []string{`time="0.200"`, `time="0.020"`, `time="0.000"`, `time="0.000"`}},
	} {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestSuiteTimeAndTimestamp(t *testing.T) {
	type testCase struct {
		start, stop float64
		want        string
	}
	// Expected values from Python: TZ=Asia/Kolkata datetime.fromtimestamp(start).isoformat().
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, tc := range []testCase{
		{1700000000.1234565, 1700000001.5, `time="1.377" timestamp="2023-11-15T03:43:20.123456"`},
		{1700000000.0000005, 1700000000.0005, `time="0.000" timestamp="2023-11-15T03:43:20"`},
		{1700000000.9999995, 1700000000.9999995, `time="0.000" timestamp="2023-11-15T03:43:21"`},
		{1700000000.5, 1700000012.25, `time="11.750" timestamp="2023-11-15T03:43:20.500000"`},
		{1700000000.0000014, 1700000000.0000014, `time="0.000" timestamp="2023-11-15T03:43:20.000001"`},
	} {
		var b bytes.Buffer
		run := &result.Run{Start: tc.start, Stop: tc.stop}
		if err := Write(&b, run, "h", time.Unix(0, 0).In(ist)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want+` hostname="h"`) {
			t.Errorf("start %v stop %v: got %s, want %s", tc.start, tc.stop, b.String(), tc.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	// Options left empty mean pytest's ini defaults (but junit_log_passing_tests,
	// whose zero value is false); a run without times takes them from now.
	var b bytes.Buffer
	if err := Write(&b, &result.Run{Tests: outcomesTests()[:1]}, "h", epoch); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="0.000" timestamp="2000-01-01T00:00:00" hostname="h">` +
		`<testcase classname="test_outcomes" name="test_pass" time="0.000" /></testsuite></testsuites>`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestCrashedTest(t *testing.T) {
	crashed := &result.Test{NodeID: "test_a.py::test_boom", Path: "test_a.py", Lineno: line(3), Crashed: true, Reports: []result.Report{
		{When: "setup", Outcome: "passed", Duration: 0.25},
		{When: "call", Outcome: "failed", Category: "failed", LongRepr: "worker 'w1' crashed while running 'test_a.py::test_boom'"},
	}}
	got := writeString(t, []*result.Test{crashed, {NodeID: "test_a.py::test_never"}})
	want := `<testsuite name="pytest" errors="0" failures="1" skipped="0" tests="1" time="0.000" timestamp="1970-01-01T00:00:01" hostname="host">` +
		`<testcase classname="test_a" name="test_boom" time="0.250"><failure message="worker 'w1' crashed while running 'test_a.py::test_boom'">` +
		`worker 'w1' crashed while running 'test_a.py::test_boom'</failure></testcase></testsuite>`
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant it to contain\n%s", got, want)
	}
}

func TestSetupAndTeardownErrors(t *testing.T) {
	// pytest puts both errors in one testcase and counts the test twice.
	tc := &result.Test{NodeID: "test_a.py::test_x", Path: "test_a.py", Lineno: line(0), Reports: []result.Report{
		{When: "setup", Outcome: "failed", LongRepr: "E   setup", Crash: text("setup")},
		{When: "teardown", Outcome: "failed", LongRepr: "E   teardown", Crash: text("teardown")},
	}}
	got := writeString(t, []*result.Test{tc})
	want := `errors="2" failures="0" skipped="0" tests="2"` +
		`[^>]*><testcase classname="test_a" name="test_x" time="0.000">` +
		`<error message="failed on setup with &quot;setup&quot;">E   setup</error>` +
		`<error message="failed on teardown with &quot;teardown&quot;">E   teardown</error></testcase>`
	if !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("got\n%s\nwant to match\n%s", got, want)
	}
}

func TestXFailMarkedFailure(t *testing.T) {
	// A plugin's failed call that still carries wasxfail: pytest writes its text as None.
	tc := &result.Test{NodeID: "test_a.py::test_x", Reports: []result.Report{
		{When: "call", Outcome: "failed", WasXFail: text("why"), LongRepr: "boom"},
	}}
	got := writeString(t, []*result.Test{tc})
	want := `skipped="1" tests="1"`
	if !strings.Contains(got, want) || !strings.Contains(got, `<skipped message="xfail-marked test passes unexpectedly">None</skipped>`) {
		t.Errorf("got %s", got)
	}
}

func TestSkipWithoutRawLocation(t *testing.T) {
	// Reports from a plugin without skip_raw: the summary's relative path is
	// joined to the invocation directory, and a missing line prints as None.
	tc := &result.Test{NodeID: "sub/test_a.py::test_x", Reports: []result.Report{
		{When: "setup", Outcome: "skipped", Skip: &result.SkipInfo{Path: "sub/test_a.py", Reason: "Skipped: no"}},
	}}
	got := writeString(t, []*result.Test{tc})
	if !strings.Contains(got, `<skipped type="pytest.skip" message="no">/suite/sub/test_a.py:None: no</skipped>`) {
		t.Errorf("got %s", got)
	}
}

func TestPropertiesWithoutText(t *testing.T) {
	tc := &result.Test{NodeID: "test_a.py::test_x", Reports: []result.Report{
		{When: "call", Outcome: "passed"},
		{When: "teardown", Outcome: "passed", Props: [][2]any{{"n", 3.0}, {"f", 0.5}, {"b", true}, {"z", nil}, {"s", "a\x01"}}},
	}}
	got := writeString(t, []*result.Test{tc})
	want := `<properties><property name="n" value="3" /><property name="f" value="0.5" /><property name="b" value="True" />` +
		`<property name="z" value="None" /><property name="s" value="a#x01" /></properties>`
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant it to contain\n%s", got, want)
	}
}

func TestInvalidCharactersPytestLeavesRaw(t *testing.T) {
	// pytest writes class names and skip messages without bin_xml_escape, which
	// makes a broken file for control characters; shoal escapes them the same
	// way, and leaves what XML allows (here an emoji) as pytest does.
	tc := &result.Test{NodeID: "dir\x01/test_a.py::test_x", Reports: []result.Report{
		{When: "setup", Outcome: "skipped", SkipRaw: &result.SkipInfo{Path: "/s/test_a.py", Lineno: line(2), Reason: "Skipped: \x02 \U0001F600"}},
	}}
	got := writeString(t, []*result.Test{tc})
	want := `<testcase classname="dir#x01.test_a" name="test_x" time="0.000"><skipped type="pytest.skip" message="#x02 ` + "\U0001F600" +
		`">/s/test_a.py:2: #x02 #x1F600</skipped></testcase>`
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant it to contain\n%s", got, want)
	}
}

func TestCenter(t *testing.T) {
	// Python: " Captured Log ".center(80, "-"), "ab".center(5, "-"), "abc".center(6, "-").
	for in, want := range map[string]string{
		" Captured Log ": strings.Repeat("-", 33) + " Captured Log " + strings.Repeat("-", 33),
		"ab":             "--ab-",
		"abc":            "-abc--",
	} {
		width := 80
		if len(in) < 5 {
			width = len(in) + 3
		}
		if got := center(in, width, "-"); got != want {
			t.Errorf("center(%q, %d) = %q, want %q", in, width, got, want)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("JUNIT_DIR", "reports")
	run := &result.Run{InvocationDir: dir, Tests: outcomesTests()[:1], Start: 1, Stop: 2}
	if err := WriteFile("$JUNIT_DIR/$UNSET_JUNIT_VAR/out.xml", run); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "reports", "$UNSET_JUNIT_VAR", "out.xml"))
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if !strings.Contains(string(data), `tests="1" time="1.000"`) || !strings.Contains(string(data), `hostname="`+host+`"`) {
		t.Errorf("got %s", data)
	}
}

func TestExpandUser(t *testing.T) {
	t.Setenv("HOME", "/home/me/")
	for in, want := range map[string]string{
		"~":                         "/home/me",
		"~/a.xml":                   "/home/me/a.xml",
		"a/~/b":                     "a/~/b",
		"~no_such_user_for_junit/x": "~no_such_user_for_junit/x",
		"${HOME}x":                  "${HOME}x", // expandUser alone does not touch variables
	} {
		if got := expandUser(in); got != want {
			t.Errorf("expandUser(%q) = %q, want %q", in, got, want)
		}
	}
	if got := expandVars("${HOME}x/$HOME/${}/$"); got != "/home/me/x//home/me//${}/$" {
		t.Errorf("expandVars = %q", got)
	}
}

func TestRetriedTests(t *testing.T) {
	rerun := func(when, msg string) result.Report {
		return result.Report{When: when, Outcome: "rerun", Category: "rerun", Letter: "R", Word: "RERUN", LongRepr: "E   " + msg, Crash: text(msg)}
	}
	pass := []result.Report{{When: "setup", Outcome: "passed"}, {When: "call", Outcome: "passed", Category: "passed"}, {When: "teardown", Outcome: "passed"}}
	flaky := &result.Test{NodeID: "test_a.py::test_flaky", Path: "test_a.py", Lineno: line(0),
		Attempts: []result.Attempt{{Reports: 3}, {Reports: 2}},
		Reports: append([]result.Report{{When: "setup", Outcome: "passed"}, rerun("call", "ValueError: first"), {When: "teardown", Outcome: "passed"},
			rerun("setup", "no db"), {When: "teardown", Outcome: "passed"}}, pass...)}
	failing := &result.Test{NodeID: "test_a.py::test_broken", Path: "test_a.py", Lineno: line(4),
		Attempts: []result.Attempt{{Reports: 3}},
		Reports: []result.Report{{When: "setup", Outcome: "passed"}, rerun("call", "assert 1 == 0"), {When: "teardown", Outcome: "passed"},
			{When: "setup", Outcome: "passed"}, {When: "call", Outcome: "failed", Category: "failed", LongRepr: "E   assert 2 == 0", Crash: text("assert 2 == 0")}, {When: "teardown", Outcome: "passed"}}}
	got := writeString(t, []*result.Test{flaky, failing})
	want := `errors="0" failures="1" skipped="0" tests="2"[^>]*>` +
		`<testcase classname="test_a" name="test_flaky" time="0.000">` +
		`<flakyFailure message="ValueError: first" type="ValueError">E   ValueError: first</flakyFailure>` +
		`<flakyError message="no db" type="AssertionError">E   no db</flakyError></testcase>` +
		`<testcase classname="test_a" name="test_broken" time="0.000">` +
		`<failure message="assert 2 == 0">E   assert 2 == 0</failure>` +
		`<rerunFailure message="assert 1 == 0" type="AssertionError">E   assert 1 == 0</rerunFailure></testcase>`
	if !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("got\n%s\nwant to match\n%s", got, want)
	}
}
