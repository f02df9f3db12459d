package schedule

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
	if s.listed != nil {
		return s.nextListed(w)
	}
	s.advance()
	start := len(wk.queue)
	if s.quiet(w) {
		wk.since = now // what it holds starts once it gets more
	}
	switch {
	case s.phase == draining:
		if s.following == nil {
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
	case s.following != nil:
		if s.phase == running && s.spent(w) && s.mayEnd(w) {
			wk.final = true
		}
		s.advance()
	case len(wk.queue) > 0 && s.allQuiet(-1) && s.phase == running && s.mayRunTail(w):
		// Nobody runs anything and nothing can be handed out: were this
		// worker to wait for a successor, the run would stop here. One
		// kept quiet for a heavy test waits for it: the heavy test's
		// worker goes on once all it waits for are quiet.
		wk.final = true
	}
	return out, wk.final
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
		if s.heavy != nil && s.heavy.worker == w && len(s.heavy.quiet) < t.Slots-1 {
			s.release() // w keeps more workers quiet for this one
		}
		if s.heavy == nil {
			s.reserve(w, i)
		}
		return false
	}
	return true
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
	if s.following != nil || s.listed != nil || s.left == 0 || len(s.special) > 0 || len(s.warmup) > 0 || s.phase != running {
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
	if s.following != nil {
		return s.pickPlanned(w)
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
