package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"shoal/result"
)

// crash is what shoal knows of a worker that died while it ran a test. It
// becomes the test's failure report, written again as more is learnt: the
// exit status may arrive after the connection closed.
type crash struct {
	worker, nodeid string
	status         string // how the process ended, "" until known
	endedByShoal   bool   // shoal killed it: its connection closed while it ran
	// timeout > 0: the test ran past its timeout of this many seconds.
	timeout float64
	signal  int // on which shoal asked for the stacks
	// late: the test finished after its time was up, once asked for its
	// stacks; its worker was not ended.
	late   bool
	stacks string // its threads' stacks at the timeout
	output string // the end of its output
	// stdout and stderr are what the test had captured when it died.
	stdout, stderr string
}

// describeCrash gathers what the worker left behind: its exit status if
// known, the stacks it dumped at a timeout, the end of its output.
func (r *runState) describeCrash(w *workerState, t *result.Test) *crash {
	c := &crash{worker: w.id, nodeid: t.NodeID, output: crashOutput(w.log), endedByShoal: w.endedByShoal}
	c.stdout = readCaptured(r.capturedPrefix(w) + ".out")
	c.stderr = readCaptured(r.capturedPrefix(w) + ".err")
	if w.exited {
		c.status = w.status
	}
	stacks := readStacks(r.stacksFile(w))
	if tm := w.timer; tm != nil && tm.killed && r.run.Tests[tm.test] == t {
		c.timeout, c.signal, c.stacks = tm.seconds, tm.signal, trimStacks(stacks)
	}
	return c
}

// awaitStatuses lets the exit statuses of crashed workers arrive before the
// run ends, for their reports: a forked worker's comes from the session
// some time after its connection closed.
func (r *runState) awaitStatuses(limit time.Duration) {
	deadline := time.After(limit)
	for r.statusPending() {
		select {
		case ev := <-r.events:
			_ = r.handle(ev)
		case <-deadline:
			return
		}
	}
}

func (r *runState) statusPending() bool {
	for _, w := range r.byPID {
		// Only a live session reports a forked worker's end.
		if w.crash != nil && !w.exited && (r.sessionUp || !r.forking) {
			return true
		}
	}
	return false
}

// message is the one line the short test summary shows.
func (c *crash) message() string {
	if c.timeout > 0 {
		return fmt.Sprintf("Failed: Timeout (>%ss)", formatSeconds(c.timeout))
	}
	return fmt.Sprintf("worker '%s' crashed while running '%s'", c.worker, c.nodeid)
}

// text is the whole report, as the FAILURES section shows it.
func (c *crash) text() string {
	var b strings.Builder
	if c.timeout > 0 {
		fmt.Fprintf(&b, "%s while running '%s' on worker '%s'\n", c.message(), c.nodeid, c.worker)
		if c.late {
			b.WriteString("it ended only after its time was up, when shoal asked for its threads' stacks; " +
				"shoal ended the processes it started\n")
		} else if c.stacks == "" {
			fmt.Fprintf(&b, "the worker did not write its threads' stacks within %v of signal %d (did the test take over that signal?)\n",
				stacksWait, c.signal)
		}
		if !c.late {
			b.WriteString("shoal ended the worker and its process group, with every process the test started\n")
		}
	} else {
		b.WriteString(c.message() + "\n")
		if c.status != "" {
			b.WriteString(c.status + c.statusNote() + "\n")
		}
	}
	if c.stacks != "" {
		b.WriteString("\nstacks of its threads at the timeout (faulthandler):\n" + c.stacks + "\n")
	}
	if c.showOutput() {
		b.WriteString("\nlast lines of its output:\n" + c.output + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// showOutput: while a test runs with fd capture, the worker's own output
// is pytest's progress, unless a fatal error report (a segfault's stacks)
// went there; a timeout's stacks are in the stacks file. Without capture
// (-s), the test's output is there.
func (c *crash) showOutput() bool {
	switch {
	case c.output == "" || c.stacks != "":
		return false
	case strings.HasPrefix(c.output, "Fatal Python error:"):
		return true
	}
	return c.stdout == "" && c.stderr == ""
}

// sections are the test's captured output, named as pytest names its
// sections, for the report's Sections.
func (c *crash) sections() [][2]string {
	when := "until the worker crashed"
	if c.timeout > 0 {
		when = "until the timeout"
	}
	var out [][2]string
	if c.stdout != "" {
		out = append(out, [2]string{"Captured stdout " + when, c.stdout})
	}
	if c.stderr != "" {
		out = append(out, [2]string{"Captured stderr " + when, c.stderr})
	}
	return out
}

// statusNote explains a status whose cause is not obvious.
func (c *crash) statusNote() string {
	switch {
	case !strings.HasPrefix(c.status, "signal 9 "):
		return ""
	case c.endedByShoal:
		return "; shoal sent it: the worker's connection to shoal closed while the test ran " +
			"(did the test close file descriptors it had not opened?)"
	}
	return "; nothing in shoal sent it: the kernel's out-of-memory killer ends processes this way (see dmesg)"
}

// formatSeconds writes 2 as "2" and 0.5 as "0.5".
func formatSeconds(s float64) string {
	return strconv.FormatFloat(s, 'f', -1, 64)
}

// crashOutput is the end of a worker's log. Where Python's faulthandler
// reported a fatal error (a segfault), it is that report, whose first
// lines name the test's frame; otherwise the last lines.
func crashOutput(path string) string {
	text := readEnd(path, 64<<10)
	if i := strings.LastIndex(text, "Fatal Python error:"); i >= 0 {
		return firstLines(trimStacks(text[i:]), 40)
	}
	return lastLines(text, 30)
}

// capturedPrefix names the files in which worker w keeps what the running
// test captures: PREFIX.out and PREFIX.err.
func (r *runState) capturedPrefix(w *workerState) string {
	return filepath.Join(r.dir, w.id)
}

// readCaptured returns what a dead worker's test had captured; the worker's
// replacement starts the files anew.
func readCaptured(path string) string {
	text := readEnd(path, 64<<20)
	_ = os.Remove(path)
	return text
}

// readStacks returns the stacks a worker dumped at a timeout, and removes
// the file so that its replacement starts without them.
func readStacks(path string) string {
	text := readEnd(path, 1<<20)
	_ = os.Remove(path)
	return strings.TrimRight(text, "\n")
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

// readEnd returns the last max bytes of a file, "" if it cannot be read.
func readEnd(path string, max int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > max {
		_, _ = f.Seek(st.Size()-max, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	return string(data)
}

func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func firstLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("[%d more lines]", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}
