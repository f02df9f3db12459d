package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"testing"
	"time"

	"shoal/protocol"
	"shoal/worker"
)

// The fake world plays the plugin's part for the runner's tests, in Go: a
// session that lists the suite and forks workers (or lets shoal spawn
// them), and workers that run tests as the plugin's loop does. Each test
// does what its letter in the suite says. Time is simulated and moves on
// only when the run has nothing else to do (see runState.idle), so every
// run of a table case is the same.

// Test letters: what a fake test does.
const (
	pass     = '.'
	fail     = 'F'
	crash    = 'C' // its worker dies (a segfault)
	hang     = 'H' // runs until killed; dumps its stacks when asked
	late     = 'L' // hangs, and finishes when asked for its stacks
	deadlock = 'D' // hangs and ignores the signal for stacks
	// forks passes and leaves a child that holds its worker's connection
	// open after the worker exits, until shoal stops reading it.
	forks = 'k'
	// stray writes a line of its own on its worker's connection, and passes.
	stray = 's'
	// deaf hangs and ignores SIGINT (it catches KeyboardInterrupt).
	deaf = 'I'
	// raises raises KeyboardInterrupt itself.
	raises = 'X'
	// thread passes and leaves a thread that is no daemon running: its
	// worker ends its session but never exits.
	thread = 'T'
	alone  = 'A' // passes; marked isolation, it runs alone
	// flaky fails on its first attempt and passes on a retry.
	flaky = 'f'
)

// fakeFile is one test file: name and one letter per test.
type fakeFile struct {
	name, tests string
	// crashOnImport: a worker that collects it dies.
	crashOnImport bool
}

// fakeSuite is what the fake plugin finds and how its session behaves.
type fakeSuite struct {
	files []fakeFile
	// lazy: the session lists the files and workers collect them.
	lazy bool
	// noFork: the session cannot fork (a thread runs after collection).
	noFork bool
	// maxfail is pytest's --maxfail.
	maxfail int
	// usage: the session prints this and exits 4 before saying hello.
	usage string
	// forward: the controller's plugins follow the tests' reports.
	forward bool
	// sessionExit, when not 0, is the controller's exit status whatever
	// it is told (a pytest_sessionfinish that sets session.exitstatus).
	sessionExit int
	// sessionDies: the controller exits with status 3 right after hello.
	sessionDies bool
}

// world is the fake plugin's processes and the simulated clock.
type world struct {
	t       *testing.T
	suite   fakeSuite
	r       *runState
	now     time.Time
	timers  []*fakeTimer
	pending []worker.Event
	lastPID int
	procs   map[int]*fakeProc
	session *fakeProc
	// controller is the controller process, forked or the session process.
	controller *fakeProc
	// interrupt, when set, is called once when the world would otherwise
	// move its clock on; it says whether it interrupted the run.
	interrupt func(w *world) bool
	// started counts the worker processes started, forked or spawned.
	started int
}

// fakeProc is one fake pytest process: the session or a worker.
type fakeProc struct {
	w   *world
	pid int
	id  string // "" for the session process and the controller
	// role is "server", "controller" or "worker".
	role string
	// heard lists what the controller was told, in order, and heardFrom
	// the worker each was about.
	heard, heardFrom []string
	conn             *worker.Conn
	spec             protocol.WorkerSpec
	forked           bool
	dead             bool
	// held: a child holds its connection open; its end comes only when
	// shoal stops reading (Conn.Finish).
	held bool
	// lingers: a thread keeps it from exiting once its session ended.
	lingers bool
	// The worker's loop, as the plugin's loop.py keeps it.
	queue          [][2]int
	running        *[2]int // a test that hangs
	runningSince   float64
	stopping       bool
	aborted        bool
	gated, waiting bool
	failures       int
	// draining: run the last test held without waiting for another;
	// retries and attempts: shoal run --retries (see retry.go).
	draining bool
	retries  int
	attempts map[[2]int]int
	// ran lists the tests it ran, in order, as "file::index".
	ran []string
	// setups counts module set-ups: a file's tests run one after another
	// share one.
	setups int
}

// newWorld is a world of suite; the run r it plays for is set once made.
func newWorld(t *testing.T, suite fakeSuite) *world {
	return &world{t: t, suite: suite, now: time.Unix(1_000_000, 0), procs: map[int]*fakeProc{}}
}

// Idle moves the world on: it hands the run what its processes said, or
// else interrupts it as the case says, or else moves the clock to the next
// timer. Nothing to do at all means the run waits forever: a bug.
func (w *world) Idle() {
	if len(w.pending) > 0 {
		n := min(len(w.pending), cap(w.r.events)-len(w.r.events))
		for _, ev := range w.pending[:n] {
			w.r.events <- ev
		}
		w.pending = w.pending[n:]
		return
	}
	if w.interrupt != nil && w.interrupt(w) {
		w.interrupt = nil
		return
	}
	if len(w.timers) == 0 {
		w.t.Fatalf("the run waits for something that never comes:\n%s", w.describe())
	}
	sort.SliceStable(w.timers, func(i, j int) bool { return w.timers[i].at.Before(w.timers[j].at) })
	tm := w.timers[0]
	w.timers = w.timers[1:]
	if tm.at.After(w.now) {
		w.now = tm.at
	}
	tm.fire()
}

func (w *world) describe() string {
	var b bytes.Buffer
	for _, p := range w.procs {
		fmt.Fprintf(&b, "pid %d %q dead %v queue %v running %v waiting %v\n", p.pid, p.id, p.dead, p.queue, p.running, p.waiting)
	}
	return b.String()
}

// The clock.

type fakeTimer struct {
	at   time.Time
	fire func()
}

func (w *world) Now() time.Time { return w.now }

func (w *world) AfterFunc(d time.Duration, f func()) func() bool {
	tm := &fakeTimer{at: w.now.Add(d), fire: f}
	w.timers = append(w.timers, tm)
	return func() bool {
		for i, x := range w.timers {
			if x == tm {
				w.timers = append(w.timers[:i], w.timers[i+1:]...)
				return true
			}
		}
		return false
	}
}

func (w *world) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	w.AfterFunc(d, func() { ch <- w.now })
	return ch
}

func (w *world) seconds() float64 { return unixSeconds(w.now) }

// The processes interface.

func (w *world) StartSession(stdout, stderr string, env ...string) (int, error) {
	p := w.newProc("")
	p.role = "server"
	w.session = p
	if w.suite.usage != "" {
		if err := os.WriteFile(stderr, []byte(w.suite.usage), 0o644); err != nil {
			return 0, err
		}
		p.exit(protocol.ExitStatus{Code: intp(4)})
		return p.pid, nil
	}
	p.say(protocol.Message{T: "hello", Role: "server", Protocol: protocol.Version, CanFork: !w.suite.noFork})
	return p.pid, nil
}

// becomeController: p is the controller; it configures the workers' nodes.
func (p *fakeProc) becomeController(spec protocol.WorkerSpec) {
	p.role, p.spec = "controller", spec
	p.w.controller = p
	opts := protocol.Options{MaxFail: p.w.suite.maxfail}
	p.say(protocol.Message{T: "hello", Role: "controller", Protocol: protocol.Version, PID: p.pid, Options: &opts,
		Forward: p.w.suite.forward})
	if p.w.suite.sessionDies {
		p.die(protocol.ExitStatus{Code: intp(3)})
		return
	}
	for i := 0; i < spec.Count; i++ {
		p.say(protocol.Message{T: "workerinput", Worker: fmt.Sprintf("gw%d", i), WorkerInput: json.RawMessage(`{}`)})
	}
}

// controllerCommand: what the controller does with shoal's news; at the
// end it finishes its session and exits with the status it was given.
func (p *fakeProc) controllerCommand(cmd protocol.Command) {
	switch cmd.T {
	case "nodeready", "nodedown", "collected", "test":
		p.heard = append(p.heard, cmd.T)
		p.heardFrom = append(p.heardFrom, cmd.Worker)
	case "configure_node":
		p.say(protocol.Message{T: "workerinput", Worker: cmd.Worker, WorkerInput: json.RawMessage(`{}`)})
	case "finish":
		p.heard = append(p.heard, cmd.T)
		p.heardFrom = append(p.heardFrom, "")
		status := cmd.Status
		if p.w.suite.sessionExit != 0 {
			status = p.w.suite.sessionExit
		}
		p.say(protocol.Message{T: "finished", Points: map[string]int64{"summary": 0, "short": 0, "stats": 0}})
		p.die(protocol.ExitStatus{Code: intp(status)})
	default:
		p.w.t.Fatalf("the controller got %q", cmd.T)
	}
}

func (w *world) StartWorker(spec protocol.WorkerSpec) (int, error) {
	p := w.newWorker(spec, false)
	return p.pid, nil
}

func (w *world) Signal(pid, sig int) {
	p := w.procs[pid]
	if p == nil || p.dead || p.running == nil {
		return
	}
	ref := *p.running
	switch w.letter(ref) {
	case hang:
		p.writeStacks()
	case late:
		p.writeStacks()
		p.running = nil
		p.finish(ref, p.runningSince, w.seconds()+0.001, false, 0)
		p.advance()
	}
}

// Interrupt: SIGINT. A test that hangs gets KeyboardInterrupt, as does a
// worker waiting between tests; one that ignores it runs on.
func (w *world) Interrupt(pid int) {
	p := w.procs[pid]
	if p == nil || p.dead || p.running != nil && w.letter(*p.running) == deaf {
		return
	}
	p.keyboardInterrupt()
}

func (w *world) Kill(pid int) {
	if p := w.procs[pid]; p != nil && !p.dead {
		p.die(protocol.ExitStatus{Signal: intp(9)})
	}
}

func (w *world) KillChildren(pid int) {}

func (w *world) Watch(pgid int) {}

func (w *world) Gone(pid int) bool {
	p := w.procs[pid]
	return p == nil || p.dead
}

// The fake processes.

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
		if err := os.WriteFile(p.spec.Log, []byte("Fatal Python error: Segmentation fault\n"), 0o644); err != nil {
			p.w.t.Fatal(err)
		}
		p.die(protocol.ExitStatus{Signal: intp(11)})
	default:
		p.running, p.runningSince = &ref, start
	}
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
