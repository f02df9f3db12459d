package verify

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// MaxLists caps the processes (workers) of one targeted run.
const MaxLists = 8

// stage is where a failing test's targeted runs stand.
type stage int

const (
	stageAlone  stage = iota // its first runs alone (aloneFirst)
	stageBisect              // cutting a sequence down (polluter or needed test)
	stagePairs               // running beside the tests that overlapped it
	stageDone
)

// bisection cuts a sequence that, run before the test, gave want in a
// shuffled run (a failure when it looks for a polluter, a pass for a test
// it needs) down to one test. When the shuffled runs narrowed it to the
// likeliest culprits (those that ran before the test every time it gave
// want, and never when it did not), it first runs them, whole, before the
// test; then one half at a time: when a half does not give want, the
// rest is assumed to, and checked once it is one test. When two shuffled
// runs or more point to the sequence (its tests ran before the test every
// time), it is not run whole first: a half that gives want shows it does,
// the one test left at the end is checked either way, and the whole runs
// last only when no part gave want (it may take two tests together).
// Otherwise the whole runs first: a failure seen once may not come back.
type bisection struct {
	want     bool  // the outcome looked for: true = the test fails
	cand     []int // where the culprit is
	fallback []int // the whole sequence, when cand is only the likeliest part
	whole    bool  // the next run checks cand as a whole
	assumed  bool  // cand was inferred, not seen to give want
	seen     []int // the shortest sequence seen to give want
	tried    []int // the sequence in the run under way
	full     bool  // cand as a whole runs next with the busy tests too
	seq      []int // the sequence, when it runs whole last
	last     bool  // the run under way is that last one
	runs     int
	over     bool // nothing more to learn: seen is the answer, if any
}

// newBisection cuts seq down; likely are its likeliest culprits, and sure
// says that two shuffled runs or more point to them.
func newBisection(likely, seq []int, want, sure bool) *bisection {
	b := &bisection{want: want, cand: slices.Clone(seq), whole: true}
	switch {
	case len(likely) > 0 && len(likely) < len(seq):
		b.cand, b.fallback = slices.Clone(likely), b.cand
	case sure && len(seq) > 1:
		b.whole, b.assumed, b.seq = false, true, slices.Clone(seq)
	}
	return b
}

// next is the sequence to run before the test, or false when it is over.
// A half is drawn from the tests for which busy says false where it can
// be (they may then share a batch with the tests in use), else the first
// half; bisection works with any part of the candidates.
func (s *bisection) next(busy func(int) bool) ([]int, bool) {
	switch {
	case s.over:
		return nil, false
	case s.whole:
		s.tried = slices.Clone(s.cand)
		if free := freeOf(s.cand, busy); !s.full && len(free) > 0 {
			// Without the busy tests first: it may share a batch, and
			// when it does not give want, the whole follows.
			s.tried = free
		}
	case len(s.cand) == 1 && !s.assumed:
		return nil, false
	case len(s.cand) == 1:
		s.tried = slices.Clone(s.cand)
	default:
		s.tried = half(s.cand, busy)
	}
	return slices.Clone(s.tried), true
}

// freeOf are the tests of cand for which busy says false, in cand's order;
// nil when none is busy, or all.
func freeOf(cand []int, busy func(int) bool) []int {
	if busy == nil {
		return nil
	}
	var free []int
	for _, i := range cand {
		if !busy(i) {
			free = append(free, i)
		}
	}
	if len(free) == len(cand) {
		return nil
	}
	return free
}

// half is half of cand, in cand's order: drawn from the tests busy leaves
// free when there are any, else the first half.
func half(cand []int, busy func(int) bool) []int {
	n := len(cand) / 2
	free := freeOf(cand, busy)
	if len(free) == 0 {
		return slices.Clone(cand[:n])
	}
	free = free[:min(n, len(free))]
	out := make([]int, 0, len(free))
	for _, i := range cand {
		if slices.Contains(free, i) {
			out = append(out, i)
		}
	}
	return out
}

// take is the test's outcome after s.tried.
func (s *bisection) take(failed bool) {
	s.runs++
	ok := failed == s.want
	switch {
	case s.whole && ok && s.last:
		// No part did it alone; the whole does: that is the answer.
		s.seen, s.over = s.tried, true
	case s.whole && ok:
		s.whole, s.cand, s.seen = false, s.tried, s.tried
	case s.whole && len(s.tried) < len(s.cand):
		s.full = true
	case s.whole && s.fallback != nil:
		s.cand, s.fallback, s.full = s.fallback, nil, false
	case s.whole:
		s.over = true
	case ok:
		s.cand, s.seen, s.assumed = s.tried, s.tried, false
	case len(s.tried) == len(s.cand) && s.seen == nil && s.seq != nil:
		// Nothing gave want yet: the whole sequence, last.
		s.cand, s.seq, s.whole, s.last = s.seq, nil, true, true
	case len(s.tried) == len(s.cand):
		// The one test assumed does not do it: it takes more than one
		// test of the sequence; the shortest seen is the answer.
		s.over = true
	default:
		s.cand = slices.DeleteFunc(slices.Clone(s.cand), func(i int) bool { return slices.Contains(s.tried, i) })
		s.assumed = true
	}
}

// probe is one targeted run of a test: a sequence in a process of its own,
// or the test beside a partner.
type probe struct {
	owner int
	seq   []int   // run apart, in this order, in one process
	pair  *[2]int // run at the same time on two workers
	alone bool    // seq is the test alone
}

// describe says what a targeted run does, for the log.
func describe(probes []probe) string {
	var alone, after, pairs int
	for _, p := range probes {
		switch {
		case p.pair != nil:
			pairs++
		case p.alone:
			alone++
		default:
			after++
		}
	}
	var parts []string
	if alone > 0 {
		parts = append(parts, fmt.Sprintf("%d test%s alone", alone, plural(alone)))
	}
	if after > 0 {
		parts = append(parts, fmt.Sprintf("%d after part of %s sequence", after, pick(after == 1, "its", "their")))
	}
	if pairs > 0 {
		parts = append(parts, fmt.Sprintf("%d pair%s at the same time", pairs, plural(pairs)))
	}
	return strings.Join(parts, ", ")
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// probe runs targeted batches until every failing test is done or the
// budget is spent.
func (v *verifier) probe(ctx context.Context) error {
	for _, e := range v.tests {
		if len(e.failing) > 0 {
			e.stage = stageAlone
		} else {
			e.stage = stageDone
		}
	}
	for !v.spent() {
		b, probes := v.pack()
		if len(probes) == 0 {
			return nil
		}
		fmt.Fprintf(v.opt.Log, "shoal verify: run %d: %s\n", v.runs+1, describe(probes))
		got, err := v.run(ctx, b)
		if err != nil {
			return err
		}
		for _, p := range probes {
			v.take(p, got)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// pack gathers the next probe of every test still at work into one batch:
// sequences run apart, as many as share no test, the runs alone and whole
// sequences first; the pairs waiting come along after them (a batch's
// cost is mostly its session's start), or run on their own. A bisection
// draws its half from the tests no other probe needs (the other tests at
// work included), so that two searches over much the same sequence share
// a batch.
func (v *verifier) pack() (Batch, []probe) {
	atWork := map[int]bool{}
	rank := map[int]int{}
	var order []int
	for t := range v.tests {
		p, ok := v.next(t, nil)
		if !ok {
			continue
		}
		atWork[t] = true
		if p.pair != nil {
			atWork[p.pair[1]] = true
		}
		rank[t] = v.rigidity(t, p)
		order = append(order, t)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rank[a], rank[b]) })
	var pairs, seqs []probe
	used := map[int]bool{}
	for _, t := range order {
		p, _ := v.next(t, func(i int) bool { return used[i] || i != t && atWork[i] })
		if p.pair != nil {
			pairs = append(pairs, p)
			continue
		}
		if len(seqs) == MaxLists || slices.ContainsFunc(p.seq, func(i int) bool { return used[i] }) {
			continue
		}
		for _, i := range p.seq {
			used[i] = true
		}
		seqs = append(seqs, p)
	}
	var pb Batch
	var taken []probe
	if len(seqs) <= MaxLists-2 {
		pb, taken = pairBatch(pairs, used)
	}
	if len(seqs) == 0 {
		return pb, taken
	}
	b := Batch{Apart: true}
	for _, p := range seqs {
		b.Lists = append(b.Lists, p.seq)
	}
	if len(taken) > 0 {
		b.Lists, b.Meets = append(b.Lists, pb.Lists...), pb.Meets
	}
	return b, append(seqs, taken...)
}

// rigidity orders a batch's probes: a run alone (one test, nothing to
// choose), a sequence run whole, a half of a sequence (drawn around what
// the others use), a pair.
func (v *verifier) rigidity(t int, p probe) int {
	switch {
	case p.alone:
		return 0
	case p.pair != nil:
		return 3
	case v.tests[t].search.whole || len(v.tests[t].search.cand) == 1:
		return 1
	default:
		return 2
	}
}

// pairBatch runs pairs, one after another, as many as share no test with
// each other nor with used.
func pairBatch(pairs []probe, used map[int]bool) (Batch, []probe) {
	b := Batch{Lists: make([][]int, 2)}
	var taken []probe
	for _, p := range pairs {
		if used[p.pair[0]] || used[p.pair[1]] {
			continue
		}
		used[p.pair[0]], used[p.pair[1]] = true, true
		b.Lists[0] = append(b.Lists[0], p.pair[0])
		b.Lists[1] = append(b.Lists[1], p.pair[1])
		b.Meets = append(b.Meets, *p.pair)
		taken = append(taken, p)
	}
	return b, taken
}

// next is test t's next targeted run, moving it on to its next stage when
// the current one has nothing left to run; busy as for bisection.next.
func (v *verifier) next(t int, busy func(int) bool) (probe, bool) {
	e := v.tests[t]
	for {
		switch e.stage {
		case stageAlone:
			// Once it both passed and failed alone it is flaky: more
			// runs alone would tell nothing new.
			if e.aloneRuns < v.aloneFirst() && !e.mixed() {
				return probe{owner: t, seq: []int{t}, alone: true}, true
			}
			v.afterAlone(t)
		case stageBisect:
			if seq, ok := e.search.next(busy); ok {
				return probe{owner: t, seq: append(seq, t)}, true
			}
			v.afterBisect(t)
		case stagePairs:
			if c, ok := v.nextPartner(t); ok {
				return probe{owner: t, pair: &[2]int{t, c}}, true
			}
			e.stage = stageDone
			if len(e.partners) == 0 && e.later != nil {
				e.search, e.from, e.later = newBisection(nil, e.later.prefix, true, false), e.later, nil
				e.stage = stageBisect
			}
		default:
			if !e.explained() && v.oweAlone(t) {
				// Nothing else made it fail again: the rest of its runs
				// alone say whether it fails on its own.
				return probe{owner: t, seq: []int{t}, alone: true}, true
			}
			return probe{}, false
		}
	}
}

// aloneFirst is how many times a failing test runs alone before the
// stages that look for a cause: two; the rest of Options.Alone when they
// found nothing. A process of its own costs about as much as a test in a
// sequence: a test whose polluter, needed test or partner was seen runs
// alone no more.
func (v *verifier) aloneFirst() int { return min(v.opt.Alone, 2) }

// oweAlone tells whether test t, done with its other stages, has runs
// alone left that could still tell something.
func (v *verifier) oweAlone(t int) bool {
	e := v.tests[t]
	return e.aloneRuns > 0 && e.aloneRuns < v.opt.Alone && !e.mixed()
}

// afterAlone chooses what follows the runs alone.
func (v *verifier) afterAlone(t int) {
	e := v.tests[t]
	switch {
	case e.mixed():
		e.stage = stageDone // flaky on its own
	case e.aloneFailures == e.aloneRuns && e.passing != nil:
		// It fails alone but passed after other tests: which one it needs.
		likely, runs := v.likely(t, e.passing.prefix, false)
		e.search = newBisection(likely, e.passing.prefix, false, runs >= 2)
		e.stage = stageBisect
	case e.aloneFailures == e.aloneRuns:
		e.stage = stageDone
	default:
		o := shortestPrefix(e.failing)
		if o == nil {
			e.stage = stagePairs
			return
		}
		likely, runs := v.likely(t, o.prefix, true)
		if len(likely) == 0 {
			// No test ran before it every time it failed: a partner is
			// likelier than a polluter; its sequence comes after them.
			e.later, e.stage = o, stagePairs
			return
		}
		e.search, e.from, e.stage = newBisection(likely, o.prefix, true, runs >= 2), o, stageBisect
	}
}

// afterBisect takes what the bisection found; a sequence that did not
// make the test fail again sends it on to its partners.
func (v *verifier) afterBisect(t int) {
	e := v.tests[t]
	s := e.search
	if s.seen == nil {
		if s.want {
			e.notes = append(e.notes, fmt.Sprintf("after the %d tests its worker ran before it in run %d: passed", len(e.from.prefix), e.from.run))
			e.stage = stageDone
			if e.suspects == nil {
				e.stage = stagePairs
			}
			return
		}
		e.notes = append(e.notes, fmt.Sprintf("after the %d tests its worker ran before it when it passed: failed again", len(e.passing.prefix)))
		e.stage = stageDone
		return
	}
	if s.want {
		e.polluters = s.seen
		e.notes = append(e.notes, fmt.Sprintf("after the %d tests its worker ran before it in run %d: failed; bisected to %d test%s in %d runs",
			len(e.from.prefix), e.from.run, len(s.seen), plural(len(s.seen)), s.runs))
	} else {
		e.needs = s.seen
		e.notes = append(e.notes, fmt.Sprintf("after the %d tests its worker ran before it when it passed: passed; bisected to %d test%s in %d runs",
			len(e.passing.prefix), len(s.seen), plural(len(s.seen)), s.runs))
	}
	e.stage = stageDone
}

// nextPartner is the next test to run beside t, until one collides with
// it: those that overlapped it in most of its failing runs first, then
// those that failed themselves, then the longest overlaps.
func (v *verifier) nextPartner(t int) (int, bool) {
	e := v.tests[t]
	if e.suspects == nil {
		e.suspects = v.suspects(e.failing)
	}
	if len(e.partners) > 0 {
		return 0, false
	}
	for _, s := range e.suspects {
		c := s.test
		key := pairKey(t, c)
		if _, done := v.pairs[key]; done {
			continue
		}
		if e.tries[c] >= v.opt.Together {
			v.pairs[key] = false
			continue
		}
		return c, true
	}
	return 0, false
}

type suspect struct {
	test, count int
	failed      bool
	seconds     float64
}

// suspects are the tests that overlapped a test's failing runs, likeliest first.
func (v *verifier) suspects(failing []occurrence) []suspect {
	by := map[int]*suspect{}
	for _, o := range failing {
		for k, j := range o.overlaps {
			s := by[j]
			if s == nil {
				s = &suspect{test: j, failed: len(v.tests[j].failing) > 0}
				by[j] = s
			}
			s.count++
			s.seconds += o.overlapSecs[k]
		}
	}
	out := make([]suspect, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b suspect) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(boolInt(b.failed), boolInt(a.failed)),
			cmp.Compare(b.seconds, a.seconds), cmp.Compare(a.test, b.test))
	})
	return out
}

func pairKey(a, b int) [2]int {
	return [2]int{min(a, b), max(a, b)}
}

// take reads a probe's outcome into its test's evidence.
func (v *verifier) take(p probe, got []Ran) {
	e := v.tests[p.owner]
	failed := got[p.owner].Failed
	switch {
	case p.pair != nil:
		v.takePair(p.owner, p.pair[1], got)
	case p.alone:
		e.aloneRuns++
		if failed {
			e.aloneFailures++
		}
	case e.stage == stageBisect:
		e.search.take(failed)
	}
}

// takePair: the pair collided when t failed, or its partner did and the
// partner does not fail on its own.
func (v *verifier) takePair(t, c int, got []Ran) {
	e := v.tests[t]
	if e.tries == nil {
		e.tries = map[int]int{}
	}
	e.tries[c]++
	other := v.tests[c]
	collided := got[t].Failed || got[c].Failed && other.aloneFailures == 0
	if !collided {
		return
	}
	v.pairs[pairKey(t, c)] = true
	e.partners = append(e.partners, c)
	other.partners = append(other.partners, t)
	note := fmt.Sprintf("run at the same time as %s: %s failed (try %d)", v.names[c], v.failedSide(t, c, got), e.tries[c])
	e.notes = append(e.notes, note)
	other.notes = append(other.notes, fmt.Sprintf("run at the same time as %s: %s failed", v.names[t], v.failedSide(t, c, got)))
}

func (v *verifier) failedSide(t, c int, got []Ran) string {
	switch {
	case got[t].Failed && got[c].Failed:
		return "both"
	case got[t].Failed:
		return v.names[t]
	default:
		return v.names[c]
	}
}

// shortestPrefix is the failing run with the fewest tests before it on
// its worker, at least one; nil when it always ran first.
func shortestPrefix(failing []occurrence) *occurrence {
	var best *occurrence
	for i := range failing {
		o := &failing[i]
		if len(o.prefix) > 0 && (best == nil || len(o.prefix) < len(best.prefix)) {
			best = o
		}
	}
	return best
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
