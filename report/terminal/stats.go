package terminal

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"shoal/result"
)

// The short test summary info and the closing stats line.

func (r *Reporter) shortSummary(run *result.Run, chars string) {
	var lines []string
	for _, c := range chars {
		switch c {
		case 'f':
			lines = append(lines, r.simple(run, "failed")...)
		case 'E':
			lines = append(lines, r.collectErrorLines(run)...)
			lines = append(lines, r.simple(run, "error")...)
		case 'p':
			lines = append(lines, r.simple(run, "passed")...)
		case 's':
			lines = append(lines, r.skipped(run)...)
		case 'x':
			for _, t := range run.Tests {
				for _, rep := range t.Reports {
					if rep.Category == "xfailed" {
						line := r.paint("XFAIL", "yellow") + " " + cwdRelative(run, t.NodeID)
						if rep.WasXFail != nil && *rep.WasXFail != "" {
							line += " - " + *rep.WasXFail
						}
						lines = append(lines, line)
					}
				}
			}
		case 'X':
			for _, t := range run.Tests {
				for _, rep := range t.Reports {
					if rep.Category == "xpassed" {
						reason := ""
						if rep.WasXFail != nil {
							reason = *rep.WasXFail
						}
						lines = append(lines, r.paint("XPASS", "yellow")+" "+cwdRelative(run, t.NodeID)+" "+reason)
					}
				}
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	r.sep("=", "short test summary info", "cyan bold")
	for _, l := range lines {
		r.line(l)
	}
}

func (r *Reporter) collectErrorLines(run *result.Run) []string {
	var lines []string
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			lines = append(lines, r.withCrash("ERROR", "red", cwdRelative(run, e.NodeID), e.Crash))
		}
	}
	return lines
}

func (r *Reporter) simple(run *result.Run, category string) []string {
	var lines []string
	for _, t := range run.Tests {
		for _, rep := range t.Reports {
			if rep.Category != category {
				continue
			}
			// The word pytest_report_teststatus gave (a plugin's, as
			// pytest-subtests' SUBFAIL), as pytest's short summary shows it.
			word := rep.Word
			if word == "" || strings.ContainsAny(word, " \n") {
				word = strings.ToUpper(category)
			}
			lines = append(lines, r.withCrash(word, colorFor(category), cwdRelative(run, t.NodeID), rep.Crash))
		}
	}
	return lines
}

// withCrash is "WORD nodeid - first line of the crash message", trimmed to
// the terminal's width as pytest trims it (except on CI, where it does not).
func (r *Reporter) withCrash(word, color, nodeid string, crash *string) string {
	line := word + " " + nodeid
	if crash == nil {
		return r.paint(word, color) + " " + nodeid
	}
	msg, _, _ := strings.Cut(*crash, "\n")
	if runningOnCI() {
		return r.paint(word, color) + " " + nodeid + " - " + *crash
	}
	avail := r.width - utf8.RuneCountInString(line)
	trimmed, ok := formatTrimmed(msg, avail)
	if !ok {
		return r.paint(word, color) + " " + nodeid
	}
	return r.paint(word, color) + " " + nodeid + trimmed
}

// formatTrimmed is pytest's _format_trimmed(" - {}", msg, width).
func formatTrimmed(msg string, width int) (string, bool) {
	const format = 3 // len(" - ")
	const ellipsis = "..."
	if format+len(ellipsis) > width {
		return "", false
	}
	runes := []rune(msg)
	if format+len(runes) > width {
		width -= len(ellipsis)
		if len(runes) > width {
			runes = runes[:max(width, 0)]
		}
		for format+len(runes) > width && len(runes) > 0 {
			runes = runes[:len(runes)-1]
		}
		return " - " + string(runes) + ellipsis, true
	}
	return " - " + msg, true
}

type skipKey struct {
	path   string
	lineno int // -1 when pytest shows no line
	reason string
}

func (r *Reporter) skipped(run *result.Run) []string {
	var order []skipKey
	counts := map[skipKey]int{}
	add := func(s *result.SkipInfo) {
		if s == nil {
			return
		}
		k := skipKey{s.Path, -1, s.Reason}
		if s.Lineno != nil {
			k.lineno = *s.Lineno
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	for _, e := range run.CollectErrors {
		if e.Outcome == "skipped" {
			add(e.Skip)
		}
	}
	for _, t := range run.Tests {
		for _, rep := range t.Reports {
			if rep.Category == "skipped" {
				add(rep.Skip)
			}
		}
	}
	lines := make([]string, 0, len(order))
	for _, k := range order {
		reason := strings.TrimPrefix(k.reason, "Skipped: ")
		word := r.paint("SKIPPED", "yellow")
		if k.lineno >= 0 {
			lines = append(lines, fmt.Sprintf("%s [%d] %s:%d: %s", word, counts[k], k.path, k.lineno, reason))
		} else {
			lines = append(lines, fmt.Sprintf("%s [%d] %s: %s", word, counts[k], k.path, reason))
		}
	}
	return lines
}

func (r *Reporter) stats(run *result.Run) {
	if verbosity(run) < -1 {
		return
	}
	counts, order := run.Counts()
	main := mainColor(counts, len(order) > len(result.KnownTypes))
	var parts []string
	for _, k := range order {
		if n := counts[k]; n > 0 {
			parts = append(parts, r.paint(fmt.Sprintf("%d %s", n, pluralize(n, k)), colorFor(k)))
		}
	}
	if len(parts) == 0 {
		parts = []string{r.paint("no tests ran", "yellow")}
	}
	msg := strings.Join(parts, ", ") + r.paint(" in "+FormatDuration(run.Stop-run.Start), main)
	if verbosity(run) < 0 {
		r.line(msg)
		return
	}
	r.sep("=", msg, main)
}

func pluralize(n int, noun string) string {
	if n == 1 || (noun != "error" && noun != "warnings" && noun != "test") {
		if n == 1 && noun == "warnings" {
			return "warning"
		}
		return noun
	}
	if noun == "warnings" {
		return noun
	}
	return noun + "s"
}

func mainColor(counts map[string]int, unknown bool) string {
	switch {
	case counts["failed"] > 0 || counts["error"] > 0:
		return "red"
	case counts["warnings"] > 0 || counts["xpassed"] > 0 || unknown:
		return "yellow"
	case counts["passed"] > 0 || counts["deselected"] > 0:
		return "green"
	}
	return "yellow"
}

func colorFor(category string) string {
	switch category {
	case "failed", "error":
		return "red"
	case "passed":
		return "green"
	}
	return "yellow"
}

// FormatDuration is pytest's format_session_duration.
func FormatDuration(seconds float64) string {
	if seconds < 60 {
		return fmt.Sprintf("%.2fs", seconds)
	}
	s := int(seconds)
	return fmt.Sprintf("%.2fs (%d:%02d:%02d)", seconds, s/3600, s/60%60, s%60)
}

// runningOnCI is pytest's running_on_ci: it does not trim messages there.
func runningOnCI() bool {
	_, ci := os.LookupEnv("CI")
	_, build := os.LookupEnv("BUILD_NUMBER")
	return ci || build
}
