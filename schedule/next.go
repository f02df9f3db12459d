package schedule

import "sort"

// maxHold bounds how many tests one worker holds, however short they are.
const maxHold = 64

// Next gives worker w the tests it should take at now. final says it will
// get nothing more: it may run the last test it holds.
func (s *Scheduler) Next(w int, now float64) (tests []int, final bool) {
	s.now = now
	wk := &s.workers[w]
	if wk.final {
		return nil, true
	}
	s.advance()
	start := len(wk.queue)
	if s.quiet(w) {
		wk.since = now // what it holds starts once it gets more
	}
	switch {
	case s.phase == draining:
		if s.rounds == nil {
			s.joinBarrier(w)
		}
	case s.phase == exclusive:
		if w == s.blocks[0].worker {
			s.growBlock(w)
		}
	case s.mayRunTail(w):
		s.grow(w)
	}
	out := append([]int(nil), wk.queue[start:]...)
	switch {
	case len(out) > 0:
	case s.left == 0 && s.mayEnd(w):
		wk.final = true
	case s.rounds != nil:
		if s.phase == running && s.spent(w) && s.mayEnd(w) {
			wk.final = true
		}
		s.advance()
	case len(wk.queue) > 0 && s.allQuiet(-1) && s.phase == running:
		// Nobody runs anything and nothing can be handed out: were this
		// worker to wait for a successor, the run would stop here.
		wk.final = true
	}
	return out, wk.final
}

// joinBarrier lets a worker with no file in progress set up a file with
// exclusive tests while others drain, so the coming barrier serves it too,
// where its last test is not longer than the wait anyway.
func (s *Scheduler) joinBarrier(w int) {
	wk := &s.workers[w]
	if wk.reserved || wk.exclusive > 0 || wk.seg != nil && len(wk.seg.items) > 0 {
		return
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

// mayRunTail: in the running phase, whether w's last test may start once
// another follows it.
func (s *Scheduler) mayRunTail(w int) bool {
	q := s.workers[w].queue
	if s.workers[w].reserved || len(q) > 0 && s.tests[q[len(q)-1]].Exclusive {
		return false // an exclusive test waits for the barrier
	}
	r := s.heavy
	if r == nil || r.worker != w {
		return true
	}
	for _, q := range r.quiet {
		if !s.quiet(q) {
			return false
		}
	}
	return true
}

// mayEnd: whether w may be told nothing more comes, which starts its last test.
func (s *Scheduler) mayEnd(w int) bool {
	switch {
	case len(s.workers[w].queue) == 0:
		return true
	case s.phase == running:
		return s.mayRunTail(w)
	case s.phase == exclusive:
		// Its last test runs at once: only an exclusive one of its own
		// block, or anything once no other block follows.
		q := s.workers[w].queue
		return w == s.blocks[0].worker && (len(s.blocks) == 1 || s.tests[q[len(q)-1]].Exclusive)
	}
	return false
}

// grow adds tests to w's queue while it wants more and may take them.
func (s *Scheduler) grow(w int) {
	if !s.wants(w, s.cfg.Window/2) {
		return // refilled once half its window is used: one message for many tests
	}
	for s.wants(w, s.cfg.Window) {
		i := s.pick(w)
		if i < 0 {
			return
		}
		if !s.take(w, i) {
			return
		}
	}
}

// take gives w test i and says whether more may follow it now: an
// exclusive test waits for a barrier, a heavy one for its slots.
func (s *Scheduler) take(w, i int) bool {
	s.give(w, i)
	t := s.tests[i]
	switch {
	case t.Exclusive:
		s.advance()
		return false
	case t.Slots > 1:
		if s.heavy == nil {
			s.reserve(w, i)
		}
		return false
	}
	return true
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

// wants: a worker holds its running test, the next, and after them at
// least window seconds of expected work, to cover the round trip to shoal.
func (s *Scheduler) wants(w int, window float64) bool {
	q := s.workers[w].queue
	if len(q) == 1 && s.fewLeft(w) {
		s.workers[w].final = true // the idle workers take the rest
		return false
	}
	if len(q) < 2 {
		return true
	}
	if len(q) >= maxHold {
		return false
	}
	work := 0.0
	for _, i := range q[1:] {
		work += s.expected(i)
	}
	return work < window
}

// fewLeft: what is left is ordinary tests of other files, no more than the
// workers that hold nothing, so w should run its test alone and end. The
// rest of its own file stays with it: that keeps the file's fixtures set
// up once, and keeps -x as close to pytest's as parallel runs allow.
func (s *Scheduler) fewLeft(w int) bool {
	if s.rounds != nil || s.left == 0 || len(s.special) > 0 || len(s.warmup) > 0 || s.phase != running {
		return false
	}
	if seg := s.workers[w].seg; seg != nil && len(seg.items) > 0 {
		return false
	}
	for _, list := range s.excl {
		if len(list) > 0 {
			return false
		}
	}
	idle := 0
	for x := range s.workers {
		if x != w && len(s.workers[x].queue) == 0 && !s.workers[x].final && !s.workers[x].reserved {
			idle++
		}
	}
	return s.left <= idle
}

func (s *Scheduler) give(w, i int) {
	wk := &s.workers[w]
	wk.queue = append(wk.queue, i)
	s.left--
	if s.tests[i].Exclusive {
		wk.exclusive++
	}
	for _, key := range s.tests[i].Locks {
		h := s.held[key]
		if h == nil {
			h = make([]int, len(s.workers))
			s.held[key] = h
		}
		h[w]++
	}
}

// pick chooses w's next test, or -1.
func (s *Scheduler) pick(w int) int {
	if s.rounds != nil {
		return s.pickRound(w)
	}
	wk := &s.workers[w]
	if wk.seg != nil && len(wk.seg.items) > 0 {
		return s.takeFrom(wk.seg)
	}
	if g, ok := s.warm(w); ok && len(s.excl[g]) > 0 {
		if !s.hasPlain(g) {
			return s.takeExclusive(g)
		}
		// Its file is set up here: wait for a barrier now rather than set
		// it up again later, unless the wait would cost more.
		if _, kept := s.warmup[g]; kept && !s.hasOtherPlain(g) && s.drainLeft() <= s.setup(g)+s.cfg.Window {
			return s.lastWarmup(g)
		}
	}
	if i := s.takeSpecial(w); i >= 0 {
		return i
	}
	if seg := s.untouchedOf(w); seg != nil {
		wk.seg = seg
		seg.started = true
		return s.takeFrom(seg)
	}
	if seg := s.untouched(w, s.runnable(w)+s.tailWork(w) >= max(s.cfg.Window, s.share/8)); seg != nil {
		wk.seg = seg
		seg.started = true
		return s.takeFrom(seg)
	}
	if seg := s.split(false); seg != nil {
		wk.seg = seg
		return s.takeFrom(seg)
	}
	if i := s.takeWarmup(w); i >= 0 {
		return i
	}
	if cold := s.coldGroups(); len(cold) > 0 {
		return s.takeExclusive(cold[0])
	}
	return -1
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

// hasOtherPlain: group g has ordinary tests left besides its warm-up.
func (s *Scheduler) hasOtherPlain(g int) bool {
	for _, seg := range s.segs {
		if seg.group == g && len(seg.items) > 0 {
			return true
		}
	}
	return false
}

func (s *Scheduler) takeFrom(seg *segment) int {
	i := seg.items[0]
	seg.items = seg.items[1:]
	s.addWork(seg, i, -1)
	return i
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

// takeSpecial takes the longest test with locks or slots that w may hold now.
func (s *Scheduler) takeSpecial(w int) int {
	for k, i := range s.special {
		t := s.tests[i]
		if t.Slots > 1 && s.heavy != nil && (s.heavy.worker != w || t.Slots-1 > len(s.heavy.quiet)) {
			continue
		}
		if !s.locksFree(w, t.Locks) {
			continue
		}
		s.special = append(s.special[:k], s.special[k+1:]...)
		return i
	}
	return -1
}

// locksFree: no key is held by its limit of other workers.
func (s *Scheduler) locksFree(w int, keys []string) bool {
	for _, key := range keys {
		limit := 1
		if n, ok := s.cfg.Limits[key]; ok {
			limit = n
		}
		holders := 0
		for x, n := range s.held[key] {
			if x != w && n > 0 {
				holders++
			}
		}
		if holders >= limit {
			return false
		}
	}
	return true
}

// untouchedOf is a part of the file w has set up that nobody started (a
// kept test freed after its file's exclusive tests): no set-up to pay.
func (s *Scheduler) untouchedOf(w int) *segment {
	g, ok := s.warm(w)
	if !ok {
		return nil
	}
	for _, seg := range s.segs {
		if seg.group == g && !seg.started && len(seg.items) > 0 {
			return seg
		}
	}
	return nil
}

func (s *Scheduler) tailWork(w int) float64 {
	q := s.workers[w].queue
	if len(q) == 0 || s.workers[w].final {
		return 0
	}
	return s.expected(q[len(q)-1])
}

// untouched is the next file nobody started: the one with the most work,
// or w's own (imported there already) when it has at least half as much.
// A busy worker only needs a test to follow what it runs: it takes the file
// with the least work, and the long ones stay for workers that are free.
func (s *Scheduler) untouched(w int, busy bool) *segment {
	if busy {
		for k := len(s.segs) - 1; k >= 0; k-- {
			if seg := s.segs[k]; !seg.started && len(seg.items) > 0 {
				return seg
			}
		}
		return nil
	}
	var best *segment
	for _, seg := range s.segs {
		if seg.started || len(seg.items) == 0 {
			continue
		}
		if best == nil {
			best = seg
			if s.owner(seg.group) == w {
				return seg
			}
			continue
		}
		if s.owner(seg.group) == w && s.cost(seg) >= s.cost(best)/2 {
			return seg
		}
	}
	return best
}

func (s *Scheduler) cost(seg *segment) float64 { return s.setup(seg.group) + s.work(seg) }

// split cuts the file with the most work left in two and returns the back
// half, when doing half elsewhere, set-up included, ends sooner, or always
// when forced.
func (s *Scheduler) split(force bool) *segment {
	var best *segment
	for _, seg := range s.segs {
		if len(seg.items) > 0 && (best == nil || s.work(seg) > s.work(best)) {
			best = seg
		}
	}
	if best == nil {
		return nil
	}
	setup := s.setup(best.group)
	if len(best.items) == 1 {
		if s.work(best) <= setup && !force {
			return nil
		}
		return s.cut(best, 0)
	}
	if s.work(best)/2 <= setup && !force {
		return nil
	}
	acc, k := 0.0, len(best.items)
	for k > 1 && acc+s.expected(best.items[k-1]) <= s.work(best)/2 {
		k--
		acc += s.expected(best.items[k])
	}
	if k == len(best.items) {
		k--
	}
	return s.cut(best, k)
}

// cut moves seg's items from k on into a new, started segment.
func (s *Scheduler) cut(seg *segment, k int) *segment {
	back := s.newSegment(seg.group, append([]int(nil), seg.items[k:]...))
	back.started = true
	for _, i := range back.items {
		s.addWork(seg, i, -1)
	}
	seg.items = seg.items[:k]
	s.segs = append(s.segs, back)
	return back
}

// reserve keeps slots-1 other workers quiet for heavy test i on w: the ones
// with least work in hand.
func (s *Scheduler) reserve(w, i int) {
	need := s.tests[i].Slots - 1
	var others []int
	for x := range s.workers {
		if x != w {
			others = append(others, x)
		}
	}
	held := func(x int) float64 {
		work := 0.0
		for _, j := range s.workers[x].queue {
			work += s.expected(j)
		}
		return work
	}
	sort.SliceStable(others, func(a, b int) bool { return held(others[a]) < held(others[b]) })
	r := &reservation{worker: w, quiet: others[:min(need, len(others))]}
	for _, q := range r.quiet {
		s.workers[q].reserved = true
	}
	s.heavy = r
}
