package runner

import (
	"fmt"
	"slices"

	"shoal/protocol"
	"shoal/worker"
)

// Stray lines: something other than the plugin wrote a line to a worker's
// connection (a test that writes to descriptors it did not open), or the
// line is a message that makes no sense (a result for a test the worker
// was not given). The run goes on; the test the worker runs fails, saying
// what came.

// onStray notes a stray line on connection c, for the test its worker
// runs or runs next.
func (r *runState) onStray(c *worker.Conn, line string) {
	if w := r.byConn[c]; w != nil && w.stray == "" {
		w.stray = line
	}
}

// gave tells whether w holds test i, given and not yet done.
func (w *workerState) gave(i int) bool {
	return w != nil && i >= 0 && slices.Contains(w.outstanding, i)
}

// strayFailure makes the result m of w's test a failure when a stray line
// came on w's connection since its last result.
func (r *runState) strayFailure(w *workerState, m *protocol.Message) {
	if w.stray == "" {
		return
	}
	msg := fmt.Sprintf("worker '%s' sent shoal a line that is no message of shoal's protocol while this test ran", w.id)
	text := msg + ": " + w.stray + "\n(did the test write to a file descriptor it had not opened? " +
		"A worker's connection to shoal is one of its sockets.)"
	w.stray = ""
	rep := protocol.Report{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED",
		LongRepr: text, Crash: &msg}
	if n := len(m.Reports); n > 0 {
		rep.Sections = m.Reports[n-1].Sections // the last phase's holds them all
	}
	m.OK, m.Reports = nil, []protocol.Report{rep}
}
