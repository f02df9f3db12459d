package runner

// The fake world's processes: what a controller or worker says and does
// when the runner talks to it (the world itself is in fake_test.go).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"shoal/protocol"
	"shoal/worker"
)

func (w *world) newProc(id string) *fakeProc {
	w.lastPID++
	p := &fakeProc{w: w, pid: w.lastPID, id: id}
	p.conn = worker.NewConn(commandWriter{p})
	w.procs[p.pid] = p
	return p
}

func (w *world) newWorker(spec protocol.WorkerSpec, forked bool) *fakeProc {
	p := w.newProc(spec.ID)
	p.role, p.spec, p.forked = "worker", spec, forked
	w.started++
	if forked {
		w.session.say(protocol.Message{T: "forked", Worker: spec.ID, PID: p.pid})
	}
	p.say(protocol.Message{T: "hello", Role: "worker", Worker: spec.ID, PID: p.pid})
	return p
}

// walk: the worker has its workerinput; it starts its session and lists
// the suite's files.
func (p *fakeProc) walk() {
	p.say(protocol.Message{T: "ready"})
	files := protocol.Message{T: "files", Lazy: p.w.suite.lazy, Digest: "d"}
	for f := range p.w.suite.files {
		pf := protocol.File{NodeID: p.w.suite.files[f].name}
		if !p.w.suite.lazy {
			pf.Items = p.w.items(f)
		}
		files.Files = append(files.Files, pf)
	}
	p.say(files)
}

// commandWriter reads the commands the run sends a fake process.
type commandWriter struct{ p *fakeProc }

// CloseRead is Conn.Finish: the connection ends once the process is dead,
// whoever else holds it.
func (cw commandWriter) CloseRead() error {
	if p := cw.p; p.dead && p.held {
		p.held = false
		p.w.pending = append(p.w.pending, worker.Event{Conn: p.conn, Err: io.EOF})
	}
	return nil
}

func (cw commandWriter) Write(b []byte) (int, error) {
	if cw.p.dead {
		return 0, io.ErrClosedPipe
	}
	var cmd protocol.Command
	if err := json.Unmarshal(b, &cmd); err != nil {
		cw.p.w.t.Fatalf("shoal sent %q: %v", b, err)
	}
	cw.p.command(cmd)
	return len(b), nil
}

func (p *fakeProc) say(m protocol.Message) {
	p.w.pending = append(p.w.pending, worker.Event{Conn: p.conn, Lines: []*protocol.Message{&m}})
}

// die: the process ends; its connection closes first, unless a child
// holds it.
func (p *fakeProc) die(status protocol.ExitStatus) {
	if !p.held {
		p.w.pending = append(p.w.pending, worker.Event{Conn: p.conn, Err: io.EOF})
	}
	p.exit(status)
}

func (p *fakeProc) exit(status protocol.ExitStatus) {
	p.dead = true
	if p.forked {
		if s := p.w.session; !s.dead {
			s.say(protocol.Message{T: "exited", PID: p.pid, Status: &status})
		}
		return
	}
	text, code := worker.StatusText(&status), -1
	if status.Code != nil {
		code = *status.Code
	}
	p.w.pending = append(p.w.pending, worker.Event{Exit: &worker.Exit{PID: p.pid, Status: text, Code: code}})
}

func (p *fakeProc) command(cmd protocol.Command) {
	switch p.role {
	case "server":
		p.sessionCommand(cmd)
		return
	case "controller":
		p.controllerCommand(cmd)
		return
	}
	switch cmd.T {
	case "workerinput":
		if text := p.w.suite.configureError; text != "" {
			p.exit(protocol.ExitStatus{Code: intp(3)})
			p.say(protocol.Message{T: "internal_error", ErrorText: text})
			p.w.pending = append(p.w.pending, worker.Event{Conn: p.conn, Err: io.EOF})
			return
		}
		p.walk()
	case "collect":
		for _, f := range cmd.Files {
			if p.w.suite.files[f].crashOnImport {
				p.die(protocol.ExitStatus{Signal: intp(11)})
				return
			}
			p.say(protocol.Message{T: "collected_file", File: f, Items: p.w.items(f)})
		}
	case "run":
		p.retries = cmd.Retries
		for k := 0; k+1 < len(cmd.Items); k += 2 {
			ref := [2]int{cmd.Items[k], cmd.Items[k+1]}
			p.queue = append(p.queue, ref)
			if cmd.Attempt > 0 {
				if p.attempts == nil {
					p.attempts = map[[2]int]int{}
				}
				p.attempts[ref] = cmd.Attempt
			}
		}
	case "drain":
		p.draining = true
	case "stop":
		p.stopping = true
	case "abort":
		p.aborted = true
	case "gate":
		p.gated = true
	case "go":
		p.waiting = false
	default:
		p.w.t.Fatalf("worker %s got %q", p.id, cmd.T)
	}
	p.advance()
}

func (p *fakeProc) sessionCommand(cmd protocol.Command) {
	switch cmd.T {
	case "fork":
		for _, spec := range cmd.Workers {
			if spec.Role == "controller" {
				c := p.w.newProc("")
				c.forked = true
				p.say(protocol.Message{T: "forked", PID: c.pid})
				c.becomeController(spec)
				continue
			}
			p.w.newWorker(spec, true)
		}
	case "become":
		if cmd.Spec.Role == "controller" {
			p.becomeController(*cmd.Spec)
			return
		}
		p.role, p.spec = "worker", *cmd.Spec
		p.say(protocol.Message{T: "hello", Role: "worker", Worker: cmd.Spec.ID, PID: p.pid})
	case "exit":
		p.die(protocol.ExitStatus{Code: intp(0)})
	default:
		p.w.t.Fatalf("the session got %q", cmd.T)
	}
}

// advance runs what the worker can run now, as the plugin's loop does: a
// test only once its successor is known or it is told to stop, nothing
// after a failure while gated until "go", nothing more once aborted.
func (p *fakeProc) advance() {
	for !p.dead && p.running == nil {
		if p.aborted {
			p.bye()
			return
		}
		if p.waiting {
			return
		}
		if p.w.suite.maxfail > 0 && p.failures >= p.w.suite.maxfail {
			// pytest's own --maxfail in the worker ends its session too.
			p.bye()
			return
		}
		if len(p.queue) == 0 && p.stopping {
			p.bye()
			return
		}
		if len(p.queue) == 0 {
			return
		}
		if len(p.queue) == 1 && !p.stopping {
			if !p.draining {
				return
			}
			p.draining = false
		}
		ref := p.queue[0]
		p.queue = p.queue[1:]
		p.run(ref)
	}
}

func (p *fakeProc) run(ref [2]int) {
	name := p.w.suite.files[ref[0]].name
	if n := len(p.ran); n == 0 || p.ranFile(n-1) != name {
		p.setups++
	}
	p.ran = append(p.ran, fmt.Sprintf("%s::%d", name, ref[1]))
	start := p.w.seconds()
	if t := p.w.r.opts.Timeout; t > 0 {
		p.say(protocol.Message{T: "timer", F: ref[0], P: ref[1], Start: start, Seconds: t, DumpSignal: 10})
	}
	attempt := p.attempts[ref]
	delete(p.attempts, ref)
	switch p.w.letter(ref) {
	case pass, fail, alone:
		p.finish(ref, start, start, p.w.letter(ref) == fail, attempt)
	case flaky:
		p.finish(ref, start, start, attempt == 0, attempt)
	case forks:
		p.held = true
		p.finish(ref, start, start, false, attempt)
	case stray:
		p.w.pending = append(p.w.pending, worker.Event{Conn: p.conn, Stray: `"not a message"`})
		p.finish(ref, start, start, false, attempt)
	case raises:
		p.running, p.runningSince = &ref, start
		p.keyboardInterrupt()
	case thread:
		p.lingers = true
		p.finish(ref, start, start, false, attempt)
	case crash:
		p.segfault()
	case crashesOnRetry:
		if attempt == 0 {
			p.finish(ref, start, start, true, attempt)
		} else {
			p.segfault()
		}
	default:
		p.running, p.runningSince = &ref, start
	}
}

// segfault ends the worker as a segmentation fault in a test does.
func (p *fakeProc) segfault() {
	if err := os.WriteFile(p.spec.Log, []byte("Fatal Python error: Segmentation fault\n"), 0o644); err != nil {
		p.w.t.Fatal(err)
	}
	p.die(protocol.ExitStatus{Signal: intp(11)})
}

// keyboardInterrupt ends the worker as the plugin's loop does on a
// KeyboardInterrupt: it says which test it stopped, if one ran, names
// what it did not run, and ends its session (exit code 2).
func (p *fakeProc) keyboardInterrupt() {
	m := protocol.Message{T: "interrupted", Title: "KeyboardInterrupt", Text: "t.py:3: KeyboardInterrupt"}
	if ref := p.running; ref != nil {
		m.F, m.P, m.NodeID = ref[0], ref[1], fmt.Sprintf("%s::t%d", p.w.suite.files[ref[0]].name, ref[1])
		m.Start, m.Stop = p.runningSince, p.w.seconds()
		p.running = nil
	}
	p.say(m)
	p.aborted = true
	var unrun []int
	for _, ref := range p.queue {
		unrun = append(unrun, ref[0], ref[1])
	}
	p.queue = nil
	p.say(protocol.Message{T: "bye", Unrun: unrun})
	p.say(protocol.Message{T: "finished", WorkerOutput: json.RawMessage(`{"exitstatus": 2}`)})
	p.die(protocol.ExitStatus{Code: intp(2)})
}

func (p *fakeProc) ranFile(k int) string {
	name, _, _ := bytes.Cut([]byte(p.ran[k]), []byte("::"))
	return string(name)
}

// finish reports test ref as the plugin does.
func (p *fakeProc) finish(ref [2]int, start, stop float64, failed bool, attempt int) {
	m := protocol.Message{T: "done", F: ref[0], P: ref[1], Start: start, Stop: stop}
	if p.w.suite.forward {
		m.Fwd = json.RawMessage(`{"nodeid": "x"}`)
	}
	if !failed {
		m.OK = []float64{0, 0, 0}
		p.say(m)
		return
	}
	m.Reports = []protocol.Report{
		{When: "setup", Outcome: "passed"},
		{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED", LongRepr: "assert 0"},
		{When: "teardown", Outcome: "passed"},
	}
	if attempt < p.retries {
		// It runs again: a rerun, which counts as no failure.
		m.Reports[1] = protocol.Report{When: "call", Outcome: "rerun", Category: "rerun", Letter: "R", Word: "RERUN", LongRepr: "assert 0"}
		p.say(m)
		return
	}
	p.say(m)
	p.failures++
	p.waiting = p.gated
}

func (p *fakeProc) writeStacks() {
	text := "Timeout (0:00:01)!\nThread 0x1 (most recent call first):\n  File \"t.py\", line 3 in test_hangs\n"
	if err := os.WriteFile(p.spec.Stacks, []byte(text), 0o644); err != nil {
		p.w.t.Fatal(err)
	}
}

// bye: the worker ends its loop, names what it did not run, and exits.
func (p *fakeProc) bye() {
	var unrun []int
	for _, ref := range p.queue {
		unrun = append(unrun, ref[0], ref[1])
	}
	p.queue = nil
	p.say(protocol.Message{T: "bye", Unrun: unrun})
	p.say(protocol.Message{T: "finished", WorkerOutput: json.RawMessage(`{"exitstatus": 0}`)})
	if p.lingers {
		p.say(protocol.Message{T: "ended", Threads: []string{"left-running"}})
		return
	}
	p.say(protocol.Message{T: "ended"})
	p.die(protocol.ExitStatus{Code: intp(0)})
}

func (w *world) letter(ref [2]int) byte { return w.suite.files[ref[0]].tests[ref[1]] }

func (w *world) items(f int) []protocol.Item {
	file := w.suite.files[f]
	items := make([]protocol.Item, len(file.tests))
	for i := range items {
		id := fmt.Sprintf("%s::t%d", file.name, i)
		items[i] = protocol.Item{NodeID: id, Path: file.name, Domain: fmt.Sprintf("t%d", i)}
		if file.tests[i] == alone {
			items[i].Marks = &protocol.Marks{Exclusive: true}
		}
	}
	return items
}

func intp(n int) *int { return &n }
