package runner

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"shoal/protocol"
	"shoal/result"
)

// Timeouts: before a test that has a timeout starts, its worker says
// "timer" (see the plugin's timeout.py) and shoal keeps the clock. When the
// time is up and the test still runs, shoal asks the worker for its threads'
// stacks: on the signal the worker named, faulthandler writes them to the
// worker's stacks file, from C code that needs no GIL. Once they are
// written, or after stacksWait without them, shoal ends the worker's process
// group, which takes the test's own children too; the worker's connection
// closes, and crashed reports the timeout with the stacks.

const (
	// stacksPoll is how often shoal looks whether the stacks are written.
	stacksPoll = 100 * time.Millisecond
	// stacksWait is how long shoal waits for them before it ends the worker
	// anyway.
	stacksWait = 2 * time.Second
)

// testTimer is the timeout of the test a worker runs.
type testTimer struct {
	w       *workerState
	test    int // index in run.Tests
	seconds float64
	signal  int // the worker dumps its stacks on it
	// asked is when shoal asked for the stacks: the time was up. Zero before.
	asked time.Time
	size  int64 // of the stacks file, when last looked at
	// deadline is when the test's time was up, on the worker's clock.
	deadline float64
	// killed: shoal ended the worker for this test.
	killed bool
	timer  *time.Timer
}

// stacksFile is where worker w writes its threads' stacks when asked.
func (r *runState) stacksFile(w *workerState) string {
	return filepath.Join(r.dir, w.id+".stacks")
}

// onTimer: worker w starts a test that may run m.Seconds from m.Start.
func (r *runState) onTimer(w *workerState, m *protocol.Message) {
	i := r.testIndex(m.F, m.P)
	if w == nil || r.sched == nil || i < 0 || i >= len(r.run.Tests) || !(m.Seconds > 0) {
		return
	}
	if w.timer != nil {
		w.timer.timer.Stop()
	}
	tm := &testTimer{w: w, test: i, seconds: m.Seconds, signal: m.DumpSignal}
	w.timer = tm
	start := m.Start
	if start <= 0 {
		start = now()
	}
	// The worker's clock: the message may have waited a little.
	tm.deadline = start + min(m.Seconds, 1e9)
	tm.after(r, time.Duration((tm.deadline-now())*float64(time.Second)))
}

func (tm *testTimer) after(r *runState, d time.Duration) {
	tm.timer = time.AfterFunc(d, func() { r.post(event{timer: tm}) })
}

// onTimerExpired: a test's time is up, or shoal looks again for its stacks.
func (r *runState) onTimerExpired(tm *testTimer) {
	w := tm.w
	if w.timer != tm || w.ended || tm.killed {
		return
	}
	path := r.stacksFile(w)
	if r.run.Tests[tm.test].Ran() {
		return // in time, or late and reported so (lateForTimeout)
	}
	if tm.asked.IsZero() {
		tm.asked = time.Now()
		if tm.signal > 0 && tm.signal < 65 {
			_ = syscall.Kill(w.pid, syscall.Signal(tm.signal))
		}
		tm.after(r, stacksPoll)
		return
	}
	// Written once the file has stopped growing.
	size := fileSize(path)
	if (size == 0 || size != tm.size) && time.Since(tm.asked) < stacksWait {
		tm.size = size
		tm.after(r, stacksPoll)
		return
	}
	tm.killed = true
	killGroup(w.pid)
}

// lateForTimeout looks at a test's result as it arrives: when shoal had
// asked for its stacks because its time was up, and it finished after that
// time, it failed by its timeout whatever it reported (the signal may even
// have cut short a wait in C code). Its worker lives on; the processes the
// test started are ended.
func (r *runState) lateForTimeout(w *workerState, m *protocol.Message) {
	if w == nil || w.timer == nil || w.timer.asked.IsZero() || w.timer.killed {
		return
	}
	tm := w.timer
	t := r.run.Tests[tm.test]
	if r.testIndex(m.F, m.P) != tm.test || t.Ran() {
		return
	}
	w.timer = nil
	// The worker lives on and appends to the file: empty it, keep it.
	path := r.stacksFile(w)
	stacks := strings.TrimRight(readEnd(path, 1<<20), "\n")
	_ = os.Truncate(path, 0)
	if m.Stop <= tm.deadline {
		return // it finished in time; its result was on its way
	}
	killGroupMembers(w.pid)
	c := &crash{worker: w.id, nodeid: t.NodeID, timeout: tm.seconds, signal: tm.signal, stacks: trimStacks(stacks), late: true}
	var sections [][2]string
	if n := len(m.Reports); n > 0 {
		sections = m.Reports[n-1].Sections // the last phase's holds them all
	}
	msg := c.message()
	m.OK = nil
	m.Reports = []protocol.Report{{
		When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED",
		LongRepr: c.text(), Crash: &msg, Sections: sections,
	}}
}

// timeoutCasualty: shoal ended w for its previous test, whose result was
// still on its way; the test t it died in had only just started.
func (r *runState) timeoutCasualty(w *workerState, t *result.Test) bool {
	tm := w.timer
	return tm != nil && tm.killed && r.run.Tests[tm.test] != t
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
