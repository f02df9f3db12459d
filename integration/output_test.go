//go:build integration

package integration_test

import (
	"regexp"
	"sort"
	"strings"
)

// The parts of pytest's terminal output that shoal must reproduce. Timings
// differ between runs; everything here has them removed.

var (
	// duration ends pytest's closing line: " in 0.05s", " in 61.00s (0:01:01)".
	duration = regexp.MustCompile(`\s+in [0-9]+(\.[0-9]+)?s( \([0-9:]+\))?$`)
	// sectionTitle is a FAILURES or ERRORS entry: "____ test_fail ____".
	sectionTitle = regexp.MustCompile(`^_+ (.+?) _+$`)
	// stopLine says why a run ended early: "!!!! stopping after 1 failures !!!!".
	stopLine = regexp.MustCompile(`^!+ (.+?) !+$`)
	// collectErrorTitle heads a collection error: "____ ERROR collecting test_x.py ____".
	collectErrorTitle = regexp.MustCompile(`^_+ (ERROR collecting .+?) _+$`)
	// workerLine is shoal's header line on its workers:
	// "shoal: 2 workers, forked after collection".
	workerLine = regexp.MustCompile(`^shoal: [0-9]+ workers?, (.+)$`)
)

// collectedLine is pytest's "collected 9 items / 2 errors / 1 skipped" line,
// "" where there is none (-q).
func collectedLine(stdout string) string {
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "collected ") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// collectErrors are the titles of the "ERROR collecting" entries in the
// order they appear, which is collection order.
func collectErrors(stdout string) []string {
	out := []string{}
	for _, line := range strings.Split(stdout, "\n") {
		if m := collectErrorTitle.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// startNote is what shoal's header says about how its workers started
// ("forked after collection"), "" where it says nothing.
func startNote(stdout string) string {
	for _, line := range strings.Split(stdout, "\n") {
		if m := workerLine.FindStringSubmatch(line); m != nil {
			return m[1]
		}
	}
	return ""
}

// summaryLine is the closing line of pytest's output, such as
// "=== 1 failed, 2 passed in 0.05s ===", without the rule and the duration.
func summaryLine(stdout string) string {
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	// shoal -v prints where the time went after it.
	for i := len(lines) - 1; i >= 0; i-- {
		if closingLine.MatchString(lines[i]) {
			last = lines[i]
			break
		}
	}
	return duration.ReplaceAllString(strings.Trim(last, "= "), "")
}

// closingLine is pytest's closing line between its rules.
var closingLine = regexp.MustCompile(`^=+ .* in [0-9.]+s( \([0-9:]+\))? =+$`)

// sectionTitles are the titles of the entries under ERRORS and FAILURES,
// sorted: workers finish tests in another order than pytest does.
func sectionTitles(stdout string) []string {
	return matching(sectionTitle, stdout)
}

// stopReasons are the "!!! reason !!!" lines.
func stopReasons(stdout string) []string {
	return matching(stopLine, stdout)
}

func matching(re *regexp.Regexp, stdout string) []string {
	out := []string{}
	for _, line := range strings.Split(stdout, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// shortSummary is the "short test summary info" section, sorted.
func shortSummary(stdout string) []string {
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	out := []string{}
	in := false
	for _, line := range lines[:len(lines)-1] { // the last line is the closing line
		switch {
		case strings.Contains(line, " short test summary info "):
			in = true
		case in && (strings.HasPrefix(line, "==") || stopLine.MatchString(line)):
			in = false
		case in:
			out = append(out, line)
		}
	}
	sort.Strings(out)
	return out
}
