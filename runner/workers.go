package runner

import (
	"fmt"
	"path/filepath"

	"shoal/protocol"
	"shoal/result"
	"shoal/worker"
)

// spec is what worker w is told of itself, spawned or forked.
func (r *runState) spec(w *workerState, basetemp string) protocol.WorkerSpec {
	bt := ""
	if basetemp != "" {
		bt = filepath.Join(basetemp, "popen-"+w.id)
	}
	spec := protocol.WorkerSpec{Role: "worker", ID: w.id, Count: len(r.order), UID: r.uid, Basetemp: bt,
		Log: w.files.Log, Stacks: w.files.Stacks, Captured: w.files.Captured}
	if r.opts.WorkerEnv != nil {
		spec.Env = r.opts.WorkerEnv(w.index)
	}
	return spec
}

func (r *runState) spawn(w *workerState, spec protocol.WorkerSpec) error {
	pid, err := r.procs.StartWorker(spec)
	if err != nil {
		return err
	}
	w.pid = pid
	r.byPID[w.pid] = w
	r.pgids = append(r.pgids, w.pid)
	r.run.Workers[w.index].PID = w.pid
	r.workerStarted(w, false)
	return nil
}

func (r *runState) onExit(e *worker.Exit) error {
	if e.PID != r.sessionPID {
		if w := r.byPID[e.PID]; w != nil {
			r.workerExited(w, e.Status)
		}
		return nil
	}
	r.sessionUp = false
	if r.ctl != nil && r.ctl.pid == e.PID {
		// It had become the controller.
		return r.controllerEnded(e.Code)
	}
	if w := r.byPID[e.PID]; w != nil {
		// It had become the one worker of a run that only collects.
		r.workerExited(w, e.Status)
		if r.files == nil && !r.run.Halted {
			if w.conn != nil && !w.ended {
				// Its last words may still be on their way: an internal
				// or usage error says why it ended. Decide once they are
				// read (collectorClosed).
				r.collectorExit = e
				return nil
			}
			return r.passthrough(e)
		}
		return nil
	}
	if r.session == nil && !r.run.Halted {
		// pytest ended before shoal had anything to run: --help, a usage error.
		return r.passthrough(e)
	}
	r.forksLost()
	return nil
}

// onExited: a process the session process forked has ended.
func (r *runState) onExited(pid int, status string, code int) error {
	if r.ctl != nil && pid == r.ctl.pid {
		return r.controllerEnded(code)
	}
	if w := r.byPID[pid]; w != nil {
		r.workerExited(w, status)
	}
	return nil
}

// workerExited learns how a worker process ended. Its exit is looked up by
// pid: a crashed worker's replacement has the same name.
func (r *runState) workerExited(w *workerState, status string) {
	w.exited = true
	w.status = status
	if w.conn != nil && !w.ended {
		// A child its test forked may hold the connection open.
		w.conn.Finish()
	}
	if t := w.crashedTest; t != nil && len(t.Reports) > 0 && w.crash != nil && w.unreported {
		// The status came after the report: say it in its place.
		w.crash.Status = status
		t.Reports[0].LongRepr = w.crash.Text()
		w.unreported = false
		r.testEnded(w.crashIndex, t)
	}
	if w.conn == nil && !w.ended {
		// It died before it ever connected: no connection will close.
		w.ended = true
		if !r.stopping && (r.sched == nil || r.sched.Left() > 0) {
			r.restart(w)
		}
	}
}

// crashed reports the test the worker was running as failed, puts the rest of
// its tests back in the queue, and replaces the worker.
func (r *runState) crashed(w *workerState) {
	i := w.outstanding[0]
	t := r.run.Tests[i]
	w.outstanding = nil
	// What the test started dies with it; so does the worker if its
	// connection closed while it lives on.
	endedByShoal := !r.procs.Gone(w.pid)
	r.procs.Kill(w.pid)
	w.stopClock()
	if r.killed {
		// shoal ended it for an interrupt: the test did not finish.
		r.testKilled(i, w)
		return
	}
	if r.timeoutCasualty(w, t) {
		// It had only just started: it runs again, on another worker.
		w.files.ClearStacks()
		r.sched.Lost(w.index)
		if !r.stopping {
			r.replace(w)
		}
		return
	}
	r.sched.Crashed(w.index)
	c := r.describeCrash(w, t)
	c.EndedByShoal = endedByShoal
	t = r.renew(i)
	t.Worker = w.id
	t.Crashed = true
	t.Reports = reportsOf([]protocol.Report{c.Report()})
	w.crashedTest = t
	w.crash = c
	r.forwardCrash(w, t, t.Reports[0].LongRepr)
	// A retry that crashed keeps the attempts before it.
	r.withAttempts(i, t)
	// Its replacement starts an empty log: what this one wrote is in the report.
	w.files.ClearLog()
	r.crashReported(w, i)
	r.failures++
	r.countFailure()
	if mf := r.run.Options.MaxFail; mf > 0 && r.failures >= mf {
		r.stopAtMaxFail()
	}
	if r.stopping || r.sched.Left() == 0 {
		return
	}
	if c.Timeout > 0 {
		// A test that hangs is not a worker that crashes: it does not
		// count against --max-worker-restart.
		r.replace(w)
		return
	}
	r.restart(w)
}

// describeCrash gathers what the worker left behind: its exit status if
// known, the stacks it dumped at a timeout, the end of its output.
func (r *runState) describeCrash(w *workerState, t *result.Test) *worker.Crash {
	var timeout *worker.Timeout
	if tm := w.timer; tm != nil && tm.Killed && r.run.Tests[tm.Test] == t {
		timeout = tm
	}
	c := w.files.Crash(w.id, t.NodeID, timeout)
	if w.exited {
		c.Status = w.status
	}
	return c
}

// crashedCollecting records the file a worker died importing as a collection
// error, and gives the files it had not started to others.
func (r *runState) crashedCollecting(w *workerState) {
	f := &r.files[w.collecting[0]]
	r.collectQ = append(w.collecting[1:], r.collectQ...)
	w.collecting = nil
	text := fmt.Sprintf("worker '%s' crashed while collecting '%s'", w.id, f.nodeid)
	if out := w.files.LogTail(30); out != "" {
		text += "\n\nlast lines of its output:\n" + out
	}
	f.collected = true
	f.owner = w.index
	f.errors = []result.CollectReport{{NodeID: f.nodeid, Outcome: "failed", LongRepr: text}}
	r.collectLeft--
	if r.collectLeft == 0 {
		r.collected()
		return
	}
	r.restart(w)
}

func (r *runState) restart(old *workerState) {
	if r.killed {
		return
	}
	if r.restarts >= r.opts.MaxWorkerRestart {
		reason := fmt.Sprintf("maximum crashed workers reached: %d (--max-worker-restart)", r.restarts)
		r.stop(reason, true)
		r.run.Halted = true
		r.interrupted(reason)
		return
	}
	r.restarts++
	r.replace(old)
}

// replace starts a new worker in place of one that ended.
func (r *runState) replace(old *workerState) {
	w := &workerState{id: old.id, index: old.index, files: old.files}
	r.workers[w.id] = w
	for k, o := range r.order {
		if o == old {
			r.order[k] = w
		}
	}
	for _, rw := range r.run.Workers {
		if rw.ID == w.id {
			rw.Restarts++
			r.emit(result.WorkerReplaced{At: r.now(), Worker: w.id, Restarts: rw.Restarts})
		}
	}
	spec := r.spec(w, "")
	r.tell(protocol.Command{T: "configure_node", Worker: w.id})
	if r.forking && r.sessionUp {
		r.session.Send(protocol.Command{T: "fork", Workers: []protocol.WorkerSpec{spec}})
		return
	}
	if err := r.spawn(w, spec); err != nil {
		w.ended = true
		r.stop(err.Error(), true)
	}
}
