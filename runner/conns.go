package runner

import (
	"errors"
	"fmt"
	"io"

	"shoal/protocol"
	"shoal/worker"
)

// Connections: every pytest process connects to shoal's socket and says
// hello; the session first, then each worker, forked or spawned. A
// connection belongs to the worker that said hello on it.

// setHurry tells the readers whether some worker waits for work. Called
// from the run's loop after each event.
func (r *runState) setHurry() {
	r.pace.Hurry(r.someoneWaits())
}

// someoneWaits: some worker is idle, or holds its last test until it hears
// what follows.
func (r *runState) someoneWaits() bool {
	for _, w := range r.order {
		if w.conn != nil && !w.ended && !w.stopSent && len(w.outstanding) <= 1 {
			return true
		}
	}
	return false
}

func (r *runState) onHello(c *worker.Conn, m *protocol.Message) error {
	switch m.Role {
	case "server":
		if m.Protocol != protocol.Version {
			return fmt.Errorf("internal error: plugin speaks protocol %d, shoal %d", m.Protocol, protocol.Version)
		}
		r.session = c
		r.run.PythonVersion, r.run.PytestVersion = m.PythonVersion, m.PytestVersion
		if r.opts.CollectOnly {
			r.sessionStarted() // no controller: the session process collects
		}
		return r.startWorkers(m)
	case "controller":
		return r.onControllerHello(c, m)
	}
	w := r.workers[m.Worker]
	if w == nil {
		return fmt.Errorf("internal error: unknown worker %q said hello", m.Worker)
	}
	r.byConn[c] = w
	w.conn = c
	if w.pid == 0 {
		w.pid = m.PID
	}
	r.sendWorkerInput(w)
	return nil
}

// onWalked: a worker walked the suite and lists the files it found. The
// first list is the run's; every other worker must have found the same.
func (r *runState) onWalked(w *workerState, m *protocol.Message) error {
	if w == nil {
		return fmt.Errorf("internal error: a list of files from no worker")
	}
	if r.files == nil {
		r.firstWalker = w.index
		r.onFiles(m)
	} else if m.Digest != r.fileDigest {
		return fmt.Errorf("worker %s found other test files than worker %s: "+
			"the suite's collection is not deterministic; "+
			"hint: make collection stable (no random or time-dependent test paths)", w.id, r.order[r.firstWalker].id)
	}
	w.walked = true
	if mf := r.run.Options.MaxFail; mf > 0 {
		w.conn.Send(protocol.Command{T: "gate", Failures: r.failureFile(), MaxFail: mf})
	}
	if r.sched == nil {
		r.feedCollect(w)
	}
	return nil
}

func (r *runState) onClosed(c *worker.Conn, err error) error {
	w := r.byConn[c]
	if e := r.collectorClosed(w); e != nil {
		return r.passthrough(e)
	}
	if w == nil {
		if c == r.session {
			r.sessionUp = false
		}
		if r.ctl != nil && c == r.ctl.conn {
			r.ctl.closed = true
		}
		return nil
	}
	w.ended = true
	if w.quit || w.said {
		// What it was sent and did not report did not run: pytest ended
		// its session early, or it had said goodbye (anything sent after
		// that crossed it on the way).
		w.outstanding, w.collecting = nil, nil
		w.stopClock()
	}
	if len(w.collecting) > 0 {
		if r.stopping {
			w.collecting = nil // nothing more runs: what it collected no longer matters
		} else {
			r.crashedCollecting(w)
		}
	}
	if len(w.outstanding) > 0 {
		r.crashed(w)
	}
	if !w.walked && !w.interrupted && !w.quit && !w.aborted && !w.said && !r.stopping && !r.killed {
		// It ended as it started (a conftest that ended its process, a
		// crash on import): start another, as pytest-xdist does.
		r.restart(w)
	}
	if !errors.Is(err, io.EOF) && !w.said {
		// A broken stream is a crash too; the reason shows in the crash report.
		w.status = err.Error()
	}
	r.nodeDown(w)
	return nil
}

// collectorClosed: w's connection has ended, with everything it said
// read. Where w is the session process of a run that only collects and it
// exited before any of that was read, it returns that exit if nothing w
// said explains it: pytest's own output then says why (see passthrough).
func (r *runState) collectorClosed(w *workerState) *worker.Exit {
	e := r.collectorExit
	if w == nil || e == nil || w.pid != e.PID {
		return nil
	}
	r.collectorExit = nil
	if r.files != nil || r.run.Halted || len(r.run.InternalErrors) > 0 || r.run.UsageError != "" {
		return nil
	}
	return e
}

// onForked: the session forked a worker or the controller; its exit comes
// from the session too, as "exited".
func (r *runState) onForked(m *protocol.Message) {
	if m.Worker == "" && r.ctl != nil {
		r.ctl.pid = m.PID
		return
	}
	if w := r.workers[m.Worker]; w != nil {
		w.pid = m.PID
		r.byPID[m.PID] = w
		r.pgids = append(r.pgids, m.PID)
		r.procs.Watch(m.PID)
		r.run.Workers[w.index].PID = m.PID
		r.workerStarted(w, true)
	}
}

// onBye: a worker ends; it names the tests it was sent and did not run.
func (r *runState) onBye(w *workerState, m *protocol.Message) {
	if w == nil {
		return
	}
	w.said = true
	for k := 0; k+1 < len(m.Unrun); k += 2 {
		w.forget(r.testIndex(m.Unrun[k], m.Unrun[k+1]))
	}
	if len(m.Unrun) > 0 && !r.stopping && !r.maxFailReached() {
		r.stop(fmt.Sprintf("Interrupted: worker %s stopped early", w.id), true)
	}
}

// onRefused: shoal can take no more connections. The run stops as an
// interrupt does, and the workers that have not connected are ended, since
// they never will.
func (r *runState) onRefused(err error) error {
	r.interrupt("Interrupted: " + err.Error())
	for _, w := range r.order {
		if w.conn == nil && !w.ended {
			w.ended = true
			r.procs.Kill(w.pid)
		}
	}
	return nil
}
