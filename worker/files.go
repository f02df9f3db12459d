package worker

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Files are where a worker process writes what shoal reads back: its
// output, the stacks it dumps when a test runs past its timeout, and what
// the running test has captured. A replacement worker of the same name
// writes to the same files.
type Files struct {
	Log    string
	Stacks string
	// Captured is the prefix of Captured+".out" and Captured+".err".
	Captured string
}

// FilesIn names worker id's files in the run's directory dir.
func FilesIn(dir, id string) Files {
	return Files{
		Log:      filepath.Join(dir, id+".log"),
		Stacks:   filepath.Join(dir, id+".stacks"),
		Captured: filepath.Join(dir, id),
	}
}

// Crash gathers what a worker that died while it ran test nodeid left
// behind: the end of its output, what the test had captured, and, where
// timeout ended the worker for this test, its threads' stacks. It removes
// what the worker's replacement must not find.
func (f Files) Crash(id, nodeid string, timeout *Timeout) *Crash {
	c := &Crash{Worker: id, NodeID: nodeid, Output: crashOutput(f.Log)}
	c.Stdout = takeFile(f.Captured+".out", 64<<20)
	c.Stderr = takeFile(f.Captured+".err", 64<<20)
	stacks := strings.TrimRight(takeFile(f.Stacks, 1<<20), "\n")
	if timeout != nil {
		c.Timeout, c.Signal, c.Stacks = timeout.Seconds, timeout.Signal, trimStacks(stacks)
	}
	return c
}

// LateCrash is the failure of a test that finished after its timeout ran
// out, once shoal had asked for its stacks. Its worker lives on and goes
// on writing to the stacks file: LateCrash empties it and keeps it.
func (f Files) LateCrash(id, nodeid string, timeout *Timeout) *Crash {
	stacks := strings.TrimRight(readEnd(f.Stacks, 1<<20), "\n")
	_ = os.Truncate(f.Stacks, 0)
	return &Crash{Worker: id, NodeID: nodeid, Timeout: timeout.Seconds, Signal: timeout.Signal,
		Stacks: trimStacks(stacks), Late: true}
}

// StacksSize is how much of its stacks the worker has written.
func (f Files) StacksSize() int64 {
	st, err := os.Stat(f.Stacks)
	if err != nil {
		return 0
	}
	return st.Size()
}

// ClearStacks removes stacks its replacement must not take for its own.
func (f Files) ClearStacks() { _ = os.Remove(f.Stacks) }

// ClearLog empties the log for the worker's replacement: what the dead one
// wrote is in its crash report.
func (f Files) ClearLog() { _ = os.Truncate(f.Log, 0) }

// LogTail is the last n lines of the worker's output.
func (f Files) LogTail(n int) string { return lastLines(readEnd(f.Log, 64<<10), n) }

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

// takeFile returns the end of a file a dead worker wrote, and removes it
// so that its replacement starts anew.
func takeFile(path string, max int64) string {
	text := readEnd(path, max)
	_ = os.Remove(path)
	return text
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
