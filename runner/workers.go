package runner

import (
	"fmt"
	"os"
	"path/filepath"

	"shoal/protocol"
)

func (r *runState) spec(w *workerState, basetemp string) protocol.WorkerSpec {
	bt := ""
	if basetemp != "" {
		bt = filepath.Join(basetemp, "popen-"+w.id)
	}
	spec := protocol.WorkerSpec{ID: w.id, Count: len(r.order), UID: r.uid, Basetemp: bt, Log: w.log, Stacks: r.stacksFile(w),
		Captured: r.capturedPrefix(w)}
	if r.opts.WorkerEnv != nil {
		spec.Env = r.opts.WorkerEnv(w.index)
	}
	return spec
}

func (r *runState) spawn(w *workerState, spec protocol.WorkerSpec) error {
	log, err := os.OpenFile(w.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cannot create log for worker %s: %w", w.id, err)
	}
	defer log.Close()
	cmd := r.pytestCommand("worker", log, log,
		"SHOAL_WORKER="+w.id,
		fmt.Sprintf("SHOAL_WORKER_COUNT=%d", spec.Count),
		"PYTEST_XDIST_TESTRUNUID="+r.uid,
		"SHOAL_BASETEMP="+spec.Basetemp,
		"SHOAL_STACKS="+spec.Stacks,
		"SHOAL_CAPTURED="+spec.Captured,
	)
	cmd.Env = append(cmd.Env, envList(spec.Env)...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start worker %s with %s: %w", w.id, r.opts.Python, err)
	}
	w.pid = cmd.Process.Pid
	r.byPID[w.pid] = w
	r.pgids = append(r.pgids, w.pid)
	r.run.Workers[w.index].PID = w.pid
	go func() {
		err := cmd.Wait()
		r.post(event{exit: &exitEvent{worker: w.id, pid: cmd.Process.Pid, err: err, state: cmd.ProcessState}})
	}()
	return nil
}

func (r *runState) onExit(e *exitEvent) error {
	if e.worker == "" {
		r.sessionUp = false
		if r.run.Halted && (r.session == nil || r.files == nil) {
			// Interrupted before the suite was known: a run of nothing.
			r.files = []fileState{}
			return nil
		}
		if r.session == nil || r.files == nil {
			return r.passthrough(e)
		}
		r.forksLost()
		return nil
	}
	if w := r.byPID[e.pid]; w != nil {
		r.workerExited(w, describeExit(e.err, e.state))
	}
	return nil
}

// workerExited learns how a worker process ended. Its exit is looked up by
// pid: a crashed worker's replacement has the same name.
func (r *runState) workerExited(w *workerState, status string) {
	w.exited = true
	w.status = status
	if t := w.crashedTest; t != nil && len(t.Reports) > 0 && w.crash != nil {
		// The status came after the report: say it in its place.
		w.crash.status = status
		t.Reports[0].LongRepr = w.crash.text()
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
	t := r.run.Tests[w.outstanding[0]]
	w.outstanding = nil
	// What the test started dies with it; so does the worker if its
	// connection closed while it lives on.
	w.endedByShoal = !exitsSoon(w.pid)
	killGroup(w.pid)
	if w.timer != nil {
		w.timer.timer.Stop()
	}
	if r.killed {
		// shoal ended it for an interrupt: the test did not finish.
		t.Worker, t.Killed = w.id, true
		return
	}
	if r.timeoutCasualty(w, t) {
		// It had only just started: it runs again, on another worker.
		_ = os.Remove(r.stacksFile(w))
		r.sched.Lost(w.index)
		if !r.stopping {
			r.replace(w)
		}
		return
	}
	r.sched.Crashed(w.index)
	c := r.describeCrash(w, t)
	msg := c.message()
	t.Worker = w.id
	t.Crashed = true
	t.Reports = []protocol.Report{{
		When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED",
		LongRepr: c.text(), Crash: &msg, Sections: c.sections(),
	}}
	w.crashedTest = t
	w.crash = c
	// Its replacement starts an empty log: what this one wrote is in the report.
	_ = os.Truncate(w.log, 0)
	r.obs.TestDone(r.run, t)
	r.failures++
	if mf := r.run.Options.MaxFail; mf > 0 && r.failures >= mf {
		r.stop(fmt.Sprintf("stopping after %d failures", r.failures), false)
	}
	if r.stopping || r.sched.Left() == 0 {
		return
	}
	if c.timeout > 0 {
		// A test that hangs is not a worker that crashes: it does not
		// count against --max-worker-restart.
		r.replace(w)
		return
	}
	r.restart(w)
}

// crashedCollecting records the file a worker died importing as a collection
// error, and gives the files it had not started to others.
func (r *runState) crashedCollecting(w *workerState) {
	f := &r.files[w.collecting[0]]
	r.collectQ = append(w.collecting[1:], r.collectQ...)
	w.collecting = nil
	text := fmt.Sprintf("worker '%s' crashed while collecting '%s'", w.id, f.nodeid)
	if out := tail(w.log, 30); out != "" {
		text += "\n\nlast lines of its output:\n" + out
	}
	f.collected = true
	f.owner = w.index
	f.errors = []protocol.CollectReport{{NodeID: f.nodeid, Outcome: "failed", LongRepr: text}}
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
		r.stop(fmt.Sprintf("maximum crashed workers reached: %d (--max-worker-restart)", r.restarts), true)
		r.run.Halted = true
		return
	}
	r.restarts++
	r.replace(old)
}

// replace starts a new worker in place of one that ended.
func (r *runState) replace(old *workerState) {
	w := &workerState{id: old.id, index: old.index, log: old.log}
	r.workers[w.id] = w
	for k, o := range r.order {
		if o == old {
			r.order[k] = w
		}
	}
	for _, rw := range r.run.Workers {
		if rw.ID == w.id {
			rw.Restarts++
		}
	}
	spec := r.spec(w, r.basetemp)
	if r.forking && r.sessionUp {
		r.session.send(protocol.Command{T: "fork", Workers: []protocol.WorkerSpec{spec}})
		return
	}
	if err := r.spawn(w, spec); err != nil {
		w.ended = true
		r.stop(err.Error(), true)
	}
}
