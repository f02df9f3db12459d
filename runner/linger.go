package runner

import (
	"fmt"
	"strings"
	"time"

	"shoal/protocol"
	"shoal/worker"
)

// A worker whose pytest has ended its session exits at once, unless a
// thread that is no daemon still runs: Python waits for it, for ever if it
// never ends (plain pytest hangs there too). shoal gives such a worker
// threadGrace after its "ended" (any other exitGrace, pytest-xdist's 10 s)
// and then ends it: the run ends, and the summary says why.

// exitGrace is how long a worker may take to exit after its session ended:
// pytest-xdist's 10 s. A forked worker now runs the interpreter's whole
// shutdown as a spawned one does, which took more than 5 s on a 2-core host
// running four shoal runs at once.
const exitGrace = 10 * time.Second

// threadGrace is how long a worker may take to exit when its pytest said,
// at the end, that threads that are no daemons still ran: Python waits for
// them before it exits, for ever if they never end, so such a worker is
// ended sooner than one still running the interpreter's own shutdown.
const threadGrace = 5 * time.Second

// graceFor is how long a worker whose session ended may take to exit:
// threadGrace when threads that are no daemons still ran then, exitGrace
// when none did.
func graceFor(threads []string) time.Duration {
	if len(threads) > 0 {
		return threadGrace
	}
	return exitGrace
}

// onEnded: w's pytest is done; its process should exit now.
func (r *runState) onEnded(w *workerState, m *protocol.Message) {
	if w == nil || w.pid <= 0 {
		return
	}
	w.threads = m.Threads
	pid := w.pid
	r.clock.AfterFunc(graceFor(w.threads), func() { r.post(worker.Event{Lingering: pid}) })
}

// onLingering: the worker of pid ended its session its grace ago. If it
// still runs, shoal ends it and says so.
func (r *runState) onLingering(pid int) {
	w := r.byPID[pid]
	if w == nil || w.exited {
		return
	}
	why := ""
	switch len(w.threads) {
	case 0:
	case 1:
		why = fmt.Sprintf(": its thread '%s' is no daemon and had not ended", w.threads[0])
	default:
		why = fmt.Sprintf(": its threads '%s' are no daemons and had not ended", strings.Join(w.threads, "', '"))
	}
	r.run.Notes = append(r.run.Notes, fmt.Sprintf("worker %s had not exited %v after its tests ended%s; shoal ended it",
		w.id, graceFor(w.threads), why))
	r.procs.Kill(pid)
}
