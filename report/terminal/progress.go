package terminal

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"shoal/result"
)

// Progress: the header once the suite is collected, then a letter per
// test (a line with -v) and the percentage done, as pytest prints them.

// collected prints the header and the collected line.
func (r *Reporter) collected(run *result.Run) {
	r.total = len(run.Tests)
	if verbosity(run) < 0 {
		return
	}
	if !run.HeaderShown { // else the session printed it, with its plugins' lines
		r.sep("=", "test session starts", "bold")
		if !run.Options.NoHeader {
			for _, line := range run.Header {
				r.line(line)
			}
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
		return
	}
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

// slow says a test still runs, on a line of its own, as nextest's SLOW
// lines do: "[gw0] SLOW [> 60s] test_x.py::test_sleeps".
func (r *Reporter) slow(run *result.Run, e result.TestSlow) {
	if verbosity(run) < -1 || e.Test < 0 || e.Test >= len(run.Tests) {
		return
	}
	if r.column > 0 {
		r.line("")
		r.column = 0
	}
	r.line(fmt.Sprintf("[%s] %s [> %.0fs] %s", e.Worker, r.paint("SLOW", "yellow"), math.Floor(e.At-e.Since), run.Tests[e.Test].NodeID))
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
