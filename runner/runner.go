// Package runner drives one shoal run: it starts the pytest session process,
// which collects the suite once, starts the workers (forked from that session
// where safe, spawned otherwise), hands them tests and gathers their reports.
//
// One goroutine, the one that calls Run, owns all run state. Connection
// readers and process waiters only send it events.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"shoal/plan"
	"shoal/protocol"
	"shoal/result"
	"shoal/schedule"
)

// Options say what to run and how.
type Options struct {
	Python    string   // interpreter that has pytest
	PluginDir string   // directory holding the unpacked plugin package
	Args      []string // pytest's arguments
	Workers   int      // number of workers, at least 1
	Fork      bool     // fork workers from the collected session where safe
	Dir       string   // working directory of every pytest process
	Env       []string // environment of every pytest process
	// MaxWorkerRestart caps how many crashed workers are replaced; negative
	// means the default, 4 × Workers, as pytest-xdist does.
	MaxWorkerRestart int
	// Grace is how long running tests may finish after an interrupt.
	Grace time.Duration
	// Plan decides how the collected tests are scheduled and which of them
	// this run keeps (a shard); nil schedules them all by their markers.
	Plan Planner
	// CollectOnly collects the whole suite in the session process and
	// returns it without starting a worker or running a test.
	CollectOnly bool
	// Timeout is how many seconds one test may run where its timeout
	// marker does not say otherwise; 0 means no limit.
	Timeout float64
	// Abort, once closed, ends every process of the run at once (a second
	// Ctrl-C); the run still returns what it has.
	Abort <-chan struct{}
	// RunDir holds shoal's socket and the pytest processes' logs. It is
	// the caller's to make and remove; "" makes one for the run.
	RunDir string
	// WorkerEnv, when set, is what worker index gets on top of Env: its
	// own temporary directory, ports, database.
	WorkerEnv func(index int) map[string]string
}

// Planner makes the scheduler's input once the suite is collected. owners
// gives, per file, the worker that imported it. keep says which tests run;
// nil keeps all.
type Planner func(run *result.Run, owners []int) (tests []schedule.Test, cfg schedule.Config, keep []bool, err error)

// Observer follows a run as it happens (the terminal's progress).
type Observer interface {
	Collected(run *result.Run)
	TestDone(run *result.Run, t *result.Test)
}

// Passthrough is returned when pytest ended before shoal had anything to run:
// --help, --version, --collect-only, a usage error, a broken conftest. Its
// output is what pytest printed, to be shown as is, and Code is its exit code.
type Passthrough struct {
	Stdout, Stderr []byte
	Code           int
}

func (p *Passthrough) Error() string { return fmt.Sprintf("pytest exited with code %d", p.Code) }

// Run runs the suite and returns what happened. Cancelling ctx interrupts the
// run: nothing new starts, running tests get opts.Grace to finish.
func Run(ctx context.Context, opts Options, obs Observer) (*result.Run, error) {
	dir := opts.RunDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "shoal-"); err != nil {
			return nil, fmt.Errorf("cannot create run directory: %w", err)
		}
		if os.Getenv("SHOAL_KEEP_RUN_DIR") == "" {
			defer os.RemoveAll(dir)
		}
	}
	r := &runState{
		opts:    opts,
		obs:     obs,
		dir:     dir,
		socket:  filepath.Join(dir, "s"),
		events:  make(chan event, 256),
		done:    make(chan struct{}),
		wake:    make(chan struct{}),
		workers: map[string]*workerState{},
		byPID:   map[int]*workerState{},
		run:     &result.Run{Start: now()},
	}
	if r.opts.MaxWorkerRestart < 0 {
		r.opts.MaxWorkerRestart = 4 * opts.Workers
	}
	if r.opts.Grace == 0 {
		r.opts.Grace = 10 * time.Second
	}
	defer close(r.done)
	return r.execute(ctx)
}

type event struct {
	conn *conn
	msgs []*protocol.Message
	err  error // the connection ended
	exit *exitEvent
	// timer is a test's timeout clock going off.
	timer *testTimer
}

type exitEvent struct {
	worker string // "" for the session process
	pid    int
	err    error
	state  *os.ProcessState
}

type conn struct {
	nc     net.Conn
	worker *workerState // nil for the session process
}

func (c *conn) send(cmd protocol.Command) {
	// A failed write means the process is gone; its reader reports that.
	_ = protocol.Encode(c.nc, cmd)
}

type workerState struct {
	id          string
	index       int
	pid         int
	conn        *conn
	log         string
	collecting  []int // files it was asked to collect and has not described yet
	outstanding []int // sent, not yet done, in the order the worker runs them
	stopSent    bool
	aborted     bool // it was told to drop what it has not started
	said        bool // it sent bye
	ended       bool // its connection closed
	exited      bool
	status      string
	crashedTest *result.Test
	crash       *crash
	timer       *testTimer // the timeout of the test it runs now, if it has one
	// endedByShoal: it still ran when its connection closed, and shoal
	// ended it.
	endedByShoal bool
}

// fileState is one test file of the session.
type fileState struct {
	nodeid     string
	items      []protocol.Item
	collected  bool
	owner      int // worker that collected it first, -1 for the session
	errors     []protocol.CollectReport
	deselected int
	index      []int // per position: its test's index in run.Tests, -1 when not run here
}

type runState struct {
	opts   Options
	obs    Observer
	dir    string
	socket string
	uid    string
	events chan event
	done   chan struct{}
	// wake is closed while some worker waits for work (see setHurry):
	// readers then pass results on at once instead of gathering them.
	wakeMu   sync.Mutex
	wake     chan struct{}
	hurrying bool
	run      *result.Run
	sched    *schedule.Scheduler
	// Collection: the session lists the files; workers collect them.
	files       []fileState
	fileDigest  string
	basetemp    string
	collectQ    []int // files nobody was asked to collect yet
	collectLeft int   // files not collected yet
	session     *conn
	workers     map[string]*workerState
	byPID       map[int]*workerState // every worker process started, replaced ones too
	order       []*workerState
	forking     bool
	pgids       []int
	// failures counts failed reports, for --maxfail.
	failures  int
	stopping  bool
	restarts  int
	sessionUp bool
	killAt    <-chan time.Time
	// collectedOnly: a CollectOnly run has what it came for.
	collectedOnly bool
	// killed: the run ended every process it started (an interrupt's
	// grace ran out, or a second one came).
	killed bool
}

func now() float64 { return float64(time.Now().UnixNano()) / 1e9 }

func (r *runState) post(ev event) {
	select {
	case r.events <- ev:
	case <-r.done:
	}
}

func (r *runState) execute(ctx context.Context) (*result.Run, error) {
	ln, err := net.Listen("unix", r.socket)
	if err != nil {
		return nil, fmt.Errorf("cannot open shoal's socket: %w", err)
	}
	defer ln.Close()
	go r.accept(ln)
	r.uid = randomHex(16)

	stdout, err := os.Create(filepath.Join(r.dir, "session.out"))
	if err != nil {
		return nil, fmt.Errorf("cannot create session log: %w", err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(r.dir, "session.err"))
	if err != nil {
		return nil, fmt.Errorf("cannot create session log: %w", err)
	}
	defer stderr.Close()
	var extra []string
	if r.opts.CollectOnly {
		extra = append(extra, "SHOAL_EAGER=1")
	}
	cmd := r.pytestCommand("session", stdout, stderr, extra...)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start pytest with %s: %w", r.opts.Python, err)
	}
	r.pgids = append(r.pgids, cmd.Process.Pid)
	defer r.killAll()
	go func() {
		err := cmd.Wait()
		r.post(event{exit: &exitEvent{err: err, state: cmd.ProcessState}})
	}()
	r.sessionUp = true
	return r.loop(ctx)
}

func (r *runState) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go r.read(&conn{nc: nc})
	}
}

// read hands a connection's messages to the run, several at once where
// they arrive together, which keeps shoal's share of the CPU small.
func (r *runState) read(c *conn) {
	defer c.nc.Close()
	dec := protocol.NewDecoder(c.nc)
	pause := time.NewTimer(coalesce)
	pause.Stop()
	for {
		m, err := dec.Decode()
		if err != nil {
			r.post(event{conn: c, err: err})
			return
		}
		batch := []*protocol.Message{m}
		for dec.More() && err == nil {
			if m, err = dec.Decode(); err == nil {
				batch = append(batch, m)
			}
		}
		r.post(event{conn: c, msgs: batch})
		if err != nil {
			r.post(event{conn: c, err: err})
			return
		}
		r.gather(pause)
	}
}

// coalesce is how long a reader waits between reads while every worker
// has work.
const coalesce = 4 * time.Millisecond

// gather lets results gather for a moment: one wake-up for several tests
// instead of one each, while every worker has more than enough to do (a
// worker is sent more while it still holds more than twice coalesce, half
// of schedule.DefaultWindow). When some worker waits, for a barrier or for
// its next test, results go on at once.
func (r *runState) gather(t *time.Timer) {
	r.wakeMu.Lock()
	wake := r.wake
	r.wakeMu.Unlock()
	t.Reset(coalesce)
	select {
	case <-t.C:
	case <-wake:
		t.Stop() // since Go 1.23 no stale tick is left behind
	}
}

// setHurry tells the readers whether some worker waits for work. Called
// from the run's loop after each event.
func (r *runState) setHurry() {
	hurry := false
	for _, w := range r.order {
		if w.conn != nil && !w.ended && !w.stopSent && len(w.outstanding) <= 1 {
			// Idle, or holding its last test until it hears what follows.
			hurry = true
			break
		}
	}
	if hurry == r.hurrying {
		return
	}
	r.hurrying = hurry
	r.wakeMu.Lock()
	if hurry {
		close(r.wake)
	} else {
		r.wake = make(chan struct{})
	}
	r.wakeMu.Unlock()
}

func (r *runState) loop(ctx context.Context) (*result.Run, error) {
	interrupted := ctx.Done()
	abort := r.opts.Abort
	for {
		if r.finished() {
			return r.finish()
		}
		select {
		case <-interrupted:
			interrupted = nil
			r.interrupt(interruptReason(ctx))
		case <-abort:
			abort = nil
			r.abort()
		case <-r.killAt:
			r.killAt = nil
			r.graceOver()
		case ev := <-r.events:
			if err := r.handle(ev); err != nil {
				return r.run, err
			}
		}
	}
}

// finished: every worker has ended and nothing is left to hand out.
func (r *runState) finished() bool {
	if r.collectedOnly {
		return true
	}
	if r.sched == nil {
		if r.files == nil || !r.stopping {
			return false
		}
	}
	for _, w := range r.order {
		if !w.ended || len(w.outstanding) > 0 {
			return false
		}
	}
	return r.stopping || r.sched.Left() == 0
}

func (r *runState) handle(ev event) error {
	if err := r.dispatch(ev); err != nil {
		return err
	}
	// Whatever happened (tests done, a worker gone) may let workers go on.
	if r.sched != nil && !r.stopping {
		r.feedAll()
	}
	r.setHurry()
	return nil
}

func (r *runState) dispatch(ev event) error {
	switch {
	case ev.exit != nil:
		return r.onExit(ev.exit)
	case ev.timer != nil:
		r.onTimerExpired(ev.timer)
		return nil
	case ev.err != nil:
		return r.onClosed(ev.conn, ev.err)
	}
	for _, m := range ev.msgs {
		if err := r.onMessage(ev.conn, m); err != nil {
			return err
		}
	}
	return nil
}

func (r *runState) onMessage(c *conn, m *protocol.Message) error {
	switch m.T {
	case "hello":
		return r.onHello(c, m)
	case "files":
		return r.onFiles(m)
	case "collected_file":
		return r.onCollectedFile(c.worker, m)
	case "forked":
		if w := r.workers[m.Worker]; w != nil {
			w.pid = m.PID
			r.byPID[m.PID] = w
			r.pgids = append(r.pgids, m.PID)
			r.run.Workers[w.index].PID = m.PID
		}
	case "exited":
		if w := r.byPID[m.PID]; w != nil {
			r.workerExited(w, exitStatusText(m.Status))
		}
	case "done":
		r.lateForTimeout(c.worker, m)
		return r.onDone(c.worker, m)
	case "timer":
		r.onTimer(c.worker, m)
	case "warning":
		r.run.Warnings = append(r.run.Warnings, result.Warning{
			NodeID: m.NodeID, When: m.When, Message: m.Text, Category: m.Category,
			Filename: m.Filename, Lineno: m.Lineno,
		})
	case "bye":
		if w := c.worker; w != nil {
			w.said = true
			for k := 0; k+1 < len(m.Unrun); k += 2 {
				w.forget(r.testIndex(m.Unrun[k], m.Unrun[k+1]))
			}
			if len(m.Unrun) > 0 && !r.stopping {
				r.stop(fmt.Sprintf("Interrupted: worker %s stopped early", w.id), true)
			}
		}
	default:
		return fmt.Errorf("internal error: unknown message %q from the plugin", m.T)
	}
	return nil
}

func exitStatusText(s *protocol.ExitStatus) string {
	switch {
	case s == nil:
		return "unknown status"
	case s.Signal != nil:
		return describeSignal(*s.Signal)
	case s.Code != nil:
		return fmt.Sprintf("exit code %d", *s.Code)
	}
	return "unknown status"
}

func (r *runState) onHello(c *conn, m *protocol.Message) error {
	if m.Role == "session" {
		if m.Protocol != protocol.Version {
			return fmt.Errorf("internal error: plugin speaks protocol %d, shoal %d", m.Protocol, protocol.Version)
		}
		r.session = c
		r.run.Header = m.Header
		r.run.Rootdir = m.Rootdir
		r.run.InvocationDir = m.InvocationDir
		r.run.PythonVersion = m.PythonVersion
		r.run.PytestVersion = m.PytestVersion
		if m.Options != nil {
			r.run.Options = *m.Options
		}
		return nil
	}
	w := r.workers[m.Worker]
	if w == nil {
		return fmt.Errorf("internal error: unknown worker %q said hello", m.Worker)
	}
	c.worker = w
	w.conn = c
	if w.pid == 0 {
		w.pid = m.PID
	}
	if m.Digest != "" && m.Digest != r.fileDigest {
		return fmt.Errorf("worker %s found other test files than the session: "+
			"the suite's collection is not deterministic; "+
			"hint: make collection stable, or let shoal fork its workers (remove threads started at import)", w.id)
	}
	if r.run.Options.MaxFail > 0 {
		c.send(protocol.Command{T: "gate"})
	}
	if r.sched == nil {
		r.feedCollect(w)
		return nil
	}
	r.feedAll()
	return nil
}

func (r *runState) onFiles(m *protocol.Message) error {
	run := r.run
	r.fileDigest = m.Digest
	r.basetemp = m.Basetemp
	run.CollectErrors = m.Errors
	run.Deselected = m.Deselected
	total := 0
	r.files = make([]fileState, len(m.Files))
	for i, f := range m.Files {
		r.files[i] = fileState{nodeid: f.NodeID, owner: -1}
		if m.Lazy {
			r.collectQ = append(r.collectQ, i)
			continue
		}
		r.files[i].items = f.Items
		r.files[i].collected = true
		total += len(f.Items)
	}
	r.collectLeft = len(r.collectQ)
	if r.opts.CollectOnly {
		r.numberTests()
		r.stopping, r.collectedOnly = true, true
		return nil
	}
	// A lazy walk does not know how many tests there are: start every
	// worker, an idle one takes half of a busy one's file.
	n := min(r.opts.Workers, len(r.files))
	if m.Lazy && n > 0 {
		n = r.opts.Workers
	} else {
		n = min(n, total)
	}
	r.forking = r.opts.Fork && m.CanFork
	run.StartMode = "spawn"
	if r.forking {
		run.StartMode = "fork"
	}
	if !r.opts.Fork {
		run.StartNote = "forking is off"
	} else if !m.CanFork {
		run.StartNote = fmt.Sprintf("cannot fork: the session runs %d Python threads after collection", m.PythonThreads)
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("gw%d", i)
		w := &workerState{id: id, index: i, log: filepath.Join(r.dir, id+".log")}
		r.workers[id] = w
		r.order = append(r.order, w)
		run.Workers = append(run.Workers, &result.Worker{ID: id, Log: w.log})
	}
	if r.collectLeft == 0 {
		r.collected()
	}
	if n == 0 || r.stopping {
		return nil
	}
	var specs []protocol.WorkerSpec
	for _, w := range r.order {
		specs = append(specs, r.spec(w, r.basetemp))
	}
	if r.forking {
		r.session.send(protocol.Command{T: "fork", Workers: specs})
		return nil
	}
	for i, w := range r.order {
		if err := r.spawn(w, specs[i]); err != nil {
			return err
		}
	}
	// The session stays until the end although spawned workers walk the
	// suite themselves: it holds pytest's lock on the basetemp their
	// popen-gwN directories live in.
	return nil
}

// feedCollect asks a worker to collect the next files, two at a time, so
// that importing test modules runs on every worker at once.
func (r *runState) feedCollect(w *workerState) {
	if w.conn == nil || w.ended {
		return
	}
	var files []int
	for len(w.collecting)+len(files) < 2 && len(r.collectQ) > 0 {
		files = append(files, r.collectQ[0])
		r.collectQ = r.collectQ[1:]
	}
	if len(files) > 0 {
		w.collecting = append(w.collecting, files...)
		w.conn.send(protocol.Command{T: "collect", Files: files})
	}
}

func (r *runState) onCollectedFile(w *workerState, m *protocol.Message) error {
	if w == nil || m.File < 0 || m.File >= len(r.files) {
		return fmt.Errorf("internal error: collection of unknown file %d", m.File)
	}
	f := &r.files[m.File]
	w.collecting = removeInt(w.collecting, m.File)
	if f.collected {
		if !sameItems(f.items, m.Items) {
			return fmt.Errorf("worker %s collected other tests in %s than worker gw%d did: "+
				"the file's collection is not deterministic (random parametrize ids, set iteration order); "+
				"hint: make its test ids stable", w.id, f.nodeid, f.owner)
		}
		return nil
	}
	f.items, f.errors, f.deselected = m.Items, m.Errors, m.Deselected
	f.collected = true
	f.owner = w.index
	r.collectLeft--
	if r.sched != nil {
		return nil
	}
	if r.collectLeft == 0 {
		r.collected()
		return nil
	}
	r.feedCollect(w)
	return nil
}

func sameItems(a, b []protocol.Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].NodeID != b[i].NodeID {
			return false
		}
	}
	return true
}

func removeInt(list []int, x int) []int {
	for k, v := range list {
		if v == x {
			return append(list[:k], list[k+1:]...)
		}
	}
	return list
}

// collected runs once every file is collected: the tests are numbered in
// collection order, planned, and handed out from here on.
func (r *runState) collected() {
	run := r.run
	owners := r.numberTests()
	if err := r.plan(owners); err != nil {
		r.run.Tests = nil
		r.stop(err.Error(), true)
		return
	}
	errorsSeen := 0
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			errorsSeen++
		}
	}
	r.obs.Collected(run)
	if errorsSeen > 0 && !run.Options.ContinueOnCollectionErrors {
		r.stop(fmt.Sprintf("Interrupted: %d error%s during collection", errorsSeen, plural(errorsSeen)), true)
		return
	}
	r.feedAll()
}

// numberTests lists every collected test in collection order; it returns,
// per file, the worker that collected it.
func (r *runState) numberTests() []int {
	run := r.run
	owners := make([]int, len(r.files))
	for i := range r.files {
		f := &r.files[i]
		run.Files = append(run.Files, f.nodeid)
		owners[i] = f.owner
		for p, it := range f.items {
			run.Tests = append(run.Tests, &result.Test{
				File: i, Pos: p, Marks: it.Marks,
				NodeID: it.NodeID, Path: it.Path, Lineno: it.Lineno, Domain: it.Domain,
			})
		}
		run.CollectErrors = append(run.CollectErrors, f.errors...)
		run.Deselected += f.deselected
	}
	return owners
}

// plan builds the scheduler. Tests the plan does not keep (another
// shard's) leave run.Tests and count as deselected.
func (r *runState) plan(owners []int) error {
	run := r.run
	planner := r.opts.Plan
	if planner == nil {
		planner = markersOnly(r.opts.Workers)
	}
	tests, cfg, keep, err := planner(run, owners)
	if err != nil {
		return err
	}
	cfg.Workers = len(r.order)
	if keep != nil {
		kept, planned := run.Tests[:0], tests[:0]
		for i, t := range run.Tests {
			if keep[i] {
				kept, planned = append(kept, t), append(planned, tests[i])
			}
		}
		run.Deselected += len(run.Tests) - len(kept)
		run.Tests, tests = kept, planned
	}
	for i := range r.files {
		f := &r.files[i]
		f.index = make([]int, len(f.items))
		for p := range f.index {
			f.index[p] = -1
		}
	}
	for i, t := range run.Tests {
		r.files[t.File].index[t.Pos] = i
	}
	if len(r.order) == 0 {
		cfg.Workers = 1
	}
	r.sched, err = schedule.New(tests, cfg)
	if err == nil {
		run.PlannedBarriers = r.sched.PlannedRounds()
	}
	return err
}

// markersOnly plans with no history: every duration is learnt as the run goes.
func markersOnly(workers int) Planner {
	return func(run *result.Run, owners []int) ([]schedule.Test, schedule.Config, []bool, error) {
		tests, cfg := plan.Build(run, owners, nil, plan.Settings{Workers: workers})
		return tests, cfg, nil, nil
	}
}

// testIndex is the run's index of the test at position pos of file f, or -1.
func (r *runState) testIndex(f, pos int) int {
	if f < 0 || f >= len(r.files) || pos < 0 || pos >= len(r.files[f].index) {
		return -1
	}
	return r.files[f].index[pos]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

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

// feedAll offers every worker more work, again while any took some: what
// one worker takes can let another go on (a barrier reached, a lock freed).
func (r *runState) feedAll() {
	for more := true; more; {
		more = false
		for _, w := range r.order {
			if r.feed(w) {
				more = true
			}
		}
	}
}

// feed sends worker w what the scheduler gives it; it tells whether it sent
// anything.
func (r *runState) feed(w *workerState) bool {
	if w.conn == nil || w.ended || w.aborted || r.sched == nil && !r.stopping {
		return false
	}
	if r.stopping {
		// Even after "stop": a gated worker waits for word after a failure.
		w.conn.send(protocol.Command{T: "abort"})
		w.aborted = true
		return false
	}
	if w.stopSent {
		return false
	}
	items, final := r.sched.Next(w.index, now())
	if len(items) > 0 {
		w.outstanding = append(w.outstanding, items...)
		refs := make([]int, 0, 2*len(items))
		for _, i := range items {
			refs = append(refs, r.run.Tests[i].File, r.run.Tests[i].Pos)
		}
		w.conn.send(protocol.Command{T: "run", Items: refs})
	}
	if final {
		// Nothing more will come: its last test runs with nextitem=None.
		w.conn.send(protocol.Command{T: "stop"})
		w.stopSent = true
	}
	return len(items) > 0 || final
}

func (w *workerState) forget(i int) {
	for k, j := range w.outstanding {
		if j == i {
			w.outstanding = append(w.outstanding[:k], w.outstanding[k+1:]...)
			return
		}
	}
}

func (r *runState) onDone(w *workerState, m *protocol.Message) error {
	i := r.testIndex(m.F, m.P)
	if w == nil || r.sched == nil || i < 0 || i >= len(r.run.Tests) || r.run.Tests[i].File != m.F {
		return fmt.Errorf("internal error: result for unknown test %d:%d", m.F, m.P)
	}
	t := r.run.Tests[i]
	w.forget(i)
	t.Worker, t.Start, t.Stop, t.CPU, t.Reports = w.id, m.Start, m.Stop, m.CPU, m.Reports
	if len(m.OK) == len(result.PassReports) {
		t.Reports, t.Durations = result.PassReports, m.OK
	}
	r.sched.Done(w.index, i, m.Stop-m.Start, now())
	r.obs.TestDone(r.run, t)
	failed := false
	for _, rep := range t.Reports {
		if rep.Outcome == "failed" && rep.WasXFail == nil {
			r.failures++
			failed = true
		}
	}
	if mf := r.run.Options.MaxFail; mf > 0 && r.failures >= mf && !r.stopping {
		r.stop(fmt.Sprintf("stopping after %d failures", r.failures), false)
		return nil
	}
	if failed && r.run.Options.MaxFail > 0 && !r.stopping {
		w.conn.send(protocol.Command{T: "go"}) // the gate: it waits after a failure
	}
	return nil
}

// stop ends the run early: nothing new starts, running tests finish.
// interrupted runs exit 2; a run stopped by --maxfail exits as its tests say.
func (r *runState) stop(reason string, interrupted bool) {
	if r.stopping {
		return
	}
	r.stopping = true
	r.run.Stopped = reason
	r.run.Interrupted = interrupted
	for _, w := range r.order {
		r.feed(w)
	}
}

func (r *runState) interrupt(reason string) {
	r.stop(reason, true)
	// Also after --maxfail: the reason for stopping is now the interrupt.
	r.run.Stopped, r.run.Interrupted, r.run.Halted = reason, true, true
	if r.sched == nil {
		r.killEverything()
		return
	}
	r.killAt = time.After(r.opts.Grace)
}

func (r *runState) onClosed(c *conn, err error) error {
	w := c.worker
	if w == nil {
		if c == r.session {
			r.sessionUp = false
		}
		return nil
	}
	w.ended = true
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
	if !errors.Is(err, io.EOF) && !w.said {
		// A broken stream is a crash too; the reason shows in the crash report.
		w.status = err.Error()
	}
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

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
