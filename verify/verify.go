// Package verify tells flaky, order-dependent and conflicting tests apart.
//
// It runs a suite many times in shuffled orders and assignments, then runs
// every test that failed at least once again with a purpose: alone in a
// fresh process (does it fail on its own?), after the sequence its worker
// ran before it, cut down by bisection to the test that pollutes it (or,
// for a test that fails alone, the test it needs), and at the same time as
// each test that overlapped it when it failed (which partner collides with
// it). Every test then gets a class and the evidence for it.
//
// The package decides what to run and what the outcomes mean; a Runner
// runs the batches (cmd/shoal drives the real runner; the tests here a
// simulated suite). Files: verify.go (types, the loop), explore.go (the
// shuffled runs), probe.go (targeted runs), classify.go, report.go.
package verify

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Batch is one run of the suite: per worker, the tests it runs, in order,
// in a process of its own. A test is on one list at most.
type Batch struct {
	Lists [][]int
	// Apart: no two tests run at the same time, though each list keeps
	// its own process (targeted runs that must not collide). An apart
	// batch with Meets ends with the two lists of its pairs: they run as
	// in a targeted run of pairs, and no test of theirs at the same time
	// as a test of the other lists (one batch, one session, for both).
	Apart bool
	// Meets are pairs of tests on two lists that start together, each
	// waiting (a few seconds at most) for the other; pairs come in the
	// same order on both lists. In a targeted run the batch has two
	// lists, and the k-th pair is the k-th test of each: a pair starts
	// once the pair before it is over on both lists, so only the two
	// tests of a pair ever run at the same time.
	Meets [][2]int
}

// Ran is what one test did in a batch.
type Ran struct {
	Ran    bool
	Failed bool    // failed or errored
	List   int     // the list it ran on
	Start  float64 // seconds, on any clock the whole batch shares
	Stop   float64
}

// Runner runs a batch and says, per test of the suite, what it did.
type Runner interface {
	Run(ctx context.Context, b Batch) ([]Ran, error)
}

// Options say how hard to look. Zero values take the defaults in brackets.
type Options struct {
	Workers  int           // lists in a shuffled run [2]
	Runs     int           // shuffled runs [8]; every second one replays the one before it reversed
	Alone    int           // times a failing test that nothing else explains runs alone [3]; two at most for the others
	Together int           // times a suspected pair runs at the same time [2]
	Budget   time.Duration // stop looking after this long; 0: no limit
	Seed     int64         // the first shuffled run's seed; the next pairs take Seed+1, …
	Now      func() time.Time
	Log      io.Writer // a line per run; nil: none
}

// Defaults fills the zero values.
func (o *Options) Defaults() {
	if o.Workers < 1 {
		o.Workers = 2
	}
	if o.Runs < 1 {
		o.Runs = 8
	}
	if o.Alone < 1 {
		o.Alone = 3
	}
	if o.Together < 1 {
		o.Together = 2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// verifier is one verification's state; one goroutine owns it.
type verifier struct {
	names    []string
	r        Runner
	opt      Options
	start    time.Time
	runs     int // batches run
	over     bool
	tests    []*evidence
	explored []explored
	pairs    map[[2]int]bool // pairs run together, and whether they collided
	ranOnce  map[int]bool    // tests seen to pass somewhere
}

// Verify runs the suite whose tests are names and classifies every test.
func Verify(ctx context.Context, names []string, r Runner, opt Options) (*Report, error) {
	opt.Defaults()
	v := &verifier{names: names, r: r, opt: opt, start: opt.Now(), pairs: map[[2]int]bool{}}
	v.tests = make([]*evidence, len(names))
	for i := range v.tests {
		v.tests[i] = &evidence{}
	}
	if err := v.explore(ctx); err != nil {
		return nil, err
	}
	if err := v.probe(ctx); err != nil {
		return nil, err
	}
	return v.report(), nil
}

// spent tells whether the budget is used up, and says so once.
func (v *verifier) spent() bool {
	if v.over || v.opt.Budget <= 0 {
		return v.over
	}
	if v.opt.Now().Sub(v.start) >= v.opt.Budget {
		v.over = true
		fmt.Fprintf(v.opt.Log, "shoal verify: the budget of %s is spent; stopping\n", v.opt.Budget)
	}
	return v.over
}

// run runs one batch and counts every test's run and failure.
func (v *verifier) run(ctx context.Context, b Batch) ([]Ran, error) {
	got, err := v.r.Run(ctx, b)
	if err != nil {
		return nil, err
	}
	if len(got) != len(v.names) {
		return nil, fmt.Errorf("verify: a run reported %d tests of %d", len(got), len(v.names))
	}
	v.runs++
	for i, g := range got {
		if !g.Ran {
			continue
		}
		v.tests[i].runs++
		if g.Failed {
			v.tests[i].failures++
		}
	}
	return got, nil
}
