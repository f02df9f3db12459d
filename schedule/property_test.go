package schedule_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"shoal/schedule"
)

// A run driven step by step, as the runner drives the scheduler: workers
// that behave like pytest's (one test at a time, the last one only once a
// successor or "final" came), a clock that jumps to the next test's end,
// and workers that crash or are lost on the way. After each step it checks
// what must always hold; run returns the first thing that did not.

// fate is what happens to a worker at the end of a step.
type fate int

const (
	done    fate = iota // its running test ends as it should
	crashed             // it dies in its first test: that one is over, reported failed
	lost                // it is ended for another test's sake: everything it held runs again
)

// fateFunc says what happens to worker w holding test i first; running says
// whether i has started (else the worker waits for a successor).
type fateFunc func(w, i int, running bool) fate

// drivenWorker is one worker process, or its replacement under the same index.
type drivenWorker struct {
	queue   []int
	final   bool
	gone    bool // it crashed with nothing left to hand out: not replaced
	running bool // queue[0] has started
	stop    float64
}

type drivenRun struct {
	s       *schedule.Scheduler
	tests   []schedule.Test
	cfg     schedule.Config
	actual  []float64
	fate    fateFunc
	workers []drivenWorker
	now     float64
	out     []bool // handed out, not over and not given back
	over    []int  // times it ended: done or crashed in
	crashes int    // Crashed and Lost calls
	log     []string
	given   [][]int // per worker index, every test handed to it, in order
}

// newDrivenRun makes a run; planned makes the scheduler follow a barrier
// plan wherever one applies.
func newDrivenRun(tests []schedule.Test, cfg schedule.Config, planned bool, actual []float64, f fateFunc) (*drivenRun, error) {
	newScheduler := schedule.New
	if planned {
		newScheduler = schedule.NewPlanned
	}
	s, err := newScheduler(tests, cfg)
	if err != nil {
		return nil, err
	}
	return &drivenRun{s: s, tests: tests, cfg: cfg, actual: actual, fate: f,
		workers: make([]drivenWorker, cfg.Workers), out: make([]bool, len(tests)), over: make([]int, len(tests)),
		given: make([][]int, cfg.Workers)}, nil
}

// run drives the scheduler until every test is over, and returns the first
// broken rule.
func (r *drivenRun) run() error {
	for step := 0; step < 20*len(r.tests)+100; step++ {
		if err := r.poll(); err != nil {
			return r.fail(err)
		}
		if err := r.startIdle(); err != nil {
			return r.fail(err)
		}
		if r.strike() {
			continue
		}
		w := r.nextToEnd()
		if w < 0 {
			return r.finish()
		}
		r.end(w, r.fate(w, r.workers[w].queue[0], true))
	}
	return r.fail(fmt.Errorf("no end after %d steps", 20*len(r.tests)+100))
}

func (r *drivenRun) fail(err error) error {
	return fmt.Errorf("at %.3f s: %w\n%s\nscheduler: %s", r.now, err, strings.Join(r.log, "\n"), r.s.Dump())
}

// poll asks every live worker that was not told "final" for more, again
// while any got some, as the runner feeds its workers.
func (r *drivenRun) poll() error {
	for more := true; more; {
		more = false
		for w := range r.workers {
			wk := &r.workers[w]
			if wk.gone || wk.final {
				continue
			}
			got, final := r.s.Next(w, r.now)
			for _, i := range got {
				if r.out[i] || r.over[i] > 0 {
					return fmt.Errorf("test %d handed out to worker %d again", i, w)
				}
				r.out[i] = true
			}
			wk.queue = append(wk.queue, got...)
			r.given[w] = append(r.given[w], got...)
			wk.final = final
			if len(got) > 0 || final {
				more = true
				r.log = append(r.log, fmt.Sprintf("%.3f w%d +%v final=%v", r.now, w, got, final))
			}
			if final && r.s.Left() > 0 && !r.othersMayAsk(w) {
				return fmt.Errorf("worker %d told final while %d tests were never handed out and no other worker asks again", w, r.s.Left())
			}
		}
	}
	return nil
}

// othersMayAsk: a worker besides w will ask for more.
func (r *drivenRun) othersMayAsk(w int) bool {
	for x, wk := range r.workers {
		if x != w && !wk.gone && !wk.final {
			return true
		}
	}
	return false
}

// startIdle starts each worker's first test where pytest would: a
// successor is known, or nothing more comes. It checks that the test may
// run beside those running.
func (r *drivenRun) startIdle() error {
	for w := range r.workers {
		wk := &r.workers[w]
		if wk.running || len(wk.queue) == 0 || len(wk.queue) < 2 && !wk.final {
			continue
		}
		i := wk.queue[0]
		if err := r.mayStart(w, i); err != nil {
			return err
		}
		wk.running, wk.stop = true, r.now+r.actual[i]
	}
	return nil
}

// mayStart checks test i on worker w against the tests the others run.
func (r *drivenRun) mayStart(w, i int) error {
	n := r.cfg.Workers
	t := r.tests[i]
	slots := min(max(t.Slots, 1), n)
	holders := map[string]int{}
	for x, wk := range r.workers {
		if x == w || !wk.running {
			continue
		}
		o := r.tests[wk.queue[0]]
		if t.Alone(n) || o.Alone(n) {
			return fmt.Errorf("test %d starts on worker %d beside test %d on worker %d; one must run alone", i, w, wk.queue[0], x)
		}
		slots += min(max(o.Slots, 1), n)
		for _, k := range o.Locks {
			holders[k]++
		}
	}
	if slots > n {
		return fmt.Errorf("test %d starts on worker %d: %d slots taken on %d workers", i, w, slots, n)
	}
	for _, k := range t.Locks {
		limit := 1
		if l, ok := r.cfg.Limits[k]; ok {
			limit = l
		}
		if holders[k]+1 > limit {
			return fmt.Errorf("test %d starts on worker %d: lock %q held by %d workers, limit %d", i, w, k, holders[k]+1, limit)
		}
	}
	return nil
}

// strike lets fate end a worker that waits for a successor: a crash, or a
// loss, between tests. It tells whether one happened.
func (r *drivenRun) strike() bool {
	for w := range r.workers {
		wk := &r.workers[w]
		if len(wk.queue) > 0 && !wk.running {
			if f := r.fate(w, wk.queue[0], false); f != done {
				r.end(w, f)
				return true
			}
		}
	}
	return false
}

// nextToEnd is the worker whose running test ends first, -1 for none.
func (r *drivenRun) nextToEnd() int {
	first := -1
	for w, wk := range r.workers {
		if wk.running && (first < 0 || wk.stop < r.workers[first].stop) {
			first = w
		}
	}
	return first
}

// end moves the clock to w's running test's end, if it runs, and tells
// the scheduler what happened.
func (r *drivenRun) end(w int, f fate) {
	wk := &r.workers[w]
	i := wk.queue[0]
	if wk.running {
		r.now = wk.stop
	}
	how := [...]string{"done", "crashed in", "lost in"}[f]
	if !wk.running {
		how += " waiting"
	}
	r.log = append(r.log, fmt.Sprintf("%.3f w%d %s %d (holding %v)", r.now, w, how, i, wk.queue))
	switch f {
	case done:
		r.s.Done(w, i, r.actual[i], r.now)
		r.out[i], r.over[i] = false, r.over[i]+1
		wk.queue, wk.running = wk.queue[1:], false
		return
	case crashed:
		r.s.Crashed(w)
		r.out[i], r.over[i] = false, r.over[i]+1
		wk.queue = wk.queue[1:]
	case lost:
		r.s.Lost(w)
	}
	for _, j := range wk.queue {
		r.out[j] = false
	}
	r.crashes++
	// The runner replaces a worker that crashed only while tests are left
	// to hand out; one ended by shoal, always.
	*wk = drivenWorker{gone: f == crashed && r.s.Left() == 0}
}

// finish checks the end of a run where nothing runs any more.
func (r *drivenRun) finish() error {
	for i, n := range r.over {
		if n != 1 {
			return r.fail(fmt.Errorf("test %d ended %d times; %d never handed out, the run stalled", i, n, r.s.Left()))
		}
	}
	return nil
}

// regressionCase is a suite and what happens to its workers, once found
// breaking a rule.
type regressionCase struct {
	name    string
	tests   []schedule.Test
	cfg     schedule.Config
	planned bool      // barriers planned ahead wherever a plan applies
	actual  []float64 // nil: as expected
	fate    fateFunc  // nil: nothing crashes
}

// strike is what happens to a worker once, when it runs a given test or,
// waiting, waits for a successor to it.
type strike struct {
	worker, test int
	fate         fate
	waiting      bool
}

// strikes makes a fate of strikes that each happen once.
func strikes(list ...strike) fateFunc {
	used := make([]bool, len(list))
	return func(w, i int, running bool) fate {
		for k, st := range list {
			if !used[k] && running != st.waiting && st.worker == w && st.test == i {
				used[k] = true
				return st.fate
			}
		}
		return done
	}
}

// measured makes a test of d seconds in file g; slots > 1 makes it heavy.
func measured(g int, d float64, slots int) schedule.Test {
	return schedule.Test{Group: g, Seconds: d, Known: true, Slots: slots}
}

// locked gives t a lock key.
func locked(t schedule.Test, key string) schedule.Test {
	t.Locks = []string{key}
	return t
}

// alone makes a measured exclusive test of 10 ms in file g.
func alone(g int) schedule.Test {
	return schedule.Test{Group: g, Seconds: 0.01, Known: true, Exclusive: true}
}

// TestDrivenRunsKeepEveryRule: suites and crashes that once broke a rule,
// each driven step by step and replayed in the simulator (without the
// crashes) where every constraint is checked on the timeline.
func TestDrivenRunsKeepEveryRule(t *testing.T) {
	fourFiles, setup := filesWithExclusive(4)
	cases := []regressionCase{
		{
			// Files 0-3 of 12 ordinary and 2 exclusive tests (3 is tests
			// 42-55) under a barrier plan on 2 workers: worker 1 dies in
			// test 51 holding [51 52 54] while the last barrier drains.
			// Test 52 went back to a round that the barrier then closed.
			name: "a crash while a planned barrier drains", tests: fourFiles, planned: true,
			cfg:  schedule.Config{Workers: 2, Setup: setup},
			fate: strikes(strike{worker: 1, test: 51, fate: crashed}),
		},
		{
			name: "a worker lost while the first planned barrier drains", tests: fourFiles, planned: true,
			cfg:  schedule.Config{Workers: 2, Setup: setup},
			fate: strikes(strike{worker: 1, test: 25, fate: lost}),
		},
		{
			// The worker dies in the file's first test: the rest of the
			// file stayed with it, marked started, and a replacement
			// only takes files nobody started.
			name: "a crash leaves the rest of its file to nobody", tests: many(6, 0, 0.01, nil),
			cfg:  schedule.Config{Workers: 1, Setup: []float64{0.2}},
			fate: strikes(strike{worker: 0, test: 0, fate: crashed}),
		},
		{
			// Worker 1, waiting at a barrier with the exclusive test 17,
			// is lost: the barrier gives that test, of a file with no
			// ordinary test left, to worker 0, which had ended.
			name: "a worker lost with an exclusive test at a barrier",
			tests: []schedule.Test{
				measured(0, 0.01, 0), measured(0, 0.03, 0), measured(0, 0.02, 0), measured(0, 0.01, 0), locked(measured(0, 0.01, 0), "db"),
				measured(0, 0.04, 0), measured(0, 0.01, 0), measured(0, 0.01, 0), measured(0, 0.01, 0), measured(0, 0.01, 4),
				locked(measured(1, 0.01, 0), "db"), measured(1, 0.01, 0), measured(1, 0.01, 0), locked(measured(1, 0.01, 0), "db"),
				measured(1, 0.01, 0), measured(1, 0.01, 0), measured(1, 0.03, 0), alone(1),
			},
			actual: []float64{0.01, 0.03, 0.02, 0.01, 0.01, 0.04, 0.01, 0.01, 0.01, 0.01, 0.01, 0.03, 0.01, 0.01, 0.01, 0.01, 0.03, 0.01},
			cfg: schedule.Config{Workers: 6, Setup: []float64{0.12, 0.03}, Limits: map[string]int{"db": 1},
				Order: schedule.Random, Seed: 7093057233544129288},
			fate: strikes(strike{worker: 0, test: 11, fate: lost}, strike{worker: 1, test: 17, fate: lost, waiting: true}),
		},
		{
			// A worker kept quiet for the heavy test 2 waits with the
			// rest of its file in hand; it was told to end instead, and
			// nobody else would take that file's rest.
			name: "a worker kept quiet for a heavy test",
			tests: []schedule.Test{
				measured(0, 0.01, 0), measured(0, 0.01, 0),
				measured(1, 0.01, 4), measured(1, 0.01, 0), measured(1, 0.01, 0), measured(1, 0.01, 0), measured(1, 0.03, 2), measured(1, 0.01, 0),
				alone(2), measured(2, 0.01, 0), measured(2, 0.01, 0),
				measured(3, 0.01, 0), measured(3, 0.01, 0),
			},
			cfg: schedule.Config{Workers: 5, Setup: []float64{0, 0.1, 0, 0}},
		},
		{
			// Every other worker ended; the last one holds heavy test 3,
			// which keeps one other worker quiet, and test 0 needs three:
			// it waited for a reservation that only its own end releases.
			name: "the last worker holds a smaller heavy test",
			tests: []schedule.Test{
				measured(0, 0.01, 4), measured(1, 0.01, 0), alone(1), measured(1, 0.03, 2),
				measured(2, 0.01, 0), measured(3, 0.03, 3), measured(4, 0.03, 0), alone(5),
			},
			cfg: schedule.Config{Workers: 5, Setup: []float64{0, 0, 0.1}},
		},
		{
			// A worker whose heavy test waited for its slots set a file up
			// for a coming barrier, which let the heavy test start beside
			// others.
			name: "a heavy test while a barrier drains",
			tests: []schedule.Test{
				alone(0), measured(0, 0.01, 0), measured(0, 0.03, 0), measured(0, 0.03, 0),
				measured(1, 0.03, 2), alone(1), measured(1, 0.01, 0),
				measured(2, 0.03, 0),
				measured(3, 0.01, 0), measured(3, 0.03, 0), measured(3, 0.01, 3), alone(3),
			},
			cfg: schedule.Config{Workers: 5, Setup: []float64{0.1, 0, 0.1, 0.1}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			actual := tc.actual
			if actual == nil {
				actual = expectedSeconds(tc.tests)
			}
			f := tc.fate
			if f == nil {
				f = strikes()
			}
			r, err := newDrivenRun(tc.tests, tc.cfg, tc.planned, actual, f)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.run(); err != nil {
				t.Fatal(err)
			}
			replay(t, tc.tests, tc.cfg, actual)
		})
	}
}

func expectedSeconds(tests []schedule.Test) []float64 {
	out := make([]float64, len(tests))
	for i, x := range tests {
		out[i] = x.Seconds
		if !x.Known {
			out[i] = schedule.DefaultSeconds
		}
	}
	return out
}

// randomFate crashes or loses a worker now and then, at most most times.
func randomFate(rng *rand.Rand, most int) fateFunc {
	n := 0
	return func(w, i int, running bool) fate {
		p := rng.Float64()
		if !running {
			p *= 10 // a worker dies between tests less often than in one
		}
		switch {
		case n >= most || p >= 0.06:
			return done
		case p < 0.04:
			n++
			return crashed
		default:
			n++
			return lost
		}
	}
}

// randomSuite makes a suite of a few files on 1 to 8 workers. Half of them
// have what a barrier plan needs (every duration measured, no lock, no
// slots); the others mix everything: exclusive tests, locks with limits,
// heavy tests, tests nobody measured, any order. actual is what each test
// really takes: up to three times off its estimate.
func randomSuite(rng *rand.Rand) (tests []schedule.Test, cfg schedule.Config, actual []float64) {
	cfg = schedule.Config{Workers: 1 + rng.Intn(8), Limits: map[string]int{}}
	plannable := rng.Intn(2) == 0
	if plannable {
		cfg.Workers = 2 + rng.Intn(7)
	} else {
		cfg.Order = schedule.Order(rng.Intn(3))
		cfg.Seed = rng.Int63()
		for _, k := range []string{"db", "net"} {
			cfg.Limits[k] = 1 + rng.Intn(3)
		}
	}
	files := 1 + rng.Intn(8)
	for g := range files {
		cfg.Setup = append(cfg.Setup, rng.Float64()*0.2)
		for range 1 + rng.Intn(14) {
			tests = append(tests, randomTest(rng, g, cfg.Workers, plannable))
		}
	}
	for _, x := range tests {
		d := x.Seconds
		if !x.Known {
			d = 0.001 + rng.Float64()*0.05
		}
		actual = append(actual, d*[]float64{1, 1, 1 / 3.0, 3}[rng.Intn(4)])
	}
	return tests, cfg, actual
}

// randomTest is one test of file g: mostly short, now and then long;
// exclusive, with locks, heavy, unmeasured or failed last time by chance.
func randomTest(rng *rand.Rand, g, workers int, plannable bool) schedule.Test {
	t := schedule.Test{Group: g, Seconds: 0.001 + rng.Float64()*0.04, Known: true}
	if rng.Intn(10) == 0 {
		t.Seconds = 0.1 + rng.Float64()
	}
	t.Exclusive = rng.Intn(8) == 0
	if plannable {
		return t
	}
	t.Known = rng.Intn(5) > 0
	t.Failed = rng.Intn(10) == 0
	if rng.Intn(6) == 0 {
		t.Locks = [][]string{{"db"}, {"net"}, {"db", "net"}, {"files"}}[rng.Intn(4)]
	}
	if rng.Intn(8) == 0 {
		t.Slots = 2 + rng.Intn(workers)
	}
	return t
}

// TestRandomDrivenRuns drives random suites with random crashes and losses,
// each with barriers planned ahead wherever a plan applies and without.
// A failure names its seed: -run 'TestRandomDrivenRuns/seed=N' replays it.
func TestRandomDrivenRuns(t *testing.T) {
	const runs = 400
	planned, struck := 0, 0
	for seed := int64(1); seed <= runs; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			tests, cfg, actual := randomSuite(rng)
			for _, plan := range []bool{false, true} {
				r, err := newDrivenRun(tests, cfg, plan, actual, randomFate(rng, 4))
				if err != nil {
					t.Fatal(err)
				}
				if plan && r.s.PlannedBarriers() > 0 {
					planned++
				}
				if err := r.run(); err != nil {
					t.Fatalf("planned=%v, %d workers, %+v\ntests %+v\n%v", plan, cfg.Workers, cfg, tests, err)
				}
				struck += min(r.crashes, 1)
			}
		})
	}
	t.Logf("%d runs, %d with barriers planned ahead, %d with a crash or a loss", 2*runs, planned, struck)
	if planned < runs/10 || struck < runs/4 {
		t.Errorf("too few runs test what they are for: %d planned, %d struck", planned, struck)
	}
}
