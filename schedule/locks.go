package schedule

import (
	"sort"
)

// Lock keys, held by at most their limit of workers at once, and heavy tests,
// which take their slots by keeping other workers quiet.

// reservation keeps workers quiet while another runs heavy tests.
type reservation struct {
	worker int
	quiet  []int
}

func (s *Scheduler) release() {
	for _, q := range s.heavy.quiet {
		s.workers[q].reserved = false
	}
	s.heavy = nil
}

func (s *Scheduler) holdsHeavy(w int) bool {
	for _, i := range s.workers[w].queue {
		if s.tests[i].Slots > 1 && !s.tests[i].Exclusive {
			return true
		}
	}
	return false
}

// takeSpecial takes the longest test with locks or slots that w may hold now.
// A heavy test that needs more slots than w keeps for the one it holds waits
// until that one is over, unless every other worker has ended: then none
// would be left to take it.
func (s *Scheduler) takeSpecial(w int) int {
	for k, i := range s.special {
		t := s.tests[i]
		if t.Slots > 1 && s.heavy != nil && (s.heavy.worker != w || t.Slots-1 > len(s.heavy.quiet) && !s.othersEnded(w)) {
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

// othersEnded: every worker but w was told nothing more comes.
func (s *Scheduler) othersEnded(w int) bool {
	for x := range s.workers {
		if x != w && !s.workers[x].final {
			return false
		}
	}
	return true
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
