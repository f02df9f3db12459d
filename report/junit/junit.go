// Package junit writes a run's JUnit XML file the way pytest 7.2's junitxml
// plugin (`pytest --junitxml PATH`) writes it, from the reports the workers sent.
package junit

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"shoal/result"
)

// settings are the junit_* ini values, with pytest's defaults filled in.
type settings struct {
	suiteName      string // junit_suite_name, default "pytest"
	family         string // junit_family: "xunit1" or "xunit2" (default; "legacy" is xunit1)
	logging        string // junit_logging, default "no"
	durationReport string // junit_duration_report: "total" (default) or "call"
	logPassing     bool   // junit_log_passing_tests; its zero value is false
}

func newSettings(o result.Options) settings {
	s := settings{
		suiteName:      o.JUnitSuiteName,
		family:         o.JUnitFamily,
		logging:        o.JUnitLogging,
		durationReport: o.JUnitDurationReport,
		logPassing:     o.JUnitLogPassingTests,
	}
	if s.suiteName == "" {
		s.suiteName = "pytest"
	}
	switch s.family {
	case "legacy":
		s.family = "xunit1"
	case "":
		s.family = "xunit2"
	}
	if s.logging == "" {
		s.logging = "no"
	}
	if s.durationReport == "" {
		s.durationReport = "total"
	}
	return s
}

// Write writes run's JUnit XML to w. The suite's timestamp is run.Start shown
// in now's time zone and its time is run.Stop-run.Start; now stands in for
// either when the run has not set it.
func Write(w io.Writer, run *result.Run, hostname string, now time.Time) error {
	s := &suite{cfg: newSettings(run.Options), invocationDir: run.InvocationDir, known: run.Known}
	for _, r := range run.CollectErrors {
		s.addCollectReport(r)
	}
	for _, t := range run.Tests {
		if t.Ran() {
			s.addTest(t)
		}
	}
	start, stop := run.Start, run.Stop
	if start == 0 {
		start = unixSeconds(now)
	}
	if stop == 0 {
		stop = unixSeconds(now)
	}
	root := s.element(stop-start, isoTimestamp(start, now.Location()), hostname)
	b := bufio.NewWriterSize(w, 64<<10)
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	root.write(b)
	return b.Flush()
}

// suite gathers testcases and counts as pytest's LogXML does.
type suite struct {
	cfg           settings
	invocationDir string
	// known marks failed tests shoal verify classed (result.Run.Known).
	known    map[string]string
	cases    []*testcase
	passed   int
	failures int
	errors   int
	skipped  int
	// doubleFails counts tests whose failed call and failed teardown became
	// two testcases; pytest counts each such test once.
	doubleFails int
}

func (s *suite) element(seconds float64, timestamp, hostname string) *element {
	tests := s.passed + s.failures + s.skipped + s.errors - s.doubleFails
	node := &element{tag: "testsuite", attrs: []attr{
		{"name", s.cfg.suiteName},
		{"errors", strconv.Itoa(s.errors)},
		{"failures", strconv.Itoa(s.failures)},
		{"skipped", strconv.Itoa(s.skipped)},
		{"tests", strconv.Itoa(tests)},
		{"time", seconds3(seconds)},
		{"timestamp", timestamp},
		{"hostname", hostname},
	}}
	for _, c := range s.cases {
		node.children = append(node.children, c.element())
	}
	return &element{tag: "testsuites", children: []*element{node}}
}

func (s *suite) newCase() *testcase {
	c := &testcase{suite: s}
	s.cases = append(s.cases, c)
	return c
}

// count mirrors LogXML.add_stats, which counts appended nodes by tag.
func (s *suite) count(tag string) {
	switch tag {
	case "failure":
		s.failures++
	case "error":
		s.errors++
	case "skipped":
		s.skipped++
	}
}

// addCollectReport writes a collection error or a module-level skip.
func (s *suite) addCollectReport(r result.CollectReport) {
	c := s.newCase()
	file, _, _ := strings.Cut(r.NodeID, "::")
	c.record(r.NodeID, file, nil)
	if r.Outcome == "failed" {
		c.addSimple("error", "collection failure", r.LongRepr)
	} else {
		c.addSimple("skipped", "collection skipped", r.LongRepr)
	}
}

// addTest follows LogXML.pytest_runtest_logreport over one test's reports.
// Every passing phase but the call leaves no trace beyond its duration.
// A retried test's earlier attempts go into the testcase of its last (see
// attempts.go).
func (s *suite) addTest(t *result.Test) {
	var cur *testcase // the open testcase; nil once pytest would finalize it
	var named *testcase
	callFailed := false
	open := func() *testcase {
		if cur == nil {
			cur = s.newCase()
		}
		return cur
	}
	record := func() *testcase {
		c := open()
		c.record(t.NodeID, t.Path, t.Lineno)
		named = c
		return c
	}
	earlier, last := t.Retried()
	defer func() {
		named.addAttempts(earlier, t.Flaky())
		if class := s.known[t.NodeID]; class != "" {
			// A property, where a reader of the file looks for more of a test.
			named.props = append(named.props, attr{"shoal_known_problem", class})
		}
	}()
	for i := len(t.Reports) - len(last); i < len(t.Reports); i++ {
		r := &t.Reports[i]
		switch r.Outcome {
		case "passed":
			if r.When == "call" {
				record()
				s.passed++
			}
		case "failed":
			if r.When == "teardown" && callFailed {
				// A failed call and a failed teardown get a testcase each.
				cur = nil
				s.doubleFails++
			}
			c := record()
			if r.When == "call" {
				c.addFailure(r)
				callFailed = true
				if !s.cfg.logPassing {
					c.addOutput(r)
				}
			} else {
				c.addError(r)
			}
		case "skipped":
			record().addSkipped(r, s.invocationDir)
		}
		if s.cfg.durationReport == "total" || r.When == s.cfg.durationReport {
			open().duration += t.ReportDuration(i)
		}
		if r.When == "teardown" {
			c := record()
			c.addOutput(r)
			c.addProperties(r)
			cur, callFailed = nil, false
		}
	}
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// seconds3 is Python's "%.3f".
func seconds3(d float64) string { return strconv.FormatFloat(d, 'f', 3, 64) }

// isoTimestamp is datetime.fromtimestamp(sec).isoformat(): microseconds
// rounded half to even, left out when zero, no zone.
func isoTimestamp(sec float64, loc *time.Location) string {
	whole, frac := math.Modf(sec)
	us := math.RoundToEven(frac * 1e6)
	if us < 0 {
		us += 1e6
		whole--
	}
	if us >= 1e6 {
		us -= 1e6
		whole++
	}
	t := time.Unix(int64(whole), int64(us)*1000).In(loc)
	if us == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}
