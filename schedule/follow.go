package schedule

// The scheduler keeping to a BarrierPlan at run time: between barriers it
// hands each worker the tests the plan lists for it; after the last one, a
// worker that runs out takes the back of another's file when that pays for
// the set-up. A crash gives a worker's tests back to the front of its list.

// following is where the run stands in the plan it follows.
type following struct {
	// The plan, with lists of its own that the run uses up.
	BarrierPlan
	next int    // the coming barrier; Barriers() once all are past
	cut  []bool // per worker: it has all it runs before the coming barrier
	// held: per worker, the list its last test comes from, -1 for none.
	// One from after the coming barrier keeps it from running before.
	held []int
}

// newFollowing starts following bp, which stays as it is.
func newFollowing(bp *BarrierPlan) *following {
	fp := &following{BarrierPlan: *bp, cut: make([]bool, len(bp.Lists)), held: make([]int, len(bp.Lists))}
	fp.Lists = make([][][]int, len(bp.Lists))
	for w, lists := range bp.Lists {
		fp.Lists[w] = make([][]int, len(lists))
		for k, list := range lists {
			fp.Lists[w][k] = append([]int(nil), list...)
		}
		fp.held[w] = -1
	}
	return fp
}

// follow makes the scheduler follow a barrier plan.
func (s *Scheduler) follow(bp *BarrierPlan) {
	s.following, s.segs, s.warmup = newFollowing(bp), nil, map[int]int{}
}

// PlannedBarriers is how many barriers for exclusive tests the scheduler
// planned before the run, 0 where it places them as the run goes.
func (s *Scheduler) PlannedBarriers() int {
	if s.following == nil {
		return 0
	}
	return s.following.Barriers()
}

// pickPlanned is worker w's next test under the plan, or -1.
func (s *Scheduler) pickPlanned(w int) int {
	fp := s.following
	if fp.cut[w] {
		return -1
	}
	r := fp.next
	if list := fp.Lists[w][r]; len(list) > 0 {
		fp.Lists[w][r] = list[1:]
		return list[0]
	}
	if r == fp.Barriers() {
		return s.steal(w)
	}
	fp.cut[w] = true
	if g := fp.Hosts[w][r]; g >= 0 && len(s.excl[g]) > 0 {
		return s.takeExclusive(g) // it waits for the barrier
	}
	if fp.held[w] > r {
		return -1 // it holds a test for a later round already
	}
	if r == fp.Barriers()-1 && w == fp.ColdOn && len(fp.Cold) > 0 {
		return -1 // the cold files' exclusive tests follow whatever it holds
	}
	// It holds the first test it runs after the barrier: all before it runs.
	for k := r + 1; k < len(fp.Lists[w]); k++ {
		if list := fp.Lists[w][k]; len(list) > 0 {
			fp.Lists[w][k] = list[1:]
			fp.held[w] = k
			return list[0]
		}
	}
	return -1
}

// steal gives w, out of work after the last barrier, the back half of the
// last file of the worker with the most left, when that pays for its set-up.
func (s *Scheduler) steal(w int) int {
	fp := s.following
	r := fp.Barriers()
	victim, most := -1, 0.0
	for x := range fp.Lists {
		if x != w {
			if work := sumSeconds(s.tests, fp.Lists[x][r]); work > most {
				victim, most = x, work
			}
		}
	}
	if victim < 0 {
		return -1
	}
	list := fp.Lists[victim][r]
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
	fp.Lists[victim][r] = list[:k]
	fp.Lists[w][r] = append(fp.Lists[w][r], list[k+1:]...)
	return list[k]
}

// allCut: every worker has what it runs before the coming barrier.
func (s *Scheduler) allCut() bool {
	fp := s.following
	if fp.next == fp.Barriers() {
		return false
	}
	for w := range s.workers {
		// A worker with nothing left, held or planned, waits for nothing:
		// one whose process ended for good never asks again.
		done := s.workers[w].final || len(s.workers[w].queue) == 0 && s.spent(w)
		if !fp.cut[w] && !done {
			return false
		}
	}
	return true
}

// plannedBlocks lists the coming barrier's exclusive work, the cold files
// at the last one, and moves the plan past it.
func (s *Scheduler) plannedBlocks() []block {
	fp := s.following
	var out []block
	last := fp.next == fp.Barriers()-1
	for w := range s.workers {
		if g := fp.Hosts[w][fp.next]; g >= 0 && (len(s.excl[g]) > 0 || s.workers[w].exclusive > 0) {
			out = append(out, block{w, g})
		}
		if last && w == fp.ColdOn {
			// Right after its own block: its last exclusive test starts
			// once the first of these follows it.
			for _, g := range fp.Cold {
				out = append(out, block{w, g})
			}
		}
	}
	fp.next++
	for w := range fp.cut {
		fp.cut[w] = false
	}
	return out
}

// spent: under the plan, w has nothing more to run or host, and what it
// holds may run now.
func (s *Scheduler) spent(w int) bool {
	fp := s.following
	if fp.held[w] > fp.next {
		return false
	}
	for k := fp.next; k < len(fp.Lists[w]); k++ {
		if len(fp.Lists[w][k]) > 0 {
			return false
		}
	}
	for k := fp.next; k < fp.Barriers(); k++ {
		if g := fp.Hosts[w][k]; g >= 0 && len(s.excl[g]) > 0 {
			return false
		}
	}
	if w == fp.ColdOn {
		for _, g := range fp.Cold {
			if len(s.excl[g]) > 0 {
				return false
			}
		}
	}
	return true
}

// giveBack puts tests w held back at the front of what it runs next. A
// barrier that was draining waits for them: the round they are listed in
// is over only once w runs them, and a barrier that began would move the
// plan past it with them still listed.
func (s *Scheduler) giveBack(w int, plain []int) {
	fp := s.following
	fp.Lists[w][fp.next] = append(plain, fp.Lists[w][fp.next]...)
	fp.cut[w], fp.held[w] = false, -1
	if s.phase == draining {
		s.phase = running
	}
}
