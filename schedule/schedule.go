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
// before the run (rounds.go): each file with exclusive tests is set up once,
// by one worker, which runs part of its ordinary tests, stops at a barrier
// with the file's fixtures still set up, runs its exclusive tests there and
// goes on with the rest. Both ways are replayed with the expected durations,
// and the one that ends sooner is used.
package schedule

import (
	"errors"
	"fmt"
	"math/rand"
	"sort"

	"shoal/simulate"
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
}

// Alone tells whether t runs with no other test beside it on workers
// workers: it is exclusive, or wants every worker's slot.
func (t Test) Alone(workers int) bool {
	return t.Exclusive || t.Slots > 1 && t.Slots >= workers
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
}

// DefaultWindow and DefaultSeconds are Config's defaults.
const (
	DefaultWindow  = 0.02
	DefaultSeconds = 0.01
)

type phase int

const (
	running   phase = iota
	draining        // an exclusive test waits: nobody gets more until all are quiet
	exclusive       // one worker at a time runs its exclusive tests
)

// Scheduler hands out tests. Its methods are not safe for concurrent use.
type Scheduler struct {
	cfg     Config
	tests   []Test
	workers []worker
	// Work not handed out yet.
	segs    []*segment       // files and parts of files, in the order they are started
	excl    map[int][]int    // group → its exclusive tests, in order
	warmup  map[int]int      // group → the ordinary test kept to set it up before its exclusive tests
	special []int            // tests with locks or slots, longest first
	held    map[string][]int // lock key → tests held per worker (index = worker)
	left    int
	phase   phase
	blocks  []block // exclusive phase: who runs which group's exclusive tests, in turn
	heavy   *reservation
	rounds  *rounds // the plan of barriers, where one was made
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

type segment struct {
	group   int
	items   []int
	known   float64 // expected seconds of its measured items
	unknown int     // items nobody measured: they cost what the run learns
	started bool
}

func (s *Scheduler) newSegment(group int, items []int) *segment {
	seg := &segment{group: group, items: items}
	for _, i := range items {
		s.addWork(seg, i, 1)
	}
	return seg
}

// addWork counts test i in or (sign -1) out of seg's work.
func (s *Scheduler) addWork(seg *segment, i int, sign float64) {
	if s.tests[i].Known {
		seg.known += sign * s.tests[i].Seconds
	} else {
		seg.unknown += int(sign)
	}
}

// work is the expected seconds of seg's items, with what the run has
// learnt so far for those nobody measured.
func (s *Scheduler) work(seg *segment) float64 {
	return seg.known + float64(seg.unknown)*s.learnt
}

// block is one worker running one group's exclusive tests while all others wait.
type block struct{ worker, group int }

// reservation keeps workers quiet while another runs heavy tests.
type reservation struct {
	worker int
	quiet  []int
}

func (s *Scheduler) release() {
	for _, q := range s.heavy.quiet {
		s.workers[q].reserved = false
	}
	s.heavy = nil
}

func (s *Scheduler) holdsHeavy(w int) bool {
	for _, i := range s.workers[w].queue {
		if s.tests[i].Slots > 1 && !s.tests[i].Exclusive {
			return true
		}
	}
	return false
}

// New plans tests on cfg.Workers workers.
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
	s := newScheduler(tests, cfg)
	if rp := s.planRounds(); rp != nil && s.roundsPay(rp.clone()) {
		s.follow(rp)
	}
	return s, nil
}

func newScheduler(tests []Test, cfg Config) *Scheduler {
	s := &Scheduler{
		cfg: cfg, tests: tests, workers: make([]worker, cfg.Workers),
		excl: map[int][]int{}, warmup: map[int]int{}, held: map[string][]int{}, left: len(tests),
		learnt: cfg.Default,
	}
	s.plan()
	return s
}

// follow makes the scheduler follow a plan of barriers.
func (s *Scheduler) follow(rp *rounds) {
	s.rounds, s.segs, s.warmup = rp, nil, map[int]int{}
}

// Replays with expected durations (plan predictions, and the choice between
// barriers planned ahead and placed as the run goes) assume this round trip
// to shoal and, unless Config.Overhead says what was measured, this cost
// per test besides its own duration.
const (
	ReplayLatency  = 0.002
	ReplayOverhead = 0.0008
)

// ReplayOptions are the simulator's options for a replay of a run with
// configuration cfg.
func ReplayOptions(cfg Config) simulate.Options {
	overhead := cfg.Overhead
	if overhead <= 0 {
		overhead = ReplayOverhead
	}
	return simulate.Options{Workers: cfg.Workers, Latency: ReplayLatency, Overhead: overhead}
}

// ExpectedSuite is the suite as a replay sees it: every test takes its
// expected duration, DefaultSeconds where nobody measured it.
func ExpectedSuite(tests []Test, setup []float64) simulate.Suite {
	suite := simulate.Suite{Group: make([]int, len(tests)), Actual: make([]float64, len(tests)), Setup: setup}
	for i, t := range tests {
		d := t.Seconds
		if !t.Known {
			d = DefaultSeconds
		}
		suite.Group[i], suite.Actual[i] = t.Group, d
	}
	return suite
}

// roundsPay replays the tests with their expected durations both ways, with
// the barriers of rp (which the replay uses up) and with barriers placed as
// the run goes, and tells whether the plan ends sooner.
func (s *Scheduler) roundsPay(rp *rounds) bool {
	suite := ExpectedSuite(s.tests, s.cfg.Setup)
	opt := ReplayOptions(s.cfg)
	planned := newScheduler(s.tests, s.cfg)
	planned.follow(rp)
	withPlan, err := simulate.Run(planned, suite, opt)
	if err != nil {
		return false
	}
	asTheyGo, err := simulate.Run(newScheduler(s.tests, s.cfg), suite, opt)
	return err != nil || withPlan.Makespan < asTheyGo.Makespan
}

// plan sorts the tests into files, exclusive lists and special tests, in the
// order they should start. A test much longer than its file's set-up and a
// good part of a worker's share becomes a file of its own, so that it starts
// early. A file with exclusive tests keeps its last ordinary test aside: run
// just before a barrier, it sets the file's fixtures up for them.
func (s *Scheduler) plan() {
	byGroup := map[int]*segment{}
	var order []*segment
	for i := range s.tests {
		t := &s.tests[i]
		switch {
		case t.Alone(s.cfg.Workers):
			t.Exclusive = true
			s.excl[t.Group] = append(s.excl[t.Group], i)
		case t.Slots > 1 || len(t.Locks) > 0:
			s.special = append(s.special, i)
		default:
			g := byGroup[t.Group]
			if g == nil {
				g = &segment{group: t.Group}
				byGroup[t.Group] = g
				order = append(order, g)
			}
			g.items = append(g.items, i)
			s.addWork(g, i, 1)
		}
	}
	for g, seg := range byGroup {
		if len(s.excl[g]) > 0 {
			k := s.shortest(seg.items)
			s.warmup[g] = seg.items[k]
			seg.items = append(seg.items[:k], seg.items[k+1:]...)
			s.addWork(seg, s.warmup[g], -1)
		}
	}
	order = append(order, s.extractLong(order)...)
	s.segs = s.sortSegments(order)
}

// shortest is the position of the shortest test, the last of equals.
func (s *Scheduler) shortest(items []int) int {
	k := 0
	for j, i := range items {
		if s.expected(i) <= s.expected(items[k]) {
			k = j
		}
	}
	return k
}

// extractLong takes tests that would make the end of the run uneven out of
// their files, as files of their own.
func (s *Scheduler) extractLong(order []*segment) []*segment {
	total := 0.0
	for _, seg := range order {
		total += s.cost(seg)
	}
	share := total / float64(s.cfg.Workers)
	s.share = share
	var out []*segment
	for _, seg := range order {
		kept := seg.items[:0]
		for _, i := range seg.items {
			d := s.expected(i)
			if s.tests[i].Known && d > share/16 && d > 4*s.setup(seg.group) && len(seg.items) > 1 {
				out = append(out, s.newSegment(seg.group, []int{i}))
				s.addWork(seg, i, -1)
				continue
			}
			kept = append(kept, i)
		}
		seg.items = kept
	}
	return out
}

func (s *Scheduler) sortSegments(order []*segment) []*segment {
	if s.cfg.Order == Random {
		rng := rand.New(rand.NewSource(s.cfg.Seed))
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, g := range order {
			rng.Shuffle(len(g.items), func(a, b int) { g.items[a], g.items[b] = g.items[b], g.items[a] })
		}
		rng.Shuffle(len(s.special), func(a, b int) { s.special[a], s.special[b] = s.special[b], s.special[a] })
		return order
	}
	sort.SliceStable(order, func(a, b int) bool {
		fa, fb := s.failedIn(order[a]), s.failedIn(order[b])
		if fa != fb {
			return fa
		}
		return s.cost(order[a]) > s.cost(order[b])
	})
	sort.SliceStable(s.special, func(a, b int) bool {
		return s.expected(s.special[a]) > s.expected(s.special[b])
	})
	return order
}

func (s *Scheduler) failedIn(g *segment) bool {
	if s.cfg.Order != FailedFirst {
		return false
	}
	for _, i := range g.items {
		if s.tests[i].Failed {
			return true
		}
	}
	return false
}

func (s *Scheduler) setup(group int) float64 {
	if group >= 0 && group < len(s.cfg.Setup) {
		return s.cfg.Setup[group]
	}
	return 0
}

func (s *Scheduler) owner(group int) int {
	if group >= 0 && group < len(s.cfg.Owner) {
		return s.cfg.Owner[group]
	}
	return -1
}

// expected is a test's expected duration: measured, or learnt from this run.
func (s *Scheduler) expected(i int) float64 {
	if s.tests[i].Known {
		return s.tests[i].Seconds
	}
	return s.learnt
}

// Left is how many tests have not been handed out.
func (s *Scheduler) Left() int { return s.left }

// Holding is how many tests worker w holds (sent and not done).
func (s *Scheduler) Holding(w int) int { return len(s.workers[w].queue) }

// Done records that worker w finished test i, which took seconds, at now
// (seconds on any clock that only moves forward).
func (s *Scheduler) Done(w, i int, seconds, now float64) {
	s.now = now
	s.remove(w, i)
	s.workers[w].since = now
	if !s.tests[i].Known && seconds >= 0 {
		s.learntCount++
		s.learnt += (seconds - s.learnt) / float64(min(s.learntCount, 50))
	}
	if r := s.heavy; r != nil && r.worker == w && !s.holdsHeavy(w) {
		s.release()
	}
	s.advance()
}

// Crashed forgets worker w's tests after it died running the first of them:
// that one is over, the others go back to be handed out again.
func (s *Scheduler) Crashed(w int) { s.takeBack(w, 1) }

// Lost gives every test worker w held back to be handed out again: it was
// ended for another test's sake before it could run them.
func (s *Scheduler) Lost(w int) { s.takeBack(w, 0) }

// takeBack forgets w's tests, handing out again those from position from on.
func (s *Scheduler) takeBack(w, from int) {
	wk := &s.workers[w]
	if len(wk.queue) == 0 {
		return
	}
	rest := append([]int(nil), wk.queue[min(from, len(wk.queue)):]...)
	for _, i := range append([]int(nil), wk.queue...) {
		s.remove(w, i)
	}
	wk.seg, wk.final = nil, false
	var plain []int
	for _, i := range rest {
		t := s.tests[i]
		switch {
		case t.Exclusive:
			s.excl[t.Group] = append([]int{i}, s.excl[t.Group]...)
		case t.Slots > 1 || len(t.Locks) > 0:
			s.special = append([]int{i}, s.special...)
		default:
			plain = append(plain, i)
		}
		s.left++
	}
	switch {
	case len(plain) == 0:
	case s.rounds != nil:
		s.giveBack(w, plain)
	default:
		seg := s.newSegment(s.tests[plain[0]].Group, plain)
		s.segs = append([]*segment{seg}, s.segs...)
	}
	if s.heavy != nil && s.heavy.worker == w {
		s.release()
	}
	s.advance()
}

func (s *Scheduler) remove(w, i int) {
	wk := &s.workers[w]
	for k, j := range wk.queue {
		if j == i {
			wk.queue = append(wk.queue[:k], wk.queue[k+1:]...)
			break
		}
	}
	if s.tests[i].Exclusive {
		wk.exclusive--
	}
	for _, key := range s.tests[i].Locks {
		s.held[key][w]--
	}
}

// quiet: the worker runs nothing and will not until it is sent more.
func (s *Scheduler) quiet(w int) bool {
	wk := &s.workers[w]
	return len(wk.queue) == 0 || len(wk.queue) == 1 && !wk.final
}

func (s *Scheduler) allQuiet(except int) bool {
	for w := range s.workers {
		if w != except && !s.quiet(w) {
			return false
		}
	}
	return true
}

// advance moves between phases once their condition holds.
func (s *Scheduler) advance() {
	for {
		switch s.phase {
		case running:
			if s.rounds != nil && !s.allCut() {
				return
			}
			if s.rounds == nil && (!s.waiting() || s.drainLeft() > s.cfg.Window*drainWindows) {
				return
			}
			s.phase = draining
		case draining:
			if !s.allQuiet(-1) {
				return
			}
			if s.rounds != nil {
				s.phase, s.blocks = exclusive, s.roundBlocks()
			} else {
				s.phase, s.blocks = exclusive, s.planBlocks()
			}
		case exclusive:
			for len(s.blocks) > 0 {
				b := s.blocks[0]
				if len(s.excl[b.group]) > 0 || s.workers[b.worker].exclusive > 0 {
					return
				}
				s.blocks = s.blocks[1:]
			}
			s.phase = running
		}
	}
}

// drainWindows is how many windows of work the others may have left when a
// barrier starts; until then they go on and the waiting workers wait.
const drainWindows = 2

// waiting: some worker holds an exclusive test and no ordinary one it may
// still run, so it waits for a barrier.
func (s *Scheduler) waiting() bool {
	for w := range s.workers {
		if s.workers[w].exclusive > 0 && s.quiet(w) {
			return true
		}
	}
	return false
}

// drainLeft is how long, expected, until every worker is quiet if nobody
// gets more work.
func (s *Scheduler) drainLeft() float64 {
	most := 0.0
	for w := range s.workers {
		most = max(most, s.runnable(w))
	}
	return most
}

// runnable is the expected work worker w may still run without more tests:
// what it holds but its last, less what its first has run already.
func (s *Scheduler) runnable(w int) float64 {
	wk := &s.workers[w]
	n := len(wk.queue) - 1
	if wk.final {
		n++
	}
	work := 0.0
	for k := 0; k < n; k++ {
		work += s.expected(wk.queue[k])
	}
	if n > 0 {
		work -= min(s.now-wk.since, s.expected(wk.queue[0]))
	}
	return max(work, 0)
}

// planBlocks lists the exclusive work of a barrier: first the workers that
// hold exclusive tests, then every worker in a file with exclusive tests left
// whose last test is short (it runs while all wait), then files that ordinary
// tests will never set up, on the last of those workers.
func (s *Scheduler) planBlocks() []block {
	var out []block
	seen := map[int]bool{}
	add := func(w, g int) {
		if !seen[g] {
			seen[g] = true
			out = append(out, block{w, g})
		}
	}
	for w := range s.workers {
		if g, ok := s.warm(w); ok && s.workers[w].exclusive > 0 {
			add(w, g)
		}
	}
	for w := range s.workers {
		q := s.workers[w].queue
		if g, ok := s.warm(w); ok && len(s.excl[g]) > 0 && s.expected(q[len(q)-1]) <= s.cfg.Window {
			add(w, g) // its last test is cheap enough to run while all wait
		}
	}
	last := 0
	if len(out) > 0 {
		last = out[len(out)-1].worker
	}
	for _, g := range s.coldGroups() {
		add(last, g)
	}
	return out
}

// coldGroups are the groups with exclusive tests left, no ordinary test to
// set their fixtures up first and no worker about to have them set up, in
// test order.
func (s *Scheduler) coldGroups() []int {
	warm := map[int]bool{}
	for w := range s.workers {
		if g, ok := s.warm(w); ok {
			warm[g] = true
		}
	}
	var out []int
	for g, list := range s.excl {
		if len(list) > 0 && !s.hasPlain(g) && !warm[g] {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(a, b int) bool { return s.excl[out[a]][0] < s.excl[out[b]][0] })
	return out
}

// warm is the group whose fixtures worker w will have set up once it runs
// what it holds.
func (s *Scheduler) warm(w int) (int, bool) {
	q := s.workers[w].queue
	if len(q) == 0 {
		return 0, false
	}
	return s.tests[q[len(q)-1]].Group, true
}

func (s *Scheduler) hasPlain(g int) bool {
	_, ok := s.warmup[g]
	return ok || s.hasOtherPlain(g)
}

func containsInt(list []int, x int) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}
