package runner

import (
	"os"
	"path/filepath"
	"sort"
	"time"

	"shoal/protocol"
	"shoal/result"
	"shoal/worker"
)

// finish lets the fork server end its own way, and says how the run went:
// with the controller's exit status where it ran to its end, as pytest's
// own (a pytest_sessionfinish may change it), else as the run found it.
func (r *runState) finish() (*result.Run, error) {
	r.awaitStatuses(2 * time.Second)
	if r.forking && r.session != nil && r.sessionUp {
		r.session.Send(protocol.Command{T: "exit"})
		r.waitSession(10 * time.Second)
	}
	r.reportCrashes()
	r.noteStarts()
	r.noteFlaky()
	r.run.Stop = r.now()
	r.run.ExitCode = exitCode(r.run)
	if c := r.ctl; c != nil && c.exited && c.code >= 0 && !r.killed && (c.finished || !c.finishSent) {
		// It ran its session to the end, or ended it early on its own.
		r.run.ExitCode = c.code
	}
	r.run.SessionOutput = r.sessionOutput()
	r.flushEarly()
	r.emit(r.finishedEvent())
	return r.run, nil
}

// awaitStatuses lets the exit statuses of crashed workers arrive before the
// run ends, for their reports: a forked worker's comes from the session
// some time after its connection closed.
func (r *runState) awaitStatuses(limit time.Duration) {
	deadline := r.clock.After(limit)
	for r.statusPending() {
		r.idle()
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

// waitSession lets the session process finish its own teardown.
func (r *runState) waitSession(limit time.Duration) {
	deadline := r.clock.After(limit)
	for r.sessionUp {
		r.idle()
		select {
		case ev := <-r.events:
			if ev.Exit != nil && ev.Exit.PID == r.sessionPID {
				return
			}
			if ev.Conn != nil && ev.Conn == r.session && ev.Err != nil {
				r.sessionUp = false
			}
		case <-deadline:
			return
		}
	}
}

func (r *runState) killAll() {
	for _, pid := range r.pgids {
		r.procs.Kill(pid)
	}
}

func exitCode(run *result.Run) int {
	failed := run.CollectionErrors() > 0
	for _, t := range run.Tests {
		switch t.Outcome() {
		case result.Failed, result.Error:
			failed = true
		}
	}
	switch {
	case len(run.InternalErrors) > 0:
		return result.ExitInternalError
	case run.UsageError != "":
		return result.ExitUsageError
	case run.Interrupt != nil && run.Interrupt.ReturnCode != nil:
		return *run.Interrupt.ReturnCode
	case run.Interrupted:
		return result.ExitInterrupted
	case failed:
		return result.ExitTestsFailed
	case len(run.Tests) == 0:
		return result.ExitNoTestsCollected
	}
	return result.ExitOK
}

func (r *runState) passthrough(e *worker.Exit) error {
	out, _ := os.ReadFile(filepath.Join(r.dir, "session.out"))
	errOut, _ := os.ReadFile(filepath.Join(r.dir, "session.err"))
	code := e.Code
	if r.session != nil && code == 0 {
		code = result.ExitInternalError
	}
	return &Passthrough{Stdout: out, Stderr: errOut, Code: code}
}

// cacheResults are the run's outcomes as pytest's cache plugins take them
// in the controller.
func cacheResults(run *result.Run) *protocol.Results {
	res := &protocol.Results{}
	failed := map[string]bool{}
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			res.CollectFailed = append(res.CollectFailed, e.NodeID)
			failed[e.NodeID] = true
		}
	}
	for _, f := range run.Files {
		if !failed[f] {
			res.Files = append(res.Files, f)
		}
	}
	var ran []*result.Test
	for _, t := range run.Tests {
		res.Collected = append(res.Collected, t.NodeID)
		if len(t.Reports) > 0 {
			ran = append(ran, t)
		}
	}
	sort.SliceStable(ran, func(a, b int) bool { return ran[a].Stop < ran[b].Stop })
	for _, t := range ran {
		for _, rep := range t.Reports {
			if rep.Outcome != "passed" || rep.When == "call" {
				res.Reports = append(res.Reports, [3]string{t.NodeID, rep.When, rep.Outcome})
			}
		}
	}
	return res
}
