// Package schedule decides which tests each worker runs next. It is pure: the
// caller says which worker may take more and which tests finished, and it
// answers with test indices. No processes, no clock of its own.
//
// The rules, in order of precedence:
//
//   - A worker runs the last test it holds only once it knows the next one
//     (pytest's nextitem), or once it is told nothing more will come. So the
//     tests a worker may be running are all it holds but the last; every
//     constraint below is kept on that set.
//   - Exclusive tests run while no other worker runs anything. They wait for a
//     barrier: when a worker reaches one, nobody gets new work until every
//     worker is quiet, then each worker whose module is set up runs that
//     module's exclusive tests in turn, and work resumes.
//   - A lock key is held by at most its limit of workers at once; a heavy test
//     takes its slots by keeping other workers quiet while it runs.
//   - Otherwise, longest expected work first: files are handed out whole, in
//     order of their expected time with set-up, and an idle worker splits the
//     largest file still running when that saves more than the set-up costs.
//
// Where every duration is measured, the barriers can instead be planned
// before the run: PlanBarriers, a pure function, makes a BarrierPlan in
// which each file with exclusive tests is set up once, by one worker, which
// runs part of its ordinary tests, stops at a barrier with the file's
// fixtures still set up, runs its exclusive tests there and goes on with
// the rest. Both ways are replayed with the expected durations, and the
// one that ends sooner is used.
//
// Words: the queue is the work not handed out yet; a barrier is a moment
// when only exclusive tests run; a round is the work before a barrier; the
// plan, here, is only ever the BarrierPlan. The files follow the jobs:
// schedule.go (types, configuration, New), next.go (handing out), queue.go,
// locks.go (lock keys and slots), barrier.go (barriers at run time),
// barrierplan.go (the planner), follow.go (following its plan), done.go
// (what workers report back, and learning durations), replay.go, bound.go,
// lists.go (runs whose every worker's tests are given in order).
//
// Config.Lists turns the balancing off: each worker runs the tests of its
// list, in order, and nothing else; locks and tests that run alone are
// kept as above. A replay of a worker's sequence and shoal verify's runs
// need that.
package schedule

import (
	"errors"
	"fmt"
	"slices"
)

// Test is what the scheduler knows of one test.
type Test struct {
	Group     int     // its file: tests of a group share module-scoped fixtures
	Seconds   float64 // expected duration with the group's fixtures set up
	Known     bool    // Seconds come from history; unknown ones are learnt as the run goes
	Exclusive bool    // nothing else may run at the same time
	Slots     int     // worker slots it takes; 0 and 1 mean one
	Locks     []string
	Failed    bool // failed last time (for FailedFirst)
	// Scope is the pytest-xdist scope it belongs to (its class, else its
	// module); with Config.KeepScopes a scope's tests stay together.
	Scope int
}

// Alone tells whether t runs with no other test beside it on workers
// workers: it is exclusive, or wants every worker's slot.
func (t Test) Alone(workers int) bool {
	return t.Exclusive || t.Slots > 1 && t.Slots >= workers
}

// expected is t's duration as far as anyone knows: measured, else guess.
func (t Test) expected(guess float64) float64 {
	if t.Known {
		return t.Seconds
	}
	return guess
}

// Order is the order tests are handed out in.
type Order int

// The orders.
const (
	Duration    Order = iota // longest expected work first
	FailedFirst              // last run's failures first, then by duration
	Random                   // files and the tests in them shuffled by Seed
)

// Config is everything about a run but the tests.
type Config struct {
	Workers int
	// Setup is, per group, the extra time its first test on a worker takes
	// (module fixtures, import). Missing groups cost nothing.
	Setup []float64
	// Owner is, per group, the worker that imported it already, or -1.
	Owner []int
	// Limits is the number of workers that may hold a lock key at once;
	// a key not listed has 1.
	Limits map[string]int
	// Window is how many seconds of expected work a worker should hold
	// beyond the test it runs, so it never waits for shoal. Default 0.02.
	Window float64
	// Default is the expected duration of a test nobody measured, until
	// the run has measured some. Default 0.01.
	Default float64
	// Overhead is what each test costs a worker besides its own duration,
	// as measured in earlier runs; replays assume ReplayOverhead where it
	// is 0.
	Overhead float64
	Order    Order
	Seed     int64
	// KeepScopes keeps the tests of a scope (Test.Scope) on one worker, in
	// the order given, as pytest-xdist's loadscope and loadfile do: a file
	// is cut only between scopes, and a long test starts early only where
	// it is a scope of its own. Without it, any test may go to any worker
	// (pytest-xdist's load).
	KeepScopes bool
	// Lists, when set, is per worker the tests it runs, in order, and
	// every test is on one of them (a replay, shoal verify's runs; see
	// lists.go). Order, Setup and Window's balancing then play no part;
	// lock keys and tests that run alone are still kept apart, and those
	// must all be on one list. A heavy test's slots below every worker's
	// are not kept.
	Lists [][]int
}

// DefaultWindow and DefaultSeconds are Config's defaults.
const (
	DefaultWindow  = 0.02
	DefaultSeconds = 0.01
)

// Scheduler hands out tests. Its methods are not safe for concurrent use.
type Scheduler struct {
	cfg     Config
	tests   []Test
	workers []worker
	// Work not handed out yet.
	segs      []*segment       // files and parts of files, in the order they are started
	excl      map[int][]int    // group → its exclusive tests, in order
	warmup    map[int]int      // group → the ordinary test kept to set it up before its exclusive tests
	special   []int            // tests with locks or slots, longest first
	held      map[string][]int // lock key → tests held per worker (index = worker)
	left      int
	phase     phase
	blocks    []block // exclusive phase: who runs which group's exclusive tests, in turn
	heavy     *reservation
	following *following // the barrier plan it follows, where one was made
	listed    *listed    // what is left of Config.Lists, where given
	// What the run has learnt of tests nobody had measured.
	learnt      float64
	learntCount int
	now         float64
	share       float64 // a worker's share of the ordinary work
}

type worker struct {
	queue     []int // tests sent and not done, in the order it runs them
	seg       *segment
	final     bool
	since     float64 // when its first test started, about
	reserved  bool    // kept quiet for a heavy test
	exclusive int     // exclusive tests in its queue
}

// New makes a scheduler for tests on cfg.Workers workers. Where a
// BarrierPlan applies and a replay says it ends sooner, it follows one.
func New(tests []Test, cfg Config) (*Scheduler, error) {
	if cfg.Workers < 1 {
		return nil, errors.New("schedule: at least one worker is needed")
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Default <= 0 {
		cfg.Default = DefaultSeconds
	}
	for k, n := range cfg.Limits {
		if n < 1 {
			return nil, fmt.Errorf("schedule: lock %q has limit %d; it must be at least 1", k, n)
		}
	}
	if cfg.Lists != nil {
		if err := checkLists(cfg.Lists, tests, cfg.Workers); err != nil {
			return nil, err
		}
		s := blankScheduler(slices.Clone(tests), cfg)
		s.listed = newListed(cfg.Lists, cfg.Workers)
		return s, nil
	}
	// Its own copy: it marks the tests that take every worker's slot
	// exclusive, and the caller's tests stay as they were.
	s := newScheduler(slices.Clone(tests), cfg)
	if cfg.Order == Duration {
		if bp := PlanBarriers(s.tests, cfg.Setup, cfg.Workers); bp != nil && s.planPays(bp) {
			s.follow(bp)
		}
	}
	return s, nil
}

func newScheduler(tests []Test, cfg Config) *Scheduler {
	s := blankScheduler(tests, cfg)
	s.buildQueue()
	return s
}

// blankScheduler has nothing queued yet.
func blankScheduler(tests []Test, cfg Config) *Scheduler {
	return &Scheduler{
		cfg: cfg, tests: tests, workers: make([]worker, cfg.Workers),
		excl: map[int][]int{}, warmup: map[int]int{}, held: map[string][]int{}, left: len(tests),
		learnt: cfg.Default,
	}
}

func (s *Scheduler) setup(group int) float64 { return setupOf(s.cfg.Setup, group) }

// setupOf is group's set-up cost in setup; a group not listed costs nothing.
func setupOf(setup []float64, group int) float64 {
	if group >= 0 && group < len(setup) {
		return setup[group]
	}
	return 0
}

func (s *Scheduler) owner(group int) int {
	if group >= 0 && group < len(s.cfg.Owner) {
		return s.cfg.Owner[group]
	}
	return -1
}

// Left is how many tests have not been handed out.
func (s *Scheduler) Left() int { return s.left }

// Holding is how many tests worker w holds (sent and not done).
func (s *Scheduler) Holding(w int) int { return len(s.workers[w].queue) }
