package schedule

import (
	"sort"
)

// Exclusive tests at run time: the phases of a barrier, who runs which file's
// exclusive tests in turn, and the files kept aside to set up before them.

type phase int

const (
	running   phase = iota
	draining        // an exclusive test waits: nobody gets more until all are quiet
	exclusive       // one worker at a time runs its exclusive tests
)

// block is one worker running one group's exclusive tests while all others wait.
type block struct{ worker, group int }

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
			if s.following != nil && !s.allCut() {
				return
			}
			if s.following == nil && (!s.waiting() || s.drainLeft() > s.cfg.Window*drainWindows) {
				return
			}
			s.phase = draining
		case draining:
			if !s.allQuiet(-1) {
				return
			}
			if s.following != nil {
				s.phase, s.blocks = exclusive, s.plannedBlocks()
			} else {
				s.phase, s.blocks = exclusive, s.barrierBlocks()
			}
		case exclusive:
			for len(s.blocks) > 0 {
				b := s.blocks[0]
				// A worker that ended is done with its block once it runs
				// no exclusive test: what a crash gave back to the group
				// waits for another barrier.
				ended := s.workers[b.worker].final && s.workers[b.worker].exclusive == 0
				if !ended && (len(s.excl[b.group]) > 0 || s.workers[b.worker].exclusive > 0) {
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

// joinBarrier lets a worker with no file in progress set up a file with
// exclusive tests while others drain, so the coming barrier serves it too,
// where its last test is not longer than the wait anyway.
func (s *Scheduler) joinBarrier(w int) {
	wk := &s.workers[w]
	if !s.mayRunTail(w) || wk.exclusive > 0 || wk.seg != nil && len(wk.seg.items) > 0 {
		return // kept quiet, or its heavy test waits for its slots
	}
	if len(wk.queue) > 0 && s.expected(wk.queue[len(wk.queue)-1]) > s.draining(w) {
		return
	}
	i := s.takeWarmup(w)
	if i < 0 {
		return
	}
	s.give(w, i)
	if e := s.pick(w); e >= 0 {
		s.take(w, e)
	}
}

// draining is the most expected work any other worker has yet to run.
func (s *Scheduler) draining(w int) float64 {
	most := 0.0
	for x := range s.workers {
		q := s.workers[x].queue
		if x == w || len(q) == 0 || len(q) < 2 && !s.workers[x].final {
			continue
		}
		work := 0.0
		for _, i := range q[:len(q)-1] {
			work += s.expected(i)
		}
		if s.workers[x].final {
			work += s.expected(q[len(q)-1])
		}
		most = max(most, work)
	}
	return most
}

// growBlock runs the barrier's current block on w: its group's exclusive
// tests in one go, then a single test after the last of them, which lets
// that one start; nothing may follow before the block is over.
func (s *Scheduler) growBlock(w int) {
	b := s.blocks[0]
	if len(s.excl[b.group]) > 0 {
		for len(s.excl[b.group]) > 0 {
			s.give(w, s.takeExclusive(b.group))
		}
		return
	}
	if len(s.workers[w].queue) == 1 && s.workers[w].exclusive > 0 {
		for _, next := range s.blocks[1:] {
			if len(s.excl[next.group]) == 0 {
				continue // handed out already
			}
			if next.worker == w {
				// Its next block follows at once: the first of those
				// tests lets its last one start.
				s.give(w, s.takeExclusive(next.group))
				return
			}
			break
		}
		i := s.pick(w)
		if i < 0 {
			// Its last exclusive test cannot start without a successor:
			// take one even where a split does not pay for its set-up.
			if seg := s.split(true); seg != nil {
				s.workers[w].seg = seg
				i = s.takeFrom(seg)
			}
		}
		if i < 0 {
			// Nothing is left that it may take: what remains waits for
			// other workers' blocks. It ends, which runs its last test.
			s.workers[w].final = true
			return
		}
		s.take(w, i)
	}
}

// barrierBlocks lists the exclusive work of a barrier placed as the run
// goes: first the workers that
// hold exclusive tests, then every worker in a file with exclusive tests left
// whose last test is short (it runs while all wait), then files that ordinary
// tests will never set up, on the last of those workers.
func (s *Scheduler) barrierBlocks() []block {
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

// takeWarmup starts a file's way to its exclusive tests, once there is no
// other work: the file w is in, else one w imported, else the first.
func (s *Scheduler) takeWarmup(w int) int {
	best := -1
	for g := range s.warmup {
		if len(s.excl[g]) == 0 || s.hasOtherPlain(g) {
			continue
		}
		if h, ok := s.warm(w); ok && h == g {
			best = g
			break
		}
		if best < 0 || s.warmupBefore(w, g, best) {
			best = g
		}
	}
	if best < 0 {
		return -1
	}
	return s.lastWarmup(best)
}

func (s *Scheduler) lastWarmup(g int) int {
	i := s.warmup[g]
	delete(s.warmup, g)
	return i
}

// warmupBefore orders files waiting for a barrier: those w imported, then
// the largest set-up first, so the barriers that a long test hides take the
// dearest ones and later rounds wait less.
func (s *Scheduler) warmupBefore(w, g, h int) bool {
	if (s.owner(g) == w) != (s.owner(h) == w) {
		return s.owner(g) == w
	}
	if sg, sh := s.setup(g), s.setup(h); sg != sh {
		return sg > sh
	}
	return g < h
}

func (s *Scheduler) takeExclusive(g int) int {
	i := s.excl[g][0]
	s.excl[g] = s.excl[g][1:]
	if len(s.excl[g]) == 0 {
		s.releaseWarmup(g)
	}
	return i
}

// releaseWarmup makes a file's kept test ordinary work again once its
// exclusive tests are handed out.
func (s *Scheduler) releaseWarmup(g int) {
	i, ok := s.warmup[g]
	if !ok {
		return
	}
	delete(s.warmup, g)
	s.segs = append(s.segs, s.newSegment(g, []int{i}))
}
