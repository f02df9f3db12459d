// Package runner drives one shoal run: it starts the pytest session process,
// which collects the suite once, starts the workers (forked from that session
// where safe, spawned otherwise), hands them tests and gathers their reports.
//
// One goroutine, the one that calls Run, owns all run state. The worker
// package starts the processes and reads their connections; what they do
// comes back as events on the run's channel.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"shoal/protocol"
	"shoal/result"
	"shoal/schedule"
	"shoal/worker"
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
	// Retries is how many more times a test whose setup or call failed
	// runs (see retry.go); 0: none.
	Retries int
	// MaxWorkerRestart caps how many crashed workers are replaced; negative
	// means the default, 4 × Workers, as pytest-xdist does.
	MaxWorkerRestart int
	// Grace is how long a running test may take to end after an
	// interrupt (it gets KeyboardInterrupt at once), before shoal ends it.
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
	// Slow is how long a test runs before observers hear that it still
	// does (TestSlow), and again at each multiple; 0 means never.
	Slow time.Duration
	// Abort, once closed, ends every process of the run at once (a second
	// Ctrl-C); the run still returns what it has.
	Abort <-chan struct{}
	// RunDir holds shoal's socket and the pytest processes' logs. It is
	// the caller's to make and remove; "" makes one for the run.
	RunDir string
	// WorkerEnv, when set, is what worker index gets on top of Env: its
	// own temporary directory, ports, database.
	WorkerEnv func(index int) map[string]string
	// Watchdog is shoal's own binary, run beside the run to end what the
	// tests started if shoal dies (see worker.Watchdog); "" runs none.
	Watchdog string
	// WorkerProvisions, when set, describes what worker id has of its
	// own, for its WorkerStarted event.
	WorkerProvisions func(id string) *result.Provisions
	// Stdout and Stderr are where the controller prints what pytest's
	// session prints (its header, its hooks' output); nil discards it.
	Stdout, Stderr io.Writer
}

// Planner makes the scheduler's input once the suite is collected. owners
// gives, per file, the worker that imported it. keep says which tests run;
// nil keeps all.
type Planner func(run *result.Run, owners []int) (tests []schedule.Test, cfg schedule.Config, keep []bool, err error)

// Passthrough is returned when pytest ended before shoal had anything to run:
// --help, --version, --collect-only, a usage error, a broken conftest. Its
// output is what pytest printed, to be shown as is, and Code is its exit code.
type Passthrough struct {
	Stdout, Stderr []byte
	Code           int
}

func (p *Passthrough) Error() string { return fmt.Sprintf("pytest exited with code %d", p.Code) }

// Run runs the suite and returns what happened. Cancelling ctx interrupts the
// run: nothing new starts, running tests get KeyboardInterrupt and
// opts.Grace to end.
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
	r := newRun(opts, obs, dir, systemClock{})
	defer close(r.done)
	socket := filepath.Join(dir, "s")
	ln, err := worker.Listen(socket, r.events, r.done, r.pace)
	if err != nil {
		return nil, fmt.Errorf("cannot open shoal's socket: %w", err)
	}
	defer ln.Close()
	var guard *worker.Watchdog
	if opts.Watchdog != "" {
		// Without one, the processes still die with shoal; what their
		// tests started may not.
		guard, _ = worker.StartWatchdog(opts.Watchdog)
		defer guard.Close()
	}
	stdout, stderr := opts.Stdout, opts.Stderr
	if stdout == nil && stderr == nil {
		// A run that shows nothing (shoal audit's, verify's, plan's) keeps
		// what the controller printed, for pytest's usage errors.
		out, err := r.keepControllerOutput()
		if err != nil {
			return nil, err
		}
		defer out[0].Close()
		defer out[1].Close()
		stdout, stderr = out[0], out[1]
	}
	launcher, err := worker.NewLauncher(worker.Config{
		Python: opts.Python, PluginDir: opts.PluginDir, Args: opts.Args, Dir: opts.Dir, Env: opts.Env,
		Socket: socket, Timeout: opts.Timeout, Watchdog: guard, Stdout: stdout, Stderr: stderr,
	}, r.events, r.done)
	if err != nil {
		return nil, err
	}
	defer launcher.Close()
	r.procs = launcher
	return r.execute(ctx)
}

// newRun is a run of opts, with its files in dir, that has not started.
func newRun(opts Options, obs Observer, dir string, clk clock) *runState {
	r := &runState{
		opts:    opts,
		obs:     obs,
		dir:     dir,
		clock:   clk,
		events:  make(chan worker.Event, 256),
		done:    make(chan struct{}),
		pace:    worker.NewPace(),
		workers: map[string]*workerState{},
		byPID:   map[int]*workerState{},
		byConn:  map[*worker.Conn]*workerState{},
	}
	r.run = &result.Run{Start: r.now()}
	if r.opts.MaxWorkerRestart < 0 {
		r.opts.MaxWorkerRestart = 4 * opts.Workers
	}
	if r.opts.Grace == 0 {
		r.opts.Grace = 10 * time.Second
	}
	return r
}

// processes starts the run's pytest processes, signals and ends them. The
// worker package's Launcher runs real ones; the runner's tests give a fake
// that plays the plugin's part. Either tells the run what its processes do
// as events on the run's channel: lines read, connections closed, exits.
type processes interface {
	// StartSession starts the session process (the fork server), its
	// output going to the files stdout and stderr; the controller it
	// becomes or forks writes to the run's Stdout and Stderr.
	StartSession(stdout, stderr string, env ...string) (pid int, err error)
	// StartWorker spawns a worker.
	StartWorker(spec protocol.WorkerSpec) (pid int, err error)
	// Signal sends a process a signal, for its threads' stacks.
	Signal(pid, sig int)
	// Interrupt sends the group pid leads SIGINT, as Ctrl-C does.
	Interrupt(pid int)
	// Kill ends the process group pid leads.
	Kill(pid int)
	// KillChildren ends the group pid leads but pid itself.
	KillChildren(pid int)
	// Gone tells whether pid has ended or ends within a moment.
	Gone(pid int) bool
	// Watch has the group pgid ended if shoal dies (a forked worker's).
	Watch(pgid int)
}

// clock is the time the run goes by: the system's, or a simulated one in
// the runner's tests.
type clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) (stop func() bool)
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

type runState struct {
	opts   Options
	obs    Observer
	dir    string
	uid    string
	procs  processes
	clock  clock
	events chan worker.Event
	done   chan struct{}
	// pace tells the connections' readers whether some worker waits for
	// work (see setHurry).
	pace  *worker.Pace
	run   *result.Run
	sched *schedule.Scheduler
	// ctl is the controller; nil while none was started, and in a run
	// that only collects.
	ctl *controllerState
	// kept are the files the controller's stdout and stderr go to in a
	// run without a terminal; "" where it has one.
	kept [2]string
	// interruptMsg is the worker's message of the test that interrupted the
	// run, for the controller.
	interruptMsg json.RawMessage
	// Collection: the first worker to walk the suite lists the files;
	// workers collect them.
	files       []fileState
	fileDigest  string
	basetemp    string
	firstWalker int   // the worker whose list of files the run took
	collectQ    []int // files nobody was asked to collect yet
	collectLeft int   // files not collected yet
	// session is the session process: the fork server, or the
	// controller or collector it became.
	session    *worker.Conn
	sessionPID int
	workers    map[string]*workerState
	byPID      map[int]*workerState // every worker process started, replaced ones too
	byConn     map[*worker.Conn]*workerState
	order      []*workerState
	forking    bool
	pgids      []int
	// failures counts failed reports, for --maxfail.
	failures  int
	stopping  bool
	restarts  int
	sessionUp bool
	// collectorExit is the exit of a session process that had become the
	// one worker of a run that only collects, while what it said last was
	// still to be read (see onExit).
	collectorExit *worker.Exit
	killAt        <-chan time.Time
	// collectedOnly: a CollectOnly run has what it came for.
	collectedOnly bool
	// killed: the run ended every process it started (an interrupt's
	// grace ran out, or a second one came).
	killed bool
	// barrier: exclusive tests run (see result.Barrier).
	barrier bool
	// sessionSaid: observers were told the session started; early holds
	// the workers' starts until then (see workerStarted).
	sessionSaid bool
	early       []result.Event
	// retries wait to be handed out; tries keeps the failed attempts of
	// the tests that run again (retry.go).
	retries []retry
	tries   map[int]*tried
	// ctlGrace: the controller was given its own time to end its session
	// after an interrupt's grace ran out (see graceOver).
	ctlGrace bool
}

type workerState struct {
	id    string
	index int
	pid   int
	conn  *worker.Conn
	files worker.Files
	// workerinput is its config.workerinput, from the controller;
	// inputSent: the worker has it.
	workerinput json.RawMessage
	inputSent   bool
	// walked: it walked the suite and can collect and run tests.
	walked bool
	// workeroutput is its config.workeroutput, once its session finished.
	workeroutput json.RawMessage
	downSaid     bool // the controller heard it is down
	// quit: pytest ended its session early (an internal error, a usage
	// error as it collected): what it was sent and did not report did
	// not run.
	quit        bool
	collecting  []int // files it was asked to collect and has not described yet
	outstanding []int // sent, not yet done, in the order the worker runs them
	stopSent    bool
	// schedDone: the scheduler has nothing more for it; it was told to
	// run what it holds without waiting, and takes retries (retry.go).
	schedDone   bool
	aborted     bool // it was told to drop what it has not started
	said        bool // it sent bye
	ended       bool // its connection closed
	exited      bool
	status      string
	crashedTest *result.Test
	crash       *worker.Crash
	// stray is a line on its connection that was no message, quoted,
	// since its last result: its running test fails (stray.go).
	stray string
	// interrupted: it got SIGINT, or a KeyboardInterrupt stopped it.
	interrupted bool
	// threads are those its pytest left running when it ended its
	// session, which keep the process from exiting (see onEnded).
	threads []string
	// unreported: crashedTest waits for the worker's exit status before
	// observers hear of it; crashIndex is its index in run.Tests.
	unreported bool
	crashIndex int
	// announced is 1 + the index of the last test observers were told it
	// started; 0 before its first.
	announced int
	// timer is the timeout of the test it runs now, if it has one;
	// stopTimer stops its clock.
	timer     *worker.Timeout
	stopTimer func() bool
}

// fileState is one test file of the session.
type fileState struct {
	nodeid     string
	items      []protocol.Item
	collected  bool
	owner      int // worker that collected it first, -1 for the session
	errors     []result.CollectReport
	deselected int
	index      []int // per position: its test's index in run.Tests, -1 when not run here
}

// now is the time in Unix seconds, as the plugin stamps its reports.
func (r *runState) now() float64 { return unixSeconds(r.clock.Now()) }

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func (r *runState) post(ev worker.Event) {
	select {
	case r.events <- ev:
	case <-r.done:
	}
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
