package schedule

import (
	"math/rand"
	"sort"
)

// The work not handed out yet: files and parts of files (segments), in the
// order they start, and how an idle worker takes or splits one.

type segment struct {
	group   int
	items   []int
	last    int     // the test handed out last from it, -1 for none
	known   float64 // expected seconds of its measured items
	unknown int     // items nobody measured: they cost what the run learns
	started bool
}

func (s *Scheduler) newSegment(group int, items []int) *segment {
	seg := &segment{group: group, items: items, last: -1}
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

func (s *Scheduler) cost(seg *segment) float64 { return s.setup(seg.group) + s.work(seg) }

// buildQueue sorts the tests into files, exclusive lists and special tests,
// in the order they should start. A test much longer than its file's set-up and a
// good part of a worker's share becomes a file of its own, so that it starts
// early. A file with exclusive tests keeps its last ordinary test aside: run
// just before a barrier, it sets the file's fixtures up for them.
func (s *Scheduler) buildQueue() {
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
				g = &segment{group: t.Group, last: -1}
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
	if s.cfg.KeepScopes && s.cfg.Workers == 1 {
		return nil // on one worker nothing starts early, and the file's order stays
	}
	var out []*segment
	for _, seg := range order {
		kept := seg.items[:0]
		for _, i := range seg.items {
			d := s.expected(i)
			if s.tests[i].Known && d > share/16 && d > 4*s.setup(seg.group) && len(seg.items) > 1 && s.aloneInScope(seg, i) {
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

// aloneInScope: with KeepScopes, test i is the only one of its scope in seg.
func (s *Scheduler) aloneInScope(seg *segment, i int) bool {
	if !s.cfg.KeepScopes {
		return true
	}
	for _, j := range seg.items {
		if j != i && s.tests[j].Scope == s.tests[i].Scope {
			return false
		}
	}
	return true
}

// cuttable: seg may be cut before its k-th item, which then goes to
// another worker than the one before it.
func (s *Scheduler) cuttable(seg *segment, k int) bool {
	if !s.cfg.KeepScopes {
		return true
	}
	before := seg.last
	if k > 0 {
		before = seg.items[k-1]
	}
	return before < 0 || s.tests[before].Scope != s.tests[seg.items[k]].Scope
}

func (s *Scheduler) takeFrom(seg *segment) int {
	i := seg.items[0]
	seg.last = i
	seg.items = seg.items[1:]
	s.addWork(seg, i, -1)
	return i
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

// split cuts the file with the most work left in two and returns the back
// half, when doing half elsewhere, set-up included, ends sooner, or always
// when forced. With KeepScopes, files that cannot be cut between scopes
// are passed over.
func (s *Scheduler) split(force bool) *segment {
	var best *segment
	bestCut := -1
	for _, seg := range s.segs {
		if len(seg.items) == 0 || best != nil && s.work(seg) <= s.work(best) {
			continue
		}
		if k := s.cutPoint(seg, force); k >= 0 {
			best, bestCut = seg, k
		}
	}
	if best == nil {
		return nil
	}
	return s.cut(best, bestCut)
}

// cutPoint is where split would cut seg, or -1 where it would not.
func (s *Scheduler) cutPoint(seg *segment, force bool) int {
	setup := s.setup(seg.group)
	if len(seg.items) == 1 {
		if s.work(seg) <= setup && !force || !s.cuttable(seg, 0) {
			return -1
		}
		return 0
	}
	if s.work(seg)/2 <= setup && !force {
		return -1
	}
	acc, k := 0.0, len(seg.items)
	for k > 1 && acc+s.expected(seg.items[k-1]) <= s.work(seg)/2 {
		k--
		acc += s.expected(seg.items[k])
	}
	if k == len(seg.items) {
		k--
	}
	return s.nearestCut(seg, k)
}

// nearestCut is the place nearest to k where seg may be cut, or -1. Only
// cuts that leave something behind count, as split wants.
func (s *Scheduler) nearestCut(seg *segment, k int) int {
	for d := 0; d < len(seg.items); d++ {
		for _, c := range []int{k - d, k + d} {
			if c >= 1 && c < len(seg.items) && s.cuttable(seg, c) {
				return c
			}
		}
	}
	return -1
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
