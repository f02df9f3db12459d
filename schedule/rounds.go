package schedule

import (
	"math"
	"slices"
	"sort"
)

// rounds is a plan made before the run for a suite with exclusive tests whose
// durations are all measured. Every file with exclusive tests is set up once,
// by one worker: it runs part of the file's ordinary tests, stops at a
// barrier, runs the file's exclusive tests while the others wait, then goes
// on with the rest of the file. A worker may stop in the middle of a file
// with its fixtures still set up, so the plan can cut every worker's work at
// the same expected time and nobody waits at a barrier. Between barriers the
// scheduler only follows the plan; after the last one, a worker that runs
// out takes the back of another's file when that pays for the set-up.
type rounds struct {
	lists [][][]int // per worker, per barrier and one more for after the last: ordinary tests, in order
	host  [][]int   // per worker, per barrier: the file whose exclusive tests it runs there, or -1
	cold  []int     // files with only exclusive tests: set up in the last barrier
	// coldOn runs the cold files' exclusive tests at the last barrier.
	coldOn int
	next   int    // the coming barrier; barriers() once all are past
	cut    []bool // per worker: it has all it runs before the coming barrier
	// held: per worker, the list its last test comes from, -1 for none.
	// One from after the coming barrier keeps it from running before.
	held []int
}

func (rp *rounds) barriers() int { return len(rp.host[0]) }

// clone copies the plan, for a replay that uses it up.
func (rp *rounds) clone() *rounds {
	out := *rp
	out.lists = make([][][]int, len(rp.lists))
	for w, lists := range rp.lists {
		out.lists[w] = make([][]int, len(lists))
		for k, list := range lists {
			out.lists[w][k] = append([]int(nil), list...)
		}
	}
	out.cut = append([]bool(nil), rp.cut...)
	out.held = append([]int(nil), rp.held...)
	return &out
}

// follow makes the scheduler follow a plan of barriers.
func (s *Scheduler) follow(rp *rounds) {
	s.rounds, s.segs, s.warmup = rp, nil, map[int]int{}
}

// PlannedRounds is how many barriers for exclusive tests the scheduler
// planned before the run, 0 where it places them as the run goes.
func (s *Scheduler) PlannedRounds() int {
	if s.rounds == nil {
		return 0
	}
	return s.rounds.barriers()
}

// roundsMost is the most tests a plan of barriers is made for: making it,
// and replaying it to see whether it pays, grow with the suite.
const roundsMost = 20000

// planFile is what the planner knows of one file.
type planFile struct {
	group int
	setup float64
	plain []int // ordinary tests, longest first
	work  float64
	// late: it holds a test long enough to hold a barrier back, so it is
	// served at the last barrier, with its long tests after it.
	late bool
}

// planRounds makes the plan, or returns nil where it does not apply: one
// worker, tests nobody measured, locks or slots, an order other than by
// duration, no file with both exclusive and ordinary tests, or too many
// tests. It tries barriers at several spacings and keeps the plan with the
// least expected time.
func (s *Scheduler) planRounds() *rounds {
	if s.cfg.Workers < 2 || s.cfg.Order != Duration || len(s.tests) > roundsMost {
		return nil
	}
	files := map[int]*planFile{}
	var order []int
	for i, t := range s.tests {
		if !t.Known || len(t.Locks) > 0 || t.Slots > 1 && !t.Alone(s.cfg.Workers) {
			return nil
		}
		if t.Exclusive {
			continue
		}
		f := files[t.Group]
		if f == nil {
			f = &planFile{group: t.Group, setup: s.setup(t.Group)}
			files[t.Group] = f
			order = append(order, t.Group)
		}
		f.plain = append(f.plain, i)
		f.work += t.Seconds
	}
	total := 0.0
	for _, g := range order {
		total += files[g].setup + files[g].work
	}
	share := total / float64(s.cfg.Workers)
	var hosted, plain, lateHosted, latePlain []*planFile
	var cold []int
	for _, g := range order {
		f := files[g]
		sort.SliceStable(f.plain, func(a, b int) bool { return s.tests[f.plain[a]].Seconds > s.tests[f.plain[b]].Seconds })
		if len(s.excl[g]) == 0 {
			plain = append(plain, f)
			latePlain = append(latePlain, f)
			continue
		}
		long := func(i int) bool { d := s.tests[i].Seconds; return d > share/8 && d > f.setup }
		// A long test would hold a barrier back. Two ways out, both tried:
		// it runs on its own after the last barrier and pays the set-up
		// again there, or its file is served at the last barrier.
		whole := *f
		whole.late = len(f.plain) > 1 && long(f.plain[0])
		lateHosted = append(lateHosted, &whole)
		for len(f.plain) > 1 && long(f.plain[0]) {
			i := f.plain[0]
			plain = append(plain, &planFile{group: g, setup: f.setup, plain: []int{i}, work: s.tests[i].Seconds})
			f.plain, f.work = f.plain[1:], f.work-s.tests[i].Seconds
		}
		hosted = append(hosted, f)
	}
	for g, list := range s.excl {
		if len(list) > 0 && files[g] == nil {
			cold = append(cold, g)
		}
	}
	if len(hosted) == 0 {
		return nil
	}
	sort.Ints(cold)
	var best *rounds
	bestSpan := math.Inf(1)
	spares := []float64{-1, 0, 1, 2, 4, 8}
	if len(hosted) <= lookaheadMost {
		spares = []float64{0, 2} // each span is judged by the whole plan: fewer tries do
	}
	for _, spare := range spares {
		rp, span := s.tryRounds(hosted, plain, spare)
		if span < bestSpan {
			best, bestSpan = rp, span
		}
		if len(latePlain) == len(plain) {
			continue // no long test: both ways are the same
		}
		rp, span = s.tryRounds(lateHosted, latePlain, spare)
		if span < bestSpan {
			best, bestSpan = rp, span
		}
	}
	best.cold = cold
	return best
}

// planWorker is one worker while the plan is made.
type planWorker struct {
	carry []int // ordinary tests of the file it has set up, longest first
	lists [][]int
	host  []int
}

// planState is the plan so far: what each worker does, and what is left.
type planState struct {
	ws    []planWorker
	todo  []*planFile // files with exclusive tests nobody has set up
	fill  []*planFile // files without exclusive tests, and long tests
	clock float64     // expected ordinary time up to the last barrier planned
	idle  float64     // expected worker-seconds spent waiting at barriers
}

// trial is a copy of ps to try a round on: planRound never changes the
// slices it reads, only replaces them, so they are shared; what the trial
// plans for each worker is not kept.
func (ps *planState) trial() *planState {
	out := &planState{ws: make([]planWorker, len(ps.ws)), todo: ps.todo, fill: ps.fill, clock: ps.clock, idle: ps.idle}
	for w, pw := range ps.ws {
		out.ws[w].carry = pw.carry
	}
	return out
}

// tryRounds plans the barriers one after another, trying for each several
// lengths around the work left divided among the barriers still needed
// plus spare more (see planAll). It returns the plan and its expected
// length, exclusive tests not counted.
func (s *Scheduler) tryRounds(hosted, plain []*planFile, spare float64) (*rounds, float64) {
	n := s.cfg.Workers
	ps := &planState{ws: make([]planWorker, n)}
	ps.todo = append(ps.todo, hosted...)
	sort.SliceStable(ps.todo, func(a, b int) bool { return s.fileCost(ps.todo[a]) > s.fileCost(ps.todo[b]) })
	ps.fill = append(ps.fill, plain...)
	sort.SliceStable(ps.fill, func(a, b int) bool { return s.fileCost(ps.fill[a]) > s.fileCost(ps.fill[b]) })
	s.planAll(ps, spare, len(hosted) <= lookaheadMost)
	// After the last barrier: what each has set up, then the other files.
	ends, to := s.placeTail(ps)
	for w := range ps.ws {
		ps.ws[w].lists = append(ps.ws[w].lists, ps.ws[w].carry)
	}
	for k, f := range ps.fill {
		list := &ps.ws[to[k]].lists[len(ps.ws[to[k]].lists)-1]
		*list = append(*list, f.plain...)
	}
	carried := func(w int) float64 { return s.sum(ps.ws[w].carry) }
	rp := &rounds{cut: make([]bool, n), held: make([]int, n), coldOn: -1}
	for w := range rp.held {
		rp.held[w] = -1
	}
	most := 0.0
	for w := range ps.ws {
		rp.lists = append(rp.lists, ps.ws[w].lists)
		rp.host = append(rp.host, ps.ws[w].host)
		// Files with only exclusive tests go to a worker that serves a
		// file at the last barrier: the one with the least of that file
		// left after it (set up again once the cold files are done), then
		// the least work.
		if h := ps.ws[w].host; h[len(h)-1] >= 0 && (rp.coldOn < 0 || carried(w) < carried(rp.coldOn) ||
			carried(w) == carried(rp.coldOn) && ends[w] < ends[rp.coldOn]) {
			rp.coldOn = w
		}
		most = max(most, ends[w])
	}
	return rp, ps.clock + most
}

// planRound plans one barrier span seconds of expected work ahead: every
// worker first finishes the file it has set up, then sets up a file with
// exclusive tests and runs as much of it as fits. It returns how many
// files the barrier serves.
func (s *Scheduler) planRound(ps *planState, span float64) (served int, work float64) {
	n := len(ps.ws)
	// Workers with the most left of their file choose first.
	idx := make([]int, n)
	for w := range idx {
		idx[w] = w
	}
	carried := make([]float64, n)
	for w := range ps.ws {
		carried[w] = s.sum(ps.ws[w].carry)
	}
	sort.SliceStable(idx, func(a, b int) bool { return carried[idx[a]] > carried[idx[b]] })
	ends := make([]float64, n)
	for _, w := range idx {
		pw := &ps.ws[w]
		took, rest := s.fillTo(pw.carry, span)
		if len(took) == 0 && len(rest) > 0 {
			// A test longer than the span runs anyway: the others fill
			// the round up to it below.
			took, rest = []int{rest[0]}, rest[1:]
		}
		list := took
		used := s.sum(took)
		pw.carry = rest
		host := -1
		if len(pw.carry) == 0 {
			if k := s.choose(ps.todo, span-used); k >= 0 {
				f := ps.todo[k]
				ps.todo = append(ps.todo[:k:k], ps.todo[k+1:]...)
				// Whole files without exclusive tests fill the room it leaves.
				list, used = s.fillFiles(ps, list, used, span-f.setup-s.tests[f.plain[len(f.plain)-1]].Seconds)
				room := span - used - f.setup
				if f.late {
					room = 0 // its long tests go after the barrier
				}
				took, rest := s.fillTo(f.plain, room)
				if len(took) == 0 {
					last := len(rest) - 1
					took, rest = []int{rest[last]}, rest[:last:last]
				}
				list = append(list, took...)
				used += f.setup + s.sum(took)
				pw.carry, host = rest, f.group
				served++
			}
		}
		if host < 0 && len(pw.carry) == 0 {
			list, used = s.fillFiles(ps, list, used, span)
		}
		pw.lists = append(pw.lists, list)
		pw.host = append(pw.host, host)
		ends[w] = used
	}
	most := 0.0
	for _, e := range ends {
		most = max(most, e)
	}
	// Where a long test made the round longer, the others run more of
	// what they have set up.
	for w := range ps.ws {
		pw := &ps.ws[w]
		if ends[w] < most && len(pw.carry) > 0 {
			took, rest := s.fillTo(pw.carry, most-ends[w])
			k := len(pw.lists) - 1
			pw.lists[k] = append(pw.lists[k], took...)
			pw.carry = rest
			ends[w] += s.sum(took)
		}
		ps.idle += most - ends[w]
		work += ends[w]
	}
	ps.clock += most
	return served, work
}

// fillFiles adds to list the largest files without exclusive tests that fit
// until limit, and returns it with the time used.
func (s *Scheduler) fillFiles(ps *planState, list []int, used, limit float64) ([]int, float64) {
	fits := false
	for _, f := range ps.fill {
		fits = fits || used+s.fileCost(f) <= limit
	}
	if !fits {
		return list, used
	}
	kept := ps.fill[:0:0]
	for _, f := range ps.fill {
		if used+s.fileCost(f) <= limit {
			list = append(list, f.plain...)
			used += s.fileCost(f)
		} else {
			kept = append(kept, f)
		}
	}
	ps.fill = kept
	return list, used
}

// lookaheadMost is the most files with exclusive tests for which each
// barrier's span is judged by the whole plan it leads to.
const lookaheadMost = 32

// spans are the lengths tried for the next barrier.
func (s *Scheduler) spans(ps *planState, spare float64) []float64 {
	n := len(ps.ws)
	left := 0.0
	for _, f := range ps.todo {
		left += s.fileCost(f)
	}
	for _, f := range ps.fill {
		left += s.fileCost(f)
	}
	for w := range ps.ws {
		left += s.sum(ps.ws[w].carry)
	}
	rounds := math.Ceil(float64(len(ps.todo)) / float64(n))
	base := left / float64(n) / max(rounds+spare, 1)
	if spare < 0 {
		// Keep the longest of what runs only after the last barrier
		// for there, and as much beside it.
		tail := 0.0
		for _, f := range ps.fill {
			tail = max(tail, s.fileCost(f))
		}
		base = max(left/float64(n)-tail, 0) / rounds
	}
	// The least span at which a worker can serve a file.
	least, carried := math.Inf(1), math.Inf(1)
	for _, f := range ps.todo {
		least = min(least, f.setup+s.tests[f.plain[len(f.plain)-1]].Seconds)
	}
	for w := range ps.ws {
		carried = min(carried, s.sum(ps.ws[w].carry))
	}
	spans := []float64{least + carried, 1.5 * (least + carried), 2 * (least + carried)}
	for _, f := range []float64{0.6, 0.7, 0.8, 0.9, 1, 1.15, 1.3, 1.5} {
		spans = append(spans, base*f)
	}
	for _, f := range ps.fill[:min(len(ps.fill), 4)] {
		spans = append(spans, s.fileCost(f)) // a round as long as a long test
	}
	return spans
}

// planAll plans the barriers one after another, each at the span that
// wastes the least worker time for each file it serves or, with
// lookahead, at the one whose whole plan (the rounds after it planned
// without lookahead) ends first.
func (s *Scheduler) planAll(ps *planState, spare float64, lookahead bool) {
	for len(ps.todo) > 0 {
		best, bestScore := math.Inf(1), math.Inf(1)
		for _, span := range s.spans(ps, spare) {
			next := ps.trial()
			served, work := s.planRound(next, span)
			if served == 0 {
				continue
			}
			score := (next.idle - ps.idle) / work
			if lookahead {
				s.planAll(next, spare, false)
				ends, _ := s.placeTail(next)
				score = next.clock + slices.Max(ends)
			}
			if score < bestScore {
				best, bestScore = span, score
			}
		}
		s.planRound(ps, best)
	}
}

// placeTail places the files left after the last barrier, each on the
// worker that ends first after what it has set up: it returns when each
// worker ends and, per file left, its worker.
func (s *Scheduler) placeTail(ps *planState) (ends []float64, to []int) {
	ends = make([]float64, len(ps.ws))
	for w := range ps.ws {
		ends[w] = s.sum(ps.ws[w].carry)
	}
	for _, f := range ps.fill {
		w := 0
		for x := range ends {
			if ends[x] < ends[w] {
				w = x
			}
		}
		to = append(to, w)
		ends[w] += s.fileCost(f)
	}
	return ends, to
}

func (s *Scheduler) fileCost(f *planFile) float64 { return f.setup + f.work }

func (s *Scheduler) sum(tests []int) float64 {
	t := 0.0
	for _, i := range tests {
		t += s.tests[i].Seconds
	}
	return t
}

// fillTo takes, longest first, the tests that fit in room; it returns them
// and the rest, both in the order given.
func (s *Scheduler) fillTo(tests []int, room float64) (took, rest []int) {
	if len(tests) == 0 {
		return nil, nil
	}
	// One array for both: took grows from the front, rest from the back.
	both := make([]int, len(tests))
	t, r := 0, len(tests)
	used := 0.0
	for _, i := range tests {
		if d := s.tests[i].Seconds; used+d <= room {
			both[t] = i
			t++
			used += d
		} else {
			r--
			both[r] = i
		}
	}
	took, rest = both[:t:t], both[r:]
	slices.Reverse(rest)
	if len(took) == 0 {
		took = nil
	}
	if len(rest) == 0 {
		rest = nil
	}
	return took, rest
}

// choose picks the file with exclusive tests to set up in room seconds
// before a barrier: the largest one whose set-up and shortest test fit and
// whose ordinary work fills the room, else the largest that fits, else -1.
func (s *Scheduler) choose(todo []*planFile, room float64) int {
	fits := -1
	early := false
	for _, f := range todo {
		early = early || !f.late
	}
	for k, f := range todo {
		if f.late && early {
			continue
		}
		least := f.setup + s.tests[f.plain[len(f.plain)-1]].Seconds
		if least > room {
			continue
		}
		if f.setup+f.work >= room {
			return k
		}
		if fits < 0 {
			fits = k
		}
	}
	return fits
}

// pickRound is worker w's next test under the plan, or -1.
func (s *Scheduler) pickRound(w int) int {
	rp := s.rounds
	if rp.cut[w] {
		return -1
	}
	r := rp.next
	if list := rp.lists[w][r]; len(list) > 0 {
		rp.lists[w][r] = list[1:]
		return list[0]
	}
	if r == rp.barriers() {
		return s.steal(w)
	}
	rp.cut[w] = true
	if g := rp.host[w][r]; g >= 0 && len(s.excl[g]) > 0 {
		return s.takeExclusive(g) // it waits for the barrier
	}
	if rp.held[w] > r {
		return -1 // it holds a test for a later round already
	}
	if r == rp.barriers()-1 && w == rp.coldOn && len(rp.cold) > 0 {
		return -1 // the cold files' exclusive tests follow whatever it holds
	}
	// It holds the first test it runs after the barrier: all before it runs.
	for k := r + 1; k < len(rp.lists[w]); k++ {
		if list := rp.lists[w][k]; len(list) > 0 {
			rp.lists[w][k] = list[1:]
			rp.held[w] = k
			return list[0]
		}
	}
	return -1
}

// steal gives w, out of work after the last barrier, the back half of the
// last file of the worker with the most left, when that pays for its set-up.
func (s *Scheduler) steal(w int) int {
	rp := s.rounds
	r := rp.barriers()
	victim, most := -1, 0.0
	for x := range rp.lists {
		if x != w {
			if work := s.sum(rp.lists[x][r]); work > most {
				victim, most = x, work
			}
		}
	}
	if victim < 0 {
		return -1
	}
	list := rp.lists[victim][r]
	g := s.tests[list[len(list)-1]].Group
	from := len(list)
	for from > 0 && s.tests[list[from-1]].Group == g {
		from--
	}
	if from == 0 {
		from = 1 // the first stays: the victim may hold nothing else
	}
	k, back := len(list), 0.0
	for k > from && back+s.tests[list[k-1]].Seconds <= most/2 {
		k--
		back += s.tests[list[k]].Seconds
	}
	if k == len(list) || back <= s.setup(g) {
		return -1
	}
	rp.lists[victim][r] = list[:k]
	rp.lists[w][r] = append(rp.lists[w][r], list[k+1:]...)
	return list[k]
}

// allCut: every worker has what it runs before the coming barrier.
func (s *Scheduler) allCut() bool {
	rp := s.rounds
	if rp.next == rp.barriers() {
		return false
	}
	for w := range s.workers {
		// A worker with nothing left, held or planned, waits for nothing:
		// one whose process ended for good never asks again.
		done := s.workers[w].final || len(s.workers[w].queue) == 0 && s.spent(w)
		if !rp.cut[w] && !done {
			return false
		}
	}
	return true
}

// roundBlocks lists the coming barrier's exclusive work, the cold files at
// the last one, and moves the plan past it.
func (s *Scheduler) roundBlocks() []block {
	rp := s.rounds
	var out []block
	last := rp.next == rp.barriers()-1
	for w := range s.workers {
		if g := rp.host[w][rp.next]; g >= 0 && (len(s.excl[g]) > 0 || s.workers[w].exclusive > 0) {
			out = append(out, block{w, g})
		}
		if last && w == rp.coldOn {
			// Right after its own block: its last exclusive test starts
			// once the first of these follows it.
			for _, g := range rp.cold {
				out = append(out, block{w, g})
			}
		}
	}
	rp.next++
	for w := range rp.cut {
		rp.cut[w] = false
	}
	return out
}

// spent: under the plan, w has nothing more to run or host, and what it
// holds may run now.
func (s *Scheduler) spent(w int) bool {
	rp := s.rounds
	if rp.held[w] > rp.next {
		return false
	}
	for k := rp.next; k < len(rp.lists[w]); k++ {
		if len(rp.lists[w][k]) > 0 {
			return false
		}
	}
	for k := rp.next; k < rp.barriers(); k++ {
		if g := rp.host[w][k]; g >= 0 && len(s.excl[g]) > 0 {
			return false
		}
	}
	if w == rp.coldOn {
		for _, g := range rp.cold {
			if len(s.excl[g]) > 0 {
				return false
			}
		}
	}
	return true
}

// giveBack puts tests w held back at the front of what it runs next.
func (s *Scheduler) giveBack(w int, plain []int) {
	rp := s.rounds
	rp.lists[w][rp.next] = append(plain, rp.lists[w][rp.next]...)
	rp.cut[w], rp.held[w] = false, -1
}
