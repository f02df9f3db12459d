// Package terminal prints a run the way pytest's terminal reporter does, from
// the run's events: the header, progress with percentages (progress.go), the
// ERRORS, FAILURES and warnings sections (summary.go), the short test summary
// and the closing stats line (stats.go), captured output whole, read from
// its file as it is printed where it has one (captured.go).
package terminal

import (
	"fmt"
	"io"
	"strings"

	"shoal/result"
)

// Reporter writes to one terminal or stream.
type Reporter struct {
	// run is what the events said so far.
	run result.Run
	// w batches what is printed for a few milliseconds: a write per
	// test would cost a system call per test.
	w      *output
	width  int
	color  bool
	total  int
	done   int
	column int // characters on the current progress line
	// Extra lines shown after the collected line (worker count, start
	// mode), from the run as collected.
	info  func(run *result.Run) []string
	notes []string
	extra []extraSection
}

// extraSection is a part of the summary that the command adds: its title and
// what it says about the finished run ("" leaves it out).
type extraSection struct {
	title string
	text  func(run *result.Run) string
}

// Section adds a part to the summary, under its title, where pytest's
// plugins print theirs: after the warnings, before the short test summary
// and the stats line, which stays the last.
func (r *Reporter) Section(title string, text func(run *result.Run) string) {
	r.extra = append(r.extra, extraSection{title, text})
}

// Note adds a line that the summary shows where pytest's plugins show
// theirs ("generated xml file: …"), before the short test summary.
func (r *Reporter) Note(s string) { r.notes = append(r.notes, s) }

// New writes to w, wrapping at width columns; color adds pytest's colours.
func New(w io.Writer, width int, color bool, info func(run *result.Run) []string) *Reporter {
	if width <= 0 {
		width = 80
	}
	return &Reporter{w: newOutput(w), width: width, color: color, info: info}
}

// Event follows the run: the header once it is collected, each test's
// progress as it finishes, the summary once the run is over.
func (r *Reporter) Event(e result.Event) {
	r.run.Apply(e)
	switch e := e.(type) {
	case result.Collected:
		r.collected(&r.run)
	case result.TestSlow:
		r.slow(&r.run, e)
	case result.TestFinished:
		if !e.Ended.Killed {
			r.testDone(&r.run, e.Ended)
		}
	case result.Finished:
		r.summary(&r.run)
	}
}

func verbosity(run *result.Run) int { return run.Options.Verbose }

func (r *Reporter) flush() {
	_ = r.w.Flush()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (r *Reporter) line(s string) { fmt.Fprintln(r.w, s) }

func (r *Reporter) sep(char, title, style string) { r.sepWidth(char, title, style, r.width) }

// sepWidth is pytest's TerminalWriter.sep: "==== title ====" filling width.
func (r *Reporter) sepWidth(char, title, style string, width int) {
	var line string
	if title != "" {
		n := max((width-visibleLen(title)-2)/(2*len(char)), 1)
		fill := strings.Repeat(char, n)
		line = fill + " " + title + " " + fill
	} else {
		line = strings.Repeat(char, width/len(char))
	}
	if visibleLen(line)+len(strings.TrimRight(char, " ")) <= width {
		line += strings.TrimRight(char, " ")
	}
	r.line(r.paint(line, style))
}

func visibleLen(s string) int {
	n := 0
	inEscape := false
	for _, c := range s {
		switch {
		case c == '\x1b':
			inEscape = true
		case inEscape:
			if c == 'm' {
				inEscape = false
			}
		default:
			n++
		}
	}
	return n
}

var codes = map[string]string{"red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold": "1"}

func (r *Reporter) paint(s, style string) string {
	if !r.color || style == "" {
		return s
	}
	var seq []string
	for _, word := range strings.Fields(style) {
		if c, ok := codes[word]; ok {
			seq = append(seq, "\x1b["+c+"m")
		}
	}
	return strings.Join(seq, "") + s + "\x1b[0m"
}
