package worker

import (
	"fmt"
	"strconv"
	"strings"

	"shoal/protocol"
)

// Crash is what shoal knows of a worker that died while it ran a test, or
// of a test that ran past its timeout. It becomes the test's failure report,
// written again as more is learnt: the exit status may arrive after the
// connection closed.
type Crash struct {
	Worker, NodeID string
	Status         string // how the process ended, "" until known
	// EndedByShoal: shoal killed it, as its connection closed while it ran.
	EndedByShoal bool
	// Timeout > 0: the test ran past its timeout of this many seconds.
	Timeout float64
	Signal  int // on which shoal asked for the stacks
	// Late: the test finished after its time was up, once asked for its
	// stacks; its worker was not ended.
	Late   bool
	Stacks string // its threads' stacks at the timeout
	Output string // the end of its output
	// Stdout and Stderr are what the test had captured when it died.
	Stdout, Stderr string
}

// Report is the crash as the failed call of its test.
func (c *Crash) Report() protocol.Report {
	msg := c.Message()
	return protocol.Report{
		When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED",
		LongRepr: c.Text(), Crash: &msg, Sections: c.Sections(),
	}
}

// Message is the one line the short test summary shows.
func (c *Crash) Message() string {
	if c.Timeout > 0 {
		return fmt.Sprintf("Failed: Timeout (>%ss)", formatSeconds(c.Timeout))
	}
	return fmt.Sprintf("worker '%s' crashed while running '%s'", c.Worker, c.NodeID)
}

// Text is the whole report, as the FAILURES section shows it.
func (c *Crash) Text() string {
	var b strings.Builder
	if c.Timeout > 0 {
		fmt.Fprintf(&b, "%s while running '%s' on worker '%s'\n", c.Message(), c.NodeID, c.Worker)
		if c.Late {
			b.WriteString("it ended only after its time was up, when shoal asked for its threads' stacks; " +
				"shoal ended the processes it started\n")
		} else if c.Stacks == "" {
			fmt.Fprintf(&b, "the worker did not write its threads' stacks within %v of signal %d (did the test take over that signal?)\n",
				StacksWait, c.Signal)
		}
		if !c.Late {
			b.WriteString("shoal ended the worker and its process group, with every process the test started\n")
		}
	} else {
		b.WriteString(c.Message() + "\n")
		if c.Status != "" {
			b.WriteString(c.Status + c.statusNote() + "\n")
		}
	}
	if c.Stacks != "" {
		b.WriteString("\nstacks of its threads at the timeout (faulthandler):\n" + c.Stacks + "\n")
	}
	if c.showOutput() {
		b.WriteString("\nlast lines of its output:\n" + c.Output + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// showOutput: while a test runs with fd capture, the worker's own output
// is pytest's progress, unless a fatal error report (a segfault's stacks)
// went there; a timeout's stacks are in the stacks file. Without capture
// (-s), the test's output is there.
func (c *Crash) showOutput() bool {
	switch {
	case c.Output == "" || c.Stacks != "":
		return false
	case strings.HasPrefix(c.Output, "Fatal Python error:"):
		return true
	}
	return c.Stdout == "" && c.Stderr == ""
}

// Sections are the test's captured output, named as pytest names its
// sections, for the report's Sections.
func (c *Crash) Sections() []protocol.Section {
	when := "until the worker crashed"
	if c.Timeout > 0 {
		when = "until the timeout"
	}
	var out []protocol.Section
	if c.Stdout != "" {
		out = append(out, protocol.Section{Name: "Captured stdout " + when, Text: c.Stdout})
	}
	if c.Stderr != "" {
		out = append(out, protocol.Section{Name: "Captured stderr " + when, Text: c.Stderr})
	}
	return out
}

// statusNote explains a status whose cause is not obvious.
func (c *Crash) statusNote() string {
	switch {
	case !strings.HasPrefix(c.Status, "signal 9 "):
		return ""
	case c.EndedByShoal:
		return "; shoal sent it: the worker's connection to shoal closed while the test ran " +
			"(did the test close file descriptors it had not opened?)"
	}
	return "; nothing in shoal sent it: the kernel's out-of-memory killer ends processes this way (see dmesg)"
}

// formatSeconds writes 2 as "2" and 0.5 as "0.5".
func formatSeconds(s float64) string {
	return strconv.FormatFloat(s, 'f', -1, 64)
}

// runnerFrames are frames of what runs the test rather than the test: each
// thread's stack ends with a run of them, which trimStacks drops.
var runnerFrames = []string{"/_pytest/", "/pluggy/", "/shoal_plugin/", "/pytest/__main__.py", "<frozen runpy>"}

// trimStacks drops, from each thread's stack in a faulthandler dump, the
// frames of pytest, pluggy and shoal's plugin below the test's own.
func trimStacks(stacks string) string {
	var out []string
	var dropped int
	flush := func() {
		if dropped > 0 {
			out = append(out, fmt.Sprintf("  (%d frames of pytest below)", dropped))
			dropped = 0
		}
	}
	lines := strings.Split(stacks, "\n")
	for i, line := range lines {
		if !isRunnerFrame(line) {
			flush()
			out = append(out, line)
			continue
		}
		// Keep it unless only runner frames follow in this thread.
		rest := i + 1
		for rest < len(lines) && isRunnerFrame(lines[rest]) {
			rest++
		}
		if rest < len(lines) && strings.HasPrefix(lines[rest], "  File ") {
			out = append(out, line)
			continue
		}
		dropped++
	}
	flush()
	return strings.Join(out, "\n")
}

func isRunnerFrame(line string) bool {
	if !strings.HasPrefix(line, "  File ") {
		return false
	}
	for _, f := range runnerFrames {
		if strings.Contains(line, f) {
			return true
		}
	}
	return false
}
