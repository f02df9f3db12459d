package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"shoal/protocol"
	"shoal/result"
	"shoal/worker"
)

// The controller is the session pytest-xdist's controller is: a pytest
// process that collects nothing and runs no test, but lives the session's
// lifecycle (configure, session start and finish, the terminal summary)
// and whose plugins see what xdist's controller hooks show them. The run
// tells it about the workers and, when its plugins listen, every test's
// reports; at the end it says "finish" with the run's exit status, and the
// controller's own exit status becomes the run's.

// controllerState is what the run knows of its controller.
type controllerState struct {
	conn *worker.Conn
	pid  int
	// hello: it configured, started its session and printed pytest's header.
	hello bool
	// forward: its plugins follow the tests' reports.
	forward bool
	// pending holds what it is told before it said hello.
	pending    []protocol.Command
	finishSent bool
	// finished: it sent its marks after pytest_sessionfinish.
	finished bool
	points   map[string]int64
	closed   bool // its connection closed
	exited   bool
	code     int // exit code once exited, -1 for a signal
	// output is the file it prints into once the run is over.
	output string
}

// tell sends the controller a command, or keeps it until it said hello.
func (r *runState) tell(cmd protocol.Command) {
	c := r.ctl
	if c == nil || c.finishSent || c.exited {
		return
	}
	if !c.hello {
		c.pending = append(c.pending, cmd)
		return
	}
	c.conn.Send(cmd)
}

// onControllerHello: the controller has configured and printed pytest's
// header; the worker nodes' workerinput follows.
func (r *runState) onControllerHello(c *worker.Conn, m *protocol.Message) error {
	if m.Protocol != protocol.Version {
		return fmt.Errorf("internal error: plugin speaks protocol %d, shoal %d", m.Protocol, protocol.Version)
	}
	ctl := r.ctl
	if ctl == nil {
		return fmt.Errorf("internal error: a controller said hello where shoal started none")
	}
	ctl.conn, ctl.hello, ctl.forward = c, true, m.Forward
	if ctl.pid == 0 {
		ctl.pid = m.PID
	}
	run := r.run
	run.Header = m.Header
	run.HeaderShown = true
	run.Rootdir = m.Rootdir
	run.InvocationDir = m.InvocationDir
	run.PythonVersion = m.PythonVersion
	run.PytestVersion = m.PytestVersion
	if m.Options != nil {
		run.Options = optionsOf(*m.Options)
	}
	r.basetemp = m.Basetemp
	r.sessionStarted()
	for _, cmd := range ctl.pending {
		c.Send(cmd)
	}
	ctl.pending = nil
	return nil
}

// onWorkerInput: the controller configured a worker's node.
func (r *runState) onWorkerInput(m *protocol.Message) {
	if w := r.workers[m.Worker]; w != nil {
		w.workerinput = m.WorkerInput
		r.sendWorkerInput(w)
	}
}

// sendWorkerInput lets a connected worker configure itself, once its
// workerinput is known (or there is no controller to make one).
func (r *runState) sendWorkerInput(w *workerState) {
	if w.conn == nil || w.inputSent || w.aborted {
		return
	}
	if r.stopping {
		// Nothing more runs: it ends before it configures.
		w.conn.Send(protocol.Command{T: "abort"})
		w.aborted = true
		return
	}
	if r.ctl != nil && w.workerinput == nil {
		return
	}
	w.inputSent = true
	cmd := protocol.Command{T: "workerinput", WorkerInput: w.workerinput}
	if r.basetemp != "" {
		cmd.Basetemp = r.spec(w, r.basetemp).Basetemp
	}
	cmd.Forward = r.ctl != nil && r.ctl.forward
	if cmd.WorkerInput == nil {
		cmd.WorkerInput = json.RawMessage("null")
	}
	w.conn.Send(cmd)
}

// forward passes one test's reports on to the controller's hooks.
func (r *runState) forward(w *workerState, fwd json.RawMessage) {
	if r.ctl != nil && r.ctl.forward && len(fwd) > 0 {
		r.tell(protocol.Command{T: "test", Worker: w.id, Fwd: fwd})
	}
}

// forwardCrash tells the controller's hooks of a test that crashed its
// worker, with the report xdist's controller makes for it.
func (r *runState) forwardCrash(w *workerState, t *result.Test, text string) {
	if r.ctl == nil || !r.ctl.forward {
		return
	}
	fwd, _ := json.Marshal(map[string]any{"nodeid": t.NodeID, "location": []any{t.Path, nil, t.Path}, "crash": text})
	r.tell(protocol.Command{T: "test", Worker: w.id, Fwd: fwd})
}

// nodeDown tells the controller a worker is down: its workeroutput if it
// finished its session, else what brought it down.
func (r *runState) nodeDown(w *workerState) {
	if w.downSaid {
		return
	}
	w.downSaid = true
	cmd := protocol.Command{T: "nodedown", Worker: w.id, WorkerOutput: w.workeroutput}
	if w.workeroutput == nil {
		reason := "Not properly terminated"
		if w.status != "" {
			reason = "worker ended: " + w.status
		}
		cmd.Error = &reason
	}
	r.tell(cmd)
}

// workersDone: every worker has ended and nothing is left to hand out.
func (r *runState) workersDone() bool {
	if r.sched == nil && !r.stopping {
		return false
	}
	for _, w := range r.order {
		if !w.ended || len(w.outstanding) > 0 {
			return false
		}
	}
	return r.stopping || r.sched.Left() == 0
}

// finishController tells the controller the run is over and how it ended;
// it runs the end of pytest's session and exits with the run's status.
func (r *runState) finishController() {
	c := r.ctl
	if c == nil || c.finishSent || c.exited || !c.hello {
		return
	}
	run := r.run
	cmd := protocol.Command{T: "finish", Status: exitCode(run), Reason: run.Stopped,
		Failed: r.failures + run.CollectionErrors(), Collected: len(run.Tests)}
	cmd.Interrupt = r.interruptMsg
	cmd.UsageError = run.UsageError
	cmd.Results = cacheResults(run)
	c.conn.Send(cmd)
	c.finishSent = true
}

// controllerDone: the controller has ended, or never will say how.
func (r *runState) controllerDone() bool {
	c := r.ctl
	if c == nil {
		return true
	}
	if c.exited {
		// What it said before it exited is read first: its marks come
		// last, and its exit can reach shoal before them.
		return c.conn == nil || c.closed
	}
	// A forked controller's exit comes from the server, while it lives.
	if c.closed && c.pid != r.sessionPID && !r.sessionUp {
		return true
	}
	return !c.hello && c.closed
}

// controllerEnded: the controller process ended with code. Before it
// said hello, pytest ended before the run began (a usage error, a
// conftest that failed): its output is on the terminal already, its exit
// code is the run's. Afterwards the run cannot go on without it.
func (r *runState) controllerEnded(code int) error {
	c := r.ctl
	c.exited, c.code = true, code
	if c.conn != nil && !c.closed {
		// A child it left may hold its connection open.
		c.conn.Finish()
	}
	if !c.hello && !r.killed && !r.run.Halted {
		if code == 0 {
			code = result.ExitInternalError
		}
		p := &Passthrough{Code: code}
		if r.kept[0] != "" {
			p.Stdout, _ = os.ReadFile(r.kept[0])
			p.Stderr, _ = os.ReadFile(r.kept[1])
		}
		return p
	}
	if !c.finishSent && !r.stopping {
		r.stop("Interrupted: the session ended before the run did", true)
	}
	return nil
}

// keepControllerOutput makes files in the run's directory for the
// controller's stdout and stderr, where the run has no terminal of its own.
func (r *runState) keepControllerOutput() ([2]*os.File, error) {
	var files [2]*os.File
	for i, name := range []string{"controller.out", "controller.err"} {
		path := filepath.Join(r.dir, name)
		f, err := os.Create(path)
		if err != nil {
			if files[0] != nil {
				files[0].Close()
			}
			return files, fmt.Errorf("cannot create the controller's log: %w", err)
		}
		files[i], r.kept[i] = f, path
	}
	return files, nil
}

// sessionOutput is what the controller printed once the run was over,
// with its marks, for the terminal to show in pytest's place.
func (r *runState) sessionOutput() *result.SessionOutput {
	c := r.ctl
	if c == nil || c.output == "" {
		return nil
	}
	data, err := os.ReadFile(c.output)
	if err != nil && !c.finished {
		return nil
	}
	return &result.SessionOutput{Text: string(data), Points: c.points, Finished: c.finished}
}

// onFinished: a worker finished its session (its workeroutput goes to the
// controller's pytest_testnodedown), or the controller finished its own
// (the marks of its output).
func (r *runState) onFinished(c *worker.Conn, w *workerState, m *protocol.Message) {
	if w != nil {
		w.workeroutput = m.WorkerOutput
		if w.workeroutput == nil {
			w.workeroutput = json.RawMessage("{}")
		}
		r.nodeDown(w)
		return
	}
	if r.ctl != nil && c == r.ctl.conn {
		r.ctl.finished, r.ctl.points = true, m.Points
	}
}

// testInterrupt: a test's own KeyboardInterrupt or pytest.exit stopped
// the run, as it stops pytest: the controller shows it where pytest does
// (Stopped stays empty), and pytest.exit's return code is the run's.
func (r *runState) testInterrupt(m *protocol.Message) {
	r.run.Interrupt = &result.Interrupt{Message: m.Title, ReturnCode: m.ReturnCode}
	r.interruptMsg, _ = json.Marshal(map[string]any{"title": m.Title, "message": m.Text, "trace": m.Trace, "returncode": m.ReturnCode})
	r.run.Stopped, r.run.Halted = "", false
}

// onInternalError: pytest failed inside a worker (an exception in a hook).
// The run stops with exit status 3, as pytest does.
func (r *runState) onInternalError(w *workerState, m *protocol.Message) {
	if w != nil {
		w.quit = true
	}
	r.run.InternalErrors = append(r.run.InternalErrors, m.ErrorText)
	r.stop("Interrupted: pytest failed in a worker", true)
	// Its INTERNALERROR lines say so, as pytest's do.
	r.run.Stopped = ""
}

// onUsageError: a worker found the command line wrong only as it
// collected (a path that does not exist). pytest ends with exit code 4 and
// says why; the controller's session ends the same way.
func (r *runState) onUsageError(w *workerState, m *protocol.Message) {
	if w != nil {
		w.quit = true
	}
	if r.run.UsageError == "" {
		r.run.UsageError = m.ErrorText
	}
	r.stop("Interrupted: "+m.ErrorText, true)
	r.run.Stopped = ""
}

// exitStatusCode is an exit status's code, -1 for a signal.
func exitStatusCode(s *protocol.ExitStatus) int {
	if s == nil || s.Code == nil {
		return -1
	}
	return *s.Code
}
