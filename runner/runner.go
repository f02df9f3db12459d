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
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

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

func now() float64 { return float64(time.Now().UnixNano()) / 1e9 }

func (r *runState) post(ev event) {
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
