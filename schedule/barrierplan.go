package schedule

import (
	"math"
	"slices"
	"sort"
)

// The barrier planner: pure functions from tests, set-up costs and workers
// to a BarrierPlan. Nothing here reads or changes a Scheduler; follow.go is
// the scheduler keeping to a plan at run time.

// BarrierPlan is made before the run for a suite with exclusive tests whose
// durations are all measured. Every file with exclusive tests is set up
// once, by one worker: it runs part of the file's ordinary tests, stops at
// a barrier, runs the file's exclusive tests while the others wait, then
// goes on with the rest of the file. A worker may stop in the middle of a
// file with its fixtures still set up, so the plan can cut every worker's
// work at the same expected time and nobody waits at a barrier.
type BarrierPlan struct {
	// Lists is, per worker, per barrier and one more for after the last,
	// the ordinary tests it runs before that barrier, in order.
	Lists [][][]int
	// Hosts is, per worker, per barrier, the file whose exclusive tests
	// it runs there, or -1.
	Hosts [][]int
	// Cold are the files with only exclusive tests, in order: worker
	// ColdOn sets them up at the last barrier, right after its own file's
	// exclusive tests. ColdOn is -1 where no worker serves a file there.
	Cold   []int
	ColdOn int
}

// Barriers is how many barriers the plan has.
func (bp *BarrierPlan) Barriers() int { return len(bp.Hosts[0]) }

// barrierPlanMost is the most tests a barrier plan is made for: making it,
// and replaying it to see whether it pays, grow with the suite.
const barrierPlanMost = 20000

// lookaheadMost is the most files with exclusive tests for which each
// barrier's span is judged by the whole plan it leads to.
const lookaheadMost = 32

// PlanBarriers plans the barriers for tests on workers workers, setup
// being each file's set-up cost (missing files cost nothing). It returns
// nil where a plan does not apply: one worker, tests nobody measured,
// locks or slots, no file with both exclusive and ordinary tests, or more
// than barrierPlanMost tests. It tries barriers at several spacings and
// keeps the plan with the least expected time.
func PlanBarriers(tests []Test, setup []float64, workers int) *BarrierPlan {
	if workers < 2 || len(tests) > barrierPlanMost {
		return nil
	}
	p := barrierPlanner{tests: tests, setup: setup, workers: workers}
	files, ok := p.files()
	if !ok {
		return nil
	}
	hosted, plain, lateHosted, latePlain := p.sortFiles(files)
	if len(hosted) == 0 {
		return nil
	}
	var best *BarrierPlan
	bestSpan := math.Inf(1)
	spares := []float64{-1, 0, 1, 2, 4, 8}
	if len(hosted) <= lookaheadMost {
		spares = []float64{0, 2} // each span is judged by the whole plan: fewer tries do
	}
	for _, spare := range spares {
		bp, span := p.plan(hosted, plain, spare)
		if span < bestSpan {
			best, bestSpan = bp, span
		}
		if len(latePlain) == len(plain) {
			continue // no long test: both ways are the same
		}
		bp, span = p.plan(lateHosted, latePlain, spare)
		if span < bestSpan {
			best, bestSpan = bp, span
		}
	}
	best.Cold = files.cold
	return best
}

// barrierPlanner holds what the planner reads; nothing in it changes.
type barrierPlanner struct {
	tests   []Test
	setup   []float64
	workers int
}

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

func (f *planFile) cost() float64 { return f.setup + f.work }

// suiteFiles are the suite's files as the planner sees them.
type suiteFiles struct {
	byGroup   map[int]*planFile // files with ordinary tests
	order     []int             // their groups, in test order
	exclusive map[int]int       // per group, how many exclusive tests it has
	cold      []int             // groups with only exclusive tests, in order
}

// files sorts the tests into files; ok is false where a test is not
// measured, holds a lock or takes slots short of every worker's.
func (p barrierPlanner) files() (sf suiteFiles, ok bool) {
	sf = suiteFiles{byGroup: map[int]*planFile{}, exclusive: map[int]int{}}
	for i, t := range p.tests {
		if !t.Known || len(t.Locks) > 0 || t.Slots > 1 && !t.Alone(p.workers) {
			return sf, false
		}
		if t.Alone(p.workers) {
			sf.exclusive[t.Group]++
			continue
		}
		f := sf.byGroup[t.Group]
		if f == nil {
			f = &planFile{group: t.Group, setup: setupOf(p.setup, t.Group)}
			sf.byGroup[t.Group] = f
			sf.order = append(sf.order, t.Group)
		}
		f.plain = append(f.plain, i)
		f.work += t.Seconds
	}
	for g := range sf.exclusive {
		if sf.byGroup[g] == nil {
			sf.cold = append(sf.cold, g)
		}
	}
	sort.Ints(sf.cold)
	return sf, true
}

// sortFiles orders each file's ordinary tests longest first and parts the
// files: those with exclusive tests are hosted at a barrier, the others
// fill the room around them. A long test would hold a barrier back; there
// are two ways out, and both are returned for trying: it runs on its own,
// as a file of its own, and pays the set-up again (hosted, plain), or its
// file is served at the last barrier (lateHosted, latePlain).
func (p barrierPlanner) sortFiles(sf suiteFiles) (hosted, plain, lateHosted, latePlain []*planFile) {
	total := 0.0
	for _, g := range sf.order {
		total += sf.byGroup[g].cost()
	}
	share := total / float64(p.workers)
	for _, g := range sf.order {
		f := sf.byGroup[g]
		sort.SliceStable(f.plain, func(a, b int) bool { return p.tests[f.plain[a]].Seconds > p.tests[f.plain[b]].Seconds })
		if sf.exclusive[g] == 0 {
			plain = append(plain, f)
			latePlain = append(latePlain, f)
			continue
		}
		long := func(i int) bool { d := p.tests[i].Seconds; return d > share/8 && d > f.setup }
		whole := *f
		whole.late = len(f.plain) > 1 && long(f.plain[0])
		lateHosted = append(lateHosted, &whole)
		for len(f.plain) > 1 && long(f.plain[0]) {
			i := f.plain[0]
			plain = append(plain, &planFile{group: g, setup: f.setup, plain: []int{i}, work: p.tests[i].Seconds})
			f.plain, f.work = f.plain[1:], f.work-p.tests[i].Seconds
		}
		hosted = append(hosted, f)
	}
	return hosted, plain, lateHosted, latePlain
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

// plan plans the barriers one after another, trying for each several
// lengths around the work left divided among the barriers still needed
// plus spare more (see planRounds). It returns the plan and its expected
// length, exclusive tests not counted.
func (p barrierPlanner) plan(hosted, plain []*planFile, spare float64) (*BarrierPlan, float64) {
	ps := &planState{ws: make([]planWorker, p.workers)}
	ps.todo = append(ps.todo, hosted...)
	sort.SliceStable(ps.todo, func(a, b int) bool { return ps.todo[a].cost() > ps.todo[b].cost() })
	ps.fill = append(ps.fill, plain...)
	sort.SliceStable(ps.fill, func(a, b int) bool { return ps.fill[a].cost() > ps.fill[b].cost() })
	p.planRounds(ps, spare, len(hosted) <= lookaheadMost)
	// After the last barrier: what each has set up, then the other files.
	ends, to := p.placeTail(ps)
	for w := range ps.ws {
		ps.ws[w].lists = append(ps.ws[w].lists, ps.ws[w].carry)
	}
	for k, f := range ps.fill {
		list := &ps.ws[to[k]].lists[len(ps.ws[to[k]].lists)-1]
		*list = append(*list, f.plain...)
	}
	carried := func(w int) float64 { return p.sum(ps.ws[w].carry) }
	bp := &BarrierPlan{ColdOn: -1}
	most := 0.0
	for w := range ps.ws {
		bp.Lists = append(bp.Lists, ps.ws[w].lists)
		bp.Hosts = append(bp.Hosts, ps.ws[w].host)
		// Files with only exclusive tests go to a worker that serves a
		// file at the last barrier: the one with the least of that file
		// left after it (set up again once the cold files are done), then
		// the least work.
		if h := ps.ws[w].host; h[len(h)-1] >= 0 && (bp.ColdOn < 0 || carried(w) < carried(bp.ColdOn) ||
			carried(w) == carried(bp.ColdOn) && ends[w] < ends[bp.ColdOn]) {
			bp.ColdOn = w
		}
		most = max(most, ends[w])
	}
	return bp, ps.clock + most
}

// planRounds plans the barriers one after another, each at the span that
// wastes the least worker time for each file it serves or, with
// lookahead, at the one whose whole plan (the rounds after it planned
// without lookahead) ends first.
func (p barrierPlanner) planRounds(ps *planState, spare float64, lookahead bool) {
	for len(ps.todo) > 0 {
		best, bestScore := math.Inf(1), math.Inf(1)
		for _, span := range p.spans(ps, spare) {
			next := ps.trial()
			served, work := p.planRound(next, span)
			if served == 0 {
				continue
			}
			score := (next.idle - ps.idle) / work
			if lookahead {
				p.planRounds(next, spare, false)
				ends, _ := p.placeTail(next)
				score = next.clock + slices.Max(ends)
			}
			if score < bestScore {
				best, bestScore = span, score
			}
		}
		p.planRound(ps, best)
	}
}

// spans are the lengths tried for the next round, the work before the
// next barrier.
func (p barrierPlanner) spans(ps *planState, spare float64) []float64 {
	n := len(ps.ws)
	left := 0.0
	for _, f := range ps.todo {
		left += f.cost()
	}
	for _, f := range ps.fill {
		left += f.cost()
	}
	for w := range ps.ws {
		left += p.sum(ps.ws[w].carry)
	}
	rounds := math.Ceil(float64(len(ps.todo)) / float64(n))
	base := left / float64(n) / max(rounds+spare, 1)
	if spare < 0 {
		// Keep the longest of what runs only after the last barrier
		// for there, and as much beside it.
		tail := 0.0
		for _, f := range ps.fill {
			tail = max(tail, f.cost())
		}
		base = max(left/float64(n)-tail, 0) / rounds
	}
	// The least span at which a worker can serve a file.
	least, carried := math.Inf(1), math.Inf(1)
	for _, f := range ps.todo {
		least = min(least, f.setup+p.tests[f.plain[len(f.plain)-1]].Seconds)
	}
	for w := range ps.ws {
		carried = min(carried, p.sum(ps.ws[w].carry))
	}
	spans := []float64{least + carried, 1.5 * (least + carried), 2 * (least + carried)}
	for _, f := range []float64{0.6, 0.7, 0.8, 0.9, 1, 1.15, 1.3, 1.5} {
		spans = append(spans, base*f)
	}
	for _, f := range ps.fill[:min(len(ps.fill), 4)] {
		spans = append(spans, f.cost()) // a round as long as a long test
	}
	return spans
}

// planRound plans one barrier span seconds of expected work ahead: every
// worker first finishes the file it has set up, then sets up a file with
// exclusive tests and runs as much of it as fits. It returns how many
// files the barrier serves and the work planned before it.
func (p barrierPlanner) planRound(ps *planState, span float64) (served int, work float64) {
	n := len(ps.ws)
	// Workers with the most left of their file choose first.
	idx := make([]int, n)
	for w := range idx {
		idx[w] = w
	}
	carried := make([]float64, n)
	for w := range ps.ws {
		carried[w] = p.sum(ps.ws[w].carry)
	}
	sort.SliceStable(idx, func(a, b int) bool { return carried[idx[a]] > carried[idx[b]] })
	ends := make([]float64, n)
	for _, w := range idx {
		pw := &ps.ws[w]
		took, rest := p.fillTo(pw.carry, span)
		if len(took) == 0 && len(rest) > 0 {
			// A test longer than the span runs anyway: the others fill
			// the round up to it below.
			took, rest = []int{rest[0]}, rest[1:]
		}
		list, used := took, p.sum(took)
		pw.carry = rest
		host := -1
		if len(pw.carry) == 0 {
			list, used, host = p.host(ps, pw, list, used, span)
		}
		if host >= 0 {
			served++
		} else if len(pw.carry) == 0 {
			list, used = p.fillFiles(ps, list, used, span)
		}
		pw.lists = append(pw.lists, list)
		pw.host = append(pw.host, host)
		ends[w] = used
	}
	return served, p.evenOut(ps, ends)
}

// evenOut ends the round planned last when its longest worker does, ends
// being when each would: where a long test made the round longer, the
// others run more of what they have set up. It returns the work planned.
func (p barrierPlanner) evenOut(ps *planState, ends []float64) (work float64) {
	most := 0.0
	for _, e := range ends {
		most = max(most, e)
	}
	for w := range ps.ws {
		pw := &ps.ws[w]
		if ends[w] < most && len(pw.carry) > 0 {
			took, rest := p.fillTo(pw.carry, most-ends[w])
			k := len(pw.lists) - 1
			pw.lists[k] = append(pw.lists[k], took...)
			pw.carry = rest
			ends[w] += p.sum(took)
		}
		ps.idle += most - ends[w]
		work += ends[w]
	}
	ps.clock += most
	return work
}

// host has pw, its own file done with used seconds of the round gone,
// set up a file with exclusive tests for the coming barrier, whole files
// without exclusive tests before it where they fit, and run as much of
// the file as fits. It returns the round's list, the time used and the
// file hosted, -1 where none fits.
func (p barrierPlanner) host(ps *planState, pw *planWorker, list []int, used, span float64) ([]int, float64, int) {
	k := p.choose(ps.todo, span-used)
	if k < 0 {
		return list, used, -1
	}
	f := ps.todo[k]
	ps.todo = append(ps.todo[:k:k], ps.todo[k+1:]...)
	list, used = p.fillFiles(ps, list, used, span-f.setup-p.tests[f.plain[len(f.plain)-1]].Seconds)
	room := span - used - f.setup
	if f.late {
		room = 0 // its long tests go after the barrier
	}
	took, rest := p.fillTo(f.plain, room)
	if len(took) == 0 {
		last := len(rest) - 1
		took, rest = []int{rest[last]}, rest[:last:last]
	}
	list = append(list, took...)
	used += f.setup + p.sum(took)
	pw.carry = rest
	return list, used, f.group
}

// fillFiles adds to list the largest files without exclusive tests that fit
// until limit, and returns it with the time used.
func (p barrierPlanner) fillFiles(ps *planState, list []int, used, limit float64) ([]int, float64) {
	fits := false
	for _, f := range ps.fill {
		fits = fits || used+f.cost() <= limit
	}
	if !fits {
		return list, used
	}
	kept := ps.fill[:0:0]
	for _, f := range ps.fill {
		if used+f.cost() <= limit {
			list = append(list, f.plain...)
			used += f.cost()
		} else {
			kept = append(kept, f)
		}
	}
	ps.fill = kept
	return list, used
}

// placeTail places the files left after the last barrier, each on the
// worker that ends first after what it has set up: it returns when each
// worker ends and, per file left, its worker.
func (p barrierPlanner) placeTail(ps *planState) (ends []float64, to []int) {
	ends = make([]float64, len(ps.ws))
	for w := range ps.ws {
		ends[w] = p.sum(ps.ws[w].carry)
	}
	for _, f := range ps.fill {
		w := 0
		for x := range ends {
			if ends[x] < ends[w] {
				w = x
			}
		}
		to = append(to, w)
		ends[w] += f.cost()
	}
	return ends, to
}

func (p barrierPlanner) sum(list []int) float64 { return sumSeconds(p.tests, list) }

// sumSeconds adds up the expected seconds of the tests in list.
func sumSeconds(tests []Test, list []int) float64 {
	t := 0.0
	for _, i := range list {
		t += tests[i].Seconds
	}
	return t
}

// fillTo takes, longest first, the tests that fit in room; it returns them
// and the rest, both in the order given.
func (p barrierPlanner) fillTo(tests []int, room float64) (took, rest []int) {
	if len(tests) == 0 {
		return nil, nil
	}
	// One array for both: took grows from the front, rest from the back.
	both := make([]int, len(tests))
	t, r := 0, len(tests)
	used := 0.0
	for _, i := range tests {
		if d := p.tests[i].Seconds; used+d <= room {
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
func (p barrierPlanner) choose(todo []*planFile, room float64) int {
	fits := -1
	early := false
	for _, f := range todo {
		early = early || !f.late
	}
	for k, f := range todo {
		if f.late && early {
			continue
		}
		least := f.setup + p.tests[f.plain[len(f.plain)-1]].Seconds
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
