package worker

import "time"

// Timeouts: before a test that has a timeout starts, its worker says
// "timer" (see the plugin's timeout.py) and shoal keeps the clock. When the
// time is up and the test still runs, shoal asks the worker for its threads'
// stacks: on the signal the worker named, faulthandler writes them to the
// worker's stacks file, from C code that needs no GIL. Once they are
// written, or after StacksWait without them, shoal ends the worker's process
// group, which takes the test's own children too; the worker's connection
// closes, and the crash report gives the timeout with the stacks.

const (
	// StacksPoll is how often shoal looks whether the stacks are written.
	StacksPoll = 100 * time.Millisecond
	// StacksWait is how long shoal waits for them before it ends the worker
	// anyway.
	StacksWait = 2 * time.Second
)

// Timeout is the clock of the test a worker runs, when the test has a time
// limit. The caller runs the clock and calls Expired each time it goes off.
type Timeout struct {
	Test    int // the test, as the caller numbers them
	Seconds float64
	Signal  int // the worker dumps its stacks on it
	// Deadline is when the test's time is up, in Unix seconds on the
	// worker's clock.
	Deadline float64
	// Killed: the worker was ended for this test.
	Killed bool
	// asked is when the stacks were asked for: the time was up. Zero before.
	asked time.Time
	size  int64 // of the stacks file, when last looked at
}

// NewTimeout is the clock of test, which started at start (Unix seconds)
// and may run for seconds.
func NewTimeout(test int, seconds float64, signal int, start float64) *Timeout {
	return &Timeout{Test: test, Seconds: seconds, Signal: signal, Deadline: start + min(seconds, 1e9)}
}

// Step is what the caller does when a test's clock goes off.
type Step int

const (
	// AskStacks: the time is up; signal the worker for its stacks and
	// look again after StacksPoll.
	AskStacks Step = iota + 1
	// Wait: the stacks are still being written; look again after StacksPoll.
	Wait
	// End: end the worker's process group.
	End
)

// Expired says what to do when the clock goes off at now, with the stacks
// file stacksSize bytes long. The stacks are written once the file has
// stopped growing.
func (t *Timeout) Expired(now time.Time, stacksSize int64) Step {
	if t.asked.IsZero() {
		t.asked = now
		return AskStacks
	}
	if (stacksSize == 0 || stacksSize != t.size) && now.Sub(t.asked) < StacksWait {
		t.size = stacksSize
		return Wait
	}
	t.Killed = true
	return End
}

// Asked tells whether the test's time was up and its stacks were asked for.
func (t *Timeout) Asked() bool { return !t.asked.IsZero() }
