package schedule

import (
	"errors"
	"fmt"
)

// Lists: runs whose every worker's tests and order are given in advance
// (Config.Lists), as a replay of a run or shoal verify's runs need them.
// Nothing is balanced or learnt; the constraints still hold: a test with
// lock keys waits until they are free, and a test that must run alone
// waits until every other worker is quiet, after which nobody else gets
// anything until it is over.

// listed is where each worker stands in its list.
type listed struct {
	lists [][]int // per worker, what it has not been given yet
}

// checkLists says what is wrong with lists for n tests on workers workers:
// every test on exactly one list, and tests that run alone on one list
// only, since two lists waiting for each other to be quiet would wait for
// ever.
func checkLists(lists [][]int, tests []Test, workers int) error {
	if len(lists) > workers {
		return fmt.Errorf("schedule: %d lists for %d workers", len(lists), workers)
	}
	seen := make([]bool, len(tests))
	aloneOn := -1
	for w, list := range lists {
		for _, i := range list {
			if i < 0 || i >= len(tests) {
				return fmt.Errorf("schedule: list %d names test %d of %d", w, i, len(tests))
			}
			if seen[i] {
				return fmt.Errorf("schedule: test %d is listed twice", i)
			}
			seen[i] = true
			if tests[i].Alone(workers) {
				if aloneOn >= 0 && aloneOn != w {
					return errors.New("schedule: tests that run alone are on more than one list")
				}
				aloneOn = w
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			return fmt.Errorf("schedule: test %d is on no list", i)
		}
	}
	return nil
}

func newListed(lists [][]int, workers int) *listed {
	l := &listed{lists: make([][]int, workers)}
	for w, list := range lists {
		l.lists[w] = append([]int(nil), list...)
	}
	return l
}

// nextListed is Next under Config.Lists.
func (s *Scheduler) nextListed(w int) ([]int, bool) {
	wk := &s.workers[w]
	start := len(wk.queue)
	for s.wants(w, s.cfg.Window) {
		list := s.listed.lists[w]
		if len(list) == 0 || !s.mayGive(w, list[0]) {
			break
		}
		s.takeListed(w)
	}
	if len(wk.queue) == start && len(wk.queue) > 0 && s.stuck() {
		// Lists that wait on each other's keys in a circle: this worker
		// goes on regardless, or the run would stop here. Its test starts
		// beside tests that hold its keys but have not started, and those
		// wait for it.
		if len(s.listed.lists[w]) > 0 {
			s.takeListed(w)
		} else {
			wk.final = true
		}
	}
	if len(s.listed.lists[w]) == 0 && s.mayStartLast(w) {
		wk.final = true
	}
	return append([]int(nil), wk.queue[start:]...), wk.final
}

func (s *Scheduler) takeListed(w int) {
	list := s.listed.lists[w]
	s.listed.lists[w] = list[1:]
	s.give(w, list[0])
}

// mayGive: test i may go to worker w now. It lets the last test w holds
// start (pytest runs a test once it knows the next), so that one's keys
// must be free too.
func (s *Scheduler) mayGive(w, i int) bool {
	for x := range s.workers {
		if x != w && s.holdsAlone(x) {
			return false // someone runs a test alone, or is about to
		}
	}
	if s.tests[i].Alone(s.cfg.Workers) && !s.allQuiet(w) {
		return false
	}
	return s.locksFree(w, s.tests[i].Locks) && s.mayStartLast(w)
}

// mayStartLast: the last test w holds may start, its keys held by no
// other worker's test, started or not.
func (s *Scheduler) mayStartLast(w int) bool {
	q := s.workers[w].queue
	return len(q) == 0 || s.locksFree(w, s.tests[q[len(q)-1]].Locks)
}

func (s *Scheduler) holdsAlone(w int) bool {
	for _, i := range s.workers[w].queue {
		if s.tests[i].Alone(s.cfg.Workers) {
			return true
		}
	}
	return false
}

// stuck: no worker runs anything, and none may be given more or told
// that nothing more comes.
func (s *Scheduler) stuck() bool {
	if !s.allQuiet(-1) {
		return false
	}
	for w := range s.workers {
		if s.workers[w].final {
			continue
		}
		l := s.listed.lists[w]
		if len(l) > 0 && s.mayGive(w, l[0]) || len(l) == 0 && s.mayStartLast(w) {
			return false
		}
	}
	return true
}

// giveBackListed puts tests w held back at the front of its list.
func (s *Scheduler) giveBackListed(w int, tests []int) {
	s.listed.lists[w] = append(append([]int(nil), tests...), s.listed.lists[w]...)
}
