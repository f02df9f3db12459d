package schedule

// What workers report back: finished tests, whose durations the run learns
// where nobody measured them, and the tests of a worker that crashed or was
// ended, which go back to be handed out again.

// expected is a test's expected duration: measured, or learnt from this run.
func (s *Scheduler) expected(i int) float64 { return s.tests[i].expected(s.learnt) }

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
	if wk.seg != nil {
		// The rest of its file is nobody's now: any worker may start it,
		// as it takes a file nobody started.
		wk.seg.started = false
	}
	wk.seg, wk.final = nil, false
	if s.listed != nil {
		s.giveBackListed(w, rest)
		s.left += len(rest)
		return
	}
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
	case s.following != nil:
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
