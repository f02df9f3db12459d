// Package terminal prints a run the way pytest's terminal reporter does, from
// the run's events: the header, progress with percentages, the ERRORS,
// FAILURES and warnings sections, the short test summary and the closing
// stats line.
package terminal

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"shoal/result"
)

// Reporter writes to one terminal or stream.
type Reporter struct {
	// run is what the events said so far.
	run result.Run
	w   *bufio.Writer
	// lastFlush paces progress output: a write per test would cost a
	// system call per test.
	lastFlush time.Time
	width     int
	color     bool
	total     int
	done      int
	column    int // characters on the current progress line
	// Extra lines shown after the collected line (worker count, start
	// mode), from the run as collected.
	info  func(run *result.Run) []string
	notes []string
}

// Note adds a line that the summary shows where pytest's plugins show
// theirs ("generated xml file: …"), before the short test summary.
func (r *Reporter) Note(s string) { r.notes = append(r.notes, s) }

// New writes to w, wrapping at width columns; color adds pytest's colours.
func New(w io.Writer, width int, color bool, info func(run *result.Run) []string) *Reporter {
	if width <= 0 {
		width = 80
	}
	return &Reporter{w: bufio.NewWriterSize(w, 16<<10), width: width, color: color, info: info}
}

// Event follows the run: the header once it is collected, each test's
// progress as it finishes, the summary once the run is over.
func (r *Reporter) Event(e result.Event) {
	r.run.Apply(e)
	switch e := e.(type) {
	case result.Collected:
		r.collected(&r.run)
	case result.TestFinished:
		if !e.Ended.Killed {
			r.testDone(&r.run, e.Ended)
		}
	case result.Finished:
		r.summary(&r.run)
	}
}

func verbosity(run *result.Run) int { return run.Options.Verbose }

// collected prints the header and the collected line.
func (r *Reporter) collected(run *result.Run) {
	r.total = len(run.Tests)
	if verbosity(run) < 0 {
		return
	}
	r.sep("=", "test session starts", "bold")
	if !run.Options.NoHeader {
		for _, line := range run.Header {
			r.line(line)
		}
	}
	r.line(collectedLine(run))
	if r.info != nil {
		for _, line := range r.info(run) {
			r.line(line)
		}
	}
	if len(run.Tests) > 0 || len(run.CollectErrors) > 0 {
		r.line("")
	}
	r.flush()
}

func (r *Reporter) flush() {
	_ = r.w.Flush()
	r.lastFlush = time.Now()
}

// paced flushes at most ten times a second while tests run.
func (r *Reporter) paced() {
	if time.Since(r.lastFlush) > 100*time.Millisecond {
		r.flush()
	}
}

func collectedLine(run *result.Run) string {
	errors, skipped := 0, 0
	for _, e := range run.CollectErrors {
		switch e.Outcome {
		case "failed":
			errors++
		case "skipped":
			skipped++
		}
	}
	n := len(run.Tests) + run.Deselected
	line := fmt.Sprintf("collected %d item%s", n, plural(n))
	if errors > 0 {
		line += fmt.Sprintf(" / %d error%s", errors, plural(errors))
	}
	if run.Deselected > 0 {
		line += fmt.Sprintf(" / %d deselected", run.Deselected)
	}
	if skipped > 0 {
		line += fmt.Sprintf(" / %d skipped", skipped)
	}
	if run.Deselected > 0 {
		line += fmt.Sprintf(" / %d selected", len(run.Tests))
	}
	return line
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// testDone prints one test's progress: letters, or with -v a line per report.
func (r *Reporter) testDone(run *result.Run, t *result.Test) {
	r.done++
	if verbosity(run) > 0 {
		for _, rep := range t.Reports {
			if rep.Word == "" {
				continue
			}
			line := fmt.Sprintf("[%s] %s %s %s", t.Worker, r.percent(), r.paint(rep.Word, colorFor(rep.Category)), t.NodeID)
			if rep.Category == "skipped" || rep.Category == "xfailed" || rep.Category == "xpassed" {
				if reason := shortReason(rep); reason != "" {
					line += " (" + reason + ")"
				}
			}
			r.line(line)
		}
		r.paced()
		return
	}
	defer r.paced()
	for _, rep := range t.Reports {
		if rep.Letter == "" {
			continue
		}
		fmt.Fprint(r.w, r.paint(rep.Letter, colorFor(rep.Category)))
		r.column += utf8.RuneCountInString(rep.Letter)
	}
	progress := len(" [100%]")
	if r.done == r.total {
		r.fillProgress()
	} else if r.column+progress+1 >= r.width {
		fmt.Fprint(r.w, " "+r.percent()+"\n")
		r.column = 0
	}
}

func shortReason(rep result.Report) string {
	switch {
	case rep.Skip != nil:
		return strings.TrimPrefix(rep.Skip.Reason, "Skipped: ")
	case rep.WasXFail != nil:
		return *rep.WasXFail
	}
	return ""
}

func (r *Reporter) percent() string {
	p := 100
	if r.total > 0 {
		p = r.done * 100 / r.total
	}
	return fmt.Sprintf("[%3d%%]", p)
}

func (r *Reporter) fillProgress() {
	msg := " " + r.percent()
	fill := r.width - r.column - 1
	fmt.Fprintf(r.w, "%*s\n", fill, msg)
	r.column = 0
}

// summary prints everything after the progress, as pytest's terminal summary does.
func (r *Reporter) summary(run *result.Run) {
	if r.column > 0 {
		fmt.Fprintln(r.w)
		r.column = 0
	}
	if r.done > 0 {
		r.line("")
	}
	chars := run.Options.ReportChars
	if !run.Options.NoSummary {
		r.errors(run)
		r.failures(run)
		if strings.Contains(chars, "w") {
			r.warnings(run)
		}
		if strings.Contains(chars, "P") {
			r.passes(run)
		}
		// What the run says before what the command added.
		for _, n := range append(slices.Clip(run.Notes), r.notes...) {
			r.sep("-", n, "")
		}
		r.shortSummary(run, chars)
	}
	if run.Stopped != "" {
		r.sep("!", run.Stopped, "red")
	}
	if run.Halted {
		r.unfinished(run)
	}
	r.stats(run)
	r.flush()
}

// unfinished says, after a halted run, which tests shoal ended while they
// ran and how many never started; with -v it names those too.
func (r *Reporter) unfinished(run *result.Run) {
	notRun := 0
	var waiting []string
	for _, t := range run.Tests {
		if t.Ran() {
			continue
		}
		notRun++
		if t.Killed {
			r.line(fmt.Sprintf("%s %s - still running on %s when shoal ended it", r.paint("KILLED", "red"), t.NodeID, t.Worker))
		} else {
			waiting = append(waiting, t.NodeID)
		}
	}
	if verbosity(run) > 0 {
		for _, id := range waiting {
			r.line(r.paint("NOT RUN", "yellow") + " " + id)
		}
	}
	if notRun == 0 {
		return
	}
	line := fmt.Sprintf("%d test%s did not run", notRun, plural(notRun))
	if verbosity(run) <= 0 && len(waiting) > 0 {
		line += " (-v lists them; so does --report-json, under not_run)"
	}
	r.line(r.paint(line, "yellow"))
}

func (r *Reporter) errors(run *result.Run) {
	var blocks [][2]string // title, body
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			blocks = append(blocks, [2]string{"ERROR collecting " + e.NodeID, terminalText(e.Term, e.LongRepr)})
		}
	}
	showCapture := run.Options.ShowCapture
	for _, t := range run.Tests {
		for _, rep := range t.Reports {
			if rep.Category == "error" {
				blocks = append(blocks, [2]string{fmt.Sprintf("ERROR at %s of %s", rep.When, headLine(t)), withSections(rep, showCapture)})
			}
		}
	}
	if len(blocks) == 0 {
		return
	}
	r.sep("=", "ERRORS", "")
	for _, b := range blocks {
		r.sep("_", b[0], "red bold")
		r.block(b[1])
	}
}

func headLine(t *result.Test) string {
	if t.Domain != "" {
		return t.Domain
	}
	return t.NodeID
}

func (r *Reporter) failures(run *result.Run) {
	r.outcomeSection(run, "failed", "FAILURES", "red bold", false)
}

func (r *Reporter) passes(run *result.Run) {
	r.outcomeSection(run, "passed", "PASSES", "green bold", true)
}

// outcomeSection prints pytest's FAILURES or PASSES section: every report of
// the category under its test's head line (for passes, only those that
// captured output), then the captured output of the test's passing teardown,
// as pytest's _handle_teardown_sections does.
func (r *Reporter) outcomeSection(run *result.Run, category, title, style string, onlyWithOutput bool) {
	first := true
	for _, t := range run.Tests {
		for _, rep := range t.Reports {
			if rep.Category != category {
				continue
			}
			if first {
				r.sep("=", title, "")
				first = false
			}
			if !onlyWithOutput || len(rep.Sections) > 0 {
				r.sep("_", headLine(t), style)
				r.block(withSections(rep, run.Options.ShowCapture))
			}
			for _, td := range t.Reports {
				if td.When == "teardown" && td.Category == "" {
					r.sections(td, run.Options.ShowCapture, "teardown")
				}
			}
		}
	}
}

func (r *Reporter) sections(rep result.Report, showCapture, only string) {
	for _, s := range rep.Sections {
		if only != "" && !strings.Contains(s[0], only) {
			continue
		}
		if showCapture != "all" && !strings.Contains(s[0], showCapture) {
			continue
		}
		r.sep("-", s[0], "")
		r.line(strings.TrimSuffix(clip(s[1]), "\n"))
	}
}

// withSections is a report's longrepr followed by its captured output, as
// pytest's _outrep_summary prints them.
func withSections(rep result.Report, showCapture string) string {
	var b strings.Builder
	b.WriteString(terminalText(rep.Term, rep.LongRepr))
	if showCapture == "no" {
		return b.String()
	}
	for _, s := range rep.Sections {
		if showCapture != "all" && !strings.Contains(s[0], showCapture) {
			continue
		}
		b.WriteString("\n\x00" + s[0] + "\x00\n")
		b.WriteString(strings.TrimSuffix(clip(s[1]), "\n"))
	}
	return b.String()
}

// terminalText prefers pytest's own terminal rendering, which keeps the
// leading indentation that longreprtext strips.
func terminalText(term, plain string) string {
	if term != "" {
		return strings.TrimSuffix(term, "\n")
	}
	return plain
}

// block prints text whose section titles are marked by NULs (see withSections).
func (r *Reporter) block(text string) {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "\x00") && strings.HasSuffix(line, "\x00") && len(line) > 1 {
			r.sep("-", strings.Trim(line, "\x00"), "")
			continue
		}
		r.line(line)
	}
}

func (r *Reporter) warnings(run *result.Run) {
	if len(run.Warnings) == 0 {
		return
	}
	var order []string
	byMessage := map[string][]string{}
	for _, w := range run.Warnings {
		if _, ok := byMessage[w.Message]; !ok {
			order = append(order, w.Message)
		}
		byMessage[w.Message] = append(byMessage[w.Message], w.NodeID)
	}
	r.sep("=", "warnings summary", "yellow")
	for _, msg := range order {
		locations := collapseLocations(byMessage[msg])
		if locations != "" {
			r.line(locations)
			lines := strings.Split(msg, "\n")
			for i, l := range lines {
				lines[i] = "  " + l
			}
			msg = strings.Join(lines, "\n")
		}
		r.line(strings.TrimRight(msg, " \t\n"))
		r.line("")
	}
	r.line("-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html")
}

func collapseLocations(nodeids []string) string {
	var locs []string
	for _, n := range nodeids {
		if n != "" {
			locs = append(locs, n)
		}
	}
	if len(locs) < 10 {
		return strings.Join(locs, "\n")
	}
	var files []string
	counts := map[string]int{}
	for _, l := range locs {
		f, _, _ := strings.Cut(l, "::")
		if counts[f] == 0 {
			files = append(files, f)
		}
		counts[f]++
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = fmt.Sprintf("%s: %d warning%s", f, counts[f], plural(counts[f]))
	}
	return strings.Join(out, "\n")
}

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
						line := r.paint("XFAIL", "yellow") + " " + t.NodeID
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
						lines = append(lines, r.paint("XPASS", "yellow")+" "+t.NodeID+" "+reason)
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
			lines = append(lines, r.withCrash("ERROR", "red", e.NodeID, e.Crash))
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
			word := strings.ToUpper(category)
			if category == "passed" {
				word = "PASSED"
			}
			lines = append(lines, r.withCrash(word, colorFor(category), t.NodeID, rep.Crash))
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
