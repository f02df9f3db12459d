package schedule

import "fmt"

// Dump describes the scheduler's state for a failing test.
func (s *Scheduler) Dump() string {
	out := fmt.Sprintf("phase=%d left=%d blocks=%v heavy=%v\n", s.phase, s.left, s.blocks, s.heavy)
	for w, wk := range s.workers {
		out += fmt.Sprintf("w%d queue=%v final=%v excl=%d reserved=%v\n", w, wk.queue, wk.final, wk.exclusive, wk.reserved)
	}
	for g, l := range s.excl {
		if len(l) > 0 {
			out += fmt.Sprintf("excl g%d %v plain=%v\n", g, l, s.hasPlain(g))
		}
	}
	if rp := s.rounds; rp != nil {
		out += fmt.Sprintf("rounds next=%d cut=%v cold=%v on w%d\n", rp.next, rp.cut, rp.cold, rp.coldOn)
		for w := range rp.lists {
			out += fmt.Sprintf("w%d host=%v lists=%v\n", w, rp.host[w], rp.lists[w])
		}
	}
	return out
}
