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
	if fp := s.following; fp != nil {
		out += fmt.Sprintf("plan next=%d cut=%v cold=%v on w%d\n", fp.next, fp.cut, fp.Cold, fp.ColdOn)
		for w := range fp.Lists {
			out += fmt.Sprintf("w%d hosts=%v lists=%v\n", w, fp.Hosts[w], fp.Lists[w])
		}
	}
	return out
}

// NewPlanned is New, but it follows the barrier plan PlanBarriers makes
// wherever one applies, whether or not a replay says it pays.
func NewPlanned(tests []Test, cfg Config) (*Scheduler, error) {
	s, err := New(tests, cfg)
	if err != nil || s.following != nil || cfg.Order != Duration {
		return s, err
	}
	if bp := PlanBarriers(s.tests, s.cfg.Setup, s.cfg.Workers); bp != nil {
		s.follow(bp)
	}
	return s, nil
}
