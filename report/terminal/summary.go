package terminal

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"shoal/result"
)

// The summary after the progress: ERRORS, FAILURES, PASSES, warnings and
// what a halted run did not run, as pytest's terminal summary prints them.

// summary prints everything after the progress, as pytest's terminal summary does.
func (r *Reporter) summary(run *result.Run) {
	if r.column > 0 {
		fmt.Fprintln(r.w)
		r.column = 0
	}
	// pytest prints an internal error as it happens, before any summary.
	r.internalErrors(run)
	out := run.SessionOutput
	if out == nil || !out.Finished {
		// No session said where its summary goes: pytest's order, and
		// whatever the session printed after it.
		if r.done > 0 && verbosity(run) >= 0 {
			r.line("") // pytest's blank line after the progress, which -q leaves out
		}
		for _, part := range result.SummaryPoints {
			r.summaryPart(run, part)
		}
		if out != nil {
			r.text(out.Text)
		}
		r.flush()
		return
	}
	// The session's output, with shoal's parts of the summary where pytest
	// would have printed them. Before the first point, pytest's own blank
	// line that ends the progress: shoal ends it already.
	pos, first := 0, true
	for _, part := range result.SummaryPoints {
		p, ok := out.Point(part)
		if !ok {
			continue
		}
		text := out.Text[pos:p]
		if first {
			text, first = strings.TrimSuffix(text, "\n"), false
			r.text(text)
			if r.done > 0 && verbosity(run) >= 0 {
				r.line("")
			}
		} else {
			r.text(text)
		}
		r.summaryPart(run, part)
		pos = p
	}
	r.text(out.Text[pos:])
	r.flush()
}

// summaryPart prints shoal's part of the summary at the session's point:
// "summary" the errors, failures, warnings and passes; "short" the short
// test summary; "stats" why the run stopped and the closing line.
func (r *Reporter) summaryPart(run *result.Run, part string) {
	chars := run.Options.ReportChars
	switch part {
	case "summary":
		if run.Options.NoSummary {
			return
		}
		r.errors(run)
		r.failures(run)
		if strings.Contains(chars, "w") {
			r.warnings(run)
		}
		if strings.Contains(chars, "P") {
			r.passes(run)
		}
		for _, sec := range r.extra {
			if text := strings.TrimRight(sec.text(run), "\n"); text != "" {
				r.sep("=", sec.title, "")
				r.block(text)
			}
		}
	case "short":
		if run.Options.NoSummary {
			return
		}
		// What the run says before what the command added.
		for _, n := range append(slices.Clip(run.Notes), r.notes...) {
			r.sep("-", n, "")
		}
		r.shortSummary(run, chars)
	case "stats":
		if run.Stopped != "" {
			r.sep("!", run.Stopped, "red")
		}
		if run.Halted {
			r.interruptedAt(run)
			r.unfinished(run)
		}
		r.stats(run)
	}
}

// text prints what a pytest process printed, as it is.
func (r *Reporter) text(s string) {
	if s == "" {
		return
	}
	_, _ = io.WriteString(r.w, s)
	if !strings.HasSuffix(s, "\n") {
		r.line("")
	}
}

// internalErrors prints pytest's INTERNALERROR lines from the workers.
func (r *Reporter) internalErrors(run *result.Run) {
	for _, text := range run.InternalErrors {
		for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			r.line("INTERNALERROR> " + line)
		}
	}
}

// interruptedAt prints where KeyboardInterrupt found the tests it
// stopped, as pytest prints it after its "KeyboardInterrupt" line: the
// line ("path:line: KeyboardInterrupt"), or with --full-trace the whole
// traceback.
func (r *Reporter) interruptedAt(run *result.Run) {
	hint := false
	for _, t := range run.Tests {
		switch {
		case t.Ran() || t.Interrupt == "":
		case t.InterruptTrace != "":
			r.block(strings.TrimSuffix(t.InterruptTrace, "\n"))
		default:
			r.line(t.Interrupt)
			hint = true
		}
	}
	if hint {
		r.line(r.paint("(to show a full traceback on KeyboardInterrupt use --full-trace)", "yellow"))
	}
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
	if run.Options.TbStyle == "no" {
		return
	}
	type errorBlock struct {
		title string
		rep   result.Report // a collection error's longrepr, or a test's report
	}
	var blocks []errorBlock
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			blocks = append(blocks, errorBlock{"ERROR collecting " + e.NodeID, result.Report{Term: e.Term, LongRepr: e.LongRepr}})
		}
	}
	for _, t := range run.Tests {
		for _, rep := range t.Reports {
			if rep.Category == "error" {
				blocks = append(blocks, errorBlock{fmt.Sprintf("ERROR at %s of %s", rep.When, headLine(t)), rep})
			}
		}
	}
	if len(blocks) == 0 {
		return
	}
	r.sep("=", "ERRORS", "")
	for _, b := range blocks {
		r.sep("_", b.title, "red bold")
		r.report(b.rep, run.Options.ShowCapture)
	}
}

func headLine(t *result.Test) string {
	if t.Domain != "" {
		return t.Domain
	}
	return t.NodeID
}

// failures prints pytest's FAILURES section; --tb=line makes it one line
// per failure (where it happened and why), --tb=no leaves it out.
func (r *Reporter) failures(run *result.Run) {
	switch run.Options.TbStyle {
	case "no":
	case "line":
		r.crashLines(run)
	default:
		r.outcomeSection(run, "failed", "FAILURES", "red bold", false)
	}
}

// crashLines is --tb=line's FAILURES: "path:line: message" per failed
// report, as pytest's _getcrashline gives it.
func (r *Reporter) crashLines(run *result.Run) {
	first := true
	for _, t := range run.Tests {
		for _, rep := range t.Reports {
			if rep.Category != "failed" {
				continue
			}
			if first {
				r.sep("=", "FAILURES", "")
				first = false
			}
			r.line(crashLine(rep))
		}
	}
}

func crashLine(rep result.Report) string {
	if rep.Crash != nil && rep.CrashPath != "" {
		msg, _, _ := strings.Cut(*rep.Crash, "\n")
		return fmt.Sprintf("%s:%d: %s", rep.CrashPath, rep.CrashLineno, msg)
	}
	runes := []rune(rep.LongRepr)
	return string(runes[:min(len(runes), 50)])
}

func (r *Reporter) passes(run *result.Run) {
	if run.Options.TbStyle == "no" {
		return
	}
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
				head := headLine(t)
				if rep.Head != "" {
					head = rep.Head
				}
				r.sep("_", head, style)
				r.report(rep, run.Options.ShowCapture)
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
		if only != "" && !strings.Contains(s.Name, only) {
			continue
		}
		if showCapture != "all" && !strings.Contains(s.Name, showCapture) {
			continue
		}
		r.captured(s)
	}
}

// report prints a report's longrepr followed by its captured output, as
// pytest's _outrep_summary prints them.
func (r *Reporter) report(rep result.Report, showCapture string) {
	r.block(terminalText(rep.Term, rep.LongRepr))
	if showCapture == "no" {
		return
	}
	for _, s := range rep.Sections {
		if showCapture != "all" && !strings.Contains(s.Name, showCapture) {
			continue
		}
		r.captured(s)
	}
}

// terminalText prefers pytest's own terminal rendering, which keeps the
// leading indentation that longreprtext strips.
func terminalText(term, plain string) string {
	if term != "" {
		return strings.TrimSuffix(term, "\n")
	}
	return plain
}

// block prints text line by line.
func (r *Reporter) block(text string) {
	for _, line := range strings.Split(text, "\n") {
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
