package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"shoal/history"
	"shoal/result"
)

// Known problems: what shoal verify found of the tests that failed in
// this run, kept in history, so that a known-flaky failure is told apart
// from a new one. The exit code stays pytest's: a failure still fails.

// knownOf maps the failed tests of run that shoal verify classed to the
// class it found: flaky, order-dependent or conflict.
func knownOf(run *result.Run, verdicts map[string]history.Verdict) map[string]history.Verdict {
	known := map[string]history.Verdict{}
	for _, t := range run.Tests {
		if o := t.Outcome(); o != result.Failed && o != result.Error {
			continue
		}
		if v, ok := verdicts[t.NodeID]; ok && v.Class != "" && v.Class != "stable" {
			known[t.NodeID] = v
		}
	}
	return known
}

// knownLines are the summary's lines for known, one per test, sorted.
func knownLines(known map[string]history.Verdict) []string {
	lines := make([]string, 0, len(known))
	for _, id := range slices.Sorted(maps.Keys(known)) {
		v := known[id]
		line := fmt.Sprintf("%s: known %s", id, v.Class)
		switch {
		case v.Class == "flaky":
			line += " (fails alone, whatever the order); --retries N runs it again"
		case v.Class == "order-dependent" && len(v.Partners) > 0:
			line += " after " + strings.Join(v.Partners, ", ")
		case v.Class == "conflict" && len(v.Partners) > 0:
			line += " with " + strings.Join(v.Partners, ", ")
		}
		lines = append(lines, line)
	}
	return lines
}

// knownSection is the terminal's summary section "known problems (shoal
// verify)"; empty where no failed test has a verdict or there is no
// history.
func knownSection(h *runHistory) func(run *result.Run) string {
	return func(run *result.Run) string {
		return strings.Join(knownLines(knownOf(run, h.verdicts(run.Rootdir))), "\n")
	}
}

// knownClasses is what the JUnit file marks on a failed testcase: node id
// to class.
func knownClasses(h *runHistory) func(run *result.Run) map[string]string {
	return func(run *result.Run) map[string]string {
		out := map[string]string{}
		for id, v := range knownOf(run, h.verdicts(run.Rootdir)) {
			out[id] = v.Class
		}
		return out
	}
}
