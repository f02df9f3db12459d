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
	// crashesOnRetry fails on its first attempt; its retry kills its worker.
	crashesOnRetry = 'c'
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
	// configureError: a worker's pytest_configure raises this; pytest
	// prints it as an INTERNALERROR and exits 3, and shoal hears of the
	// exit before it reads the worker's last message.
	configureError string
	// controllerExitsFirst: shoal hears of the controller's exit before it
	// reads the controller's last message.
	controllerExitsFirst bool
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
		finished := protocol.Message{T: "finished", Points: map[string]int64{"summary": 0, "short": 0, "stats": 0}}
		if p.w.suite.controllerExitsFirst {
			p.exit(protocol.ExitStatus{Code: intp(status)})
			p.say(finished)
			p.w.pending = append(p.w.pending, worker.Event{Conn: p.conn, Err: io.EOF})
			return
		}
		p.say(finished)
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
