package runner

import (
	"os"
	"path/filepath"
	"time"

	"shoal/protocol"
	"shoal/result"
)

func (r *runState) finish() (*result.Run, error) {
	r.awaitStatuses(2 * time.Second)
	if r.session != nil && r.sessionUp {
		r.session.send(protocol.Command{T: "exit"})
		r.waitSession(10 * time.Second)
	}
	r.run.Stop = now()
	r.run.ExitCode = exitCode(r.run)
	return r.run, nil
}

// waitSession lets the session process finish its own teardown.
func (r *runState) waitSession(limit time.Duration) {
	deadline := time.After(limit)
	for r.sessionUp {
		select {
		case ev := <-r.events:
			if ev.exit != nil && ev.exit.worker == "" {
				return
			}
			if ev.conn != nil && ev.conn == r.session && ev.err != nil {
				r.sessionUp = false
			}
		case <-deadline:
			return
		}
	}
}

func (r *runState) killAll() {
	for _, pid := range r.pgids {
		killGroup(pid)
	}
}

func exitCode(run *result.Run) int {
	failed := false
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			failed = true
		}
	}
	for _, t := range run.Tests {
		switch t.Outcome() {
		case result.Failed, result.Error:
			failed = true
		}
	}
	switch {
	case run.Interrupted:
		return result.ExitInterrupted
	case failed:
		return result.ExitTestsFailed
	case len(run.Tests) == 0:
		return result.ExitNoTestsCollected
	}
	return result.ExitOK
}

func (r *runState) passthrough(e *exitEvent) error {
	out, _ := os.ReadFile(filepath.Join(r.dir, "session.out"))
	errOut, _ := os.ReadFile(filepath.Join(r.dir, "session.err"))
	code := result.ExitInternalError
	if e.state != nil {
		code = e.state.ExitCode()
	}
	if r.session != nil && code == 0 {
		code = result.ExitInternalError
	}
	return &Passthrough{Stdout: out, Stderr: errOut, Code: code}
}
