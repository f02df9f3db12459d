package worker

import (
	"sync"
	"time"
)

// coalesce is how long a reader waits between reads while every worker
// has work.
const coalesce = 4 * time.Millisecond

// Pace lets results gather for a moment: one wake-up of the run for several
// tests instead of one each, while every worker has more than enough to do
// (a worker is sent more while it still holds more than twice coalesce,
// half of schedule.DefaultWindow). When some worker waits, for a barrier or
// for its next test, the run says Hurry and results go on at once.
type Pace struct {
	mu       sync.Mutex
	wake     chan struct{} // closed while hurrying
	hurrying bool
}

// NewPace starts calm: readers gather.
func NewPace() *Pace { return &Pace{wake: make(chan struct{})} }

// Hurry tells the readers whether some worker waits for work.
func (p *Pace) Hurry(hurry bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if hurry == p.hurrying {
		return
	}
	p.hurrying = hurry
	if hurry {
		close(p.wake)
	} else {
		p.wake = make(chan struct{})
	}
}

// gather waits coalesce on t, or less when the run hurries.
func (p *Pace) gather(t *time.Timer) {
	p.mu.Lock()
	wake := p.wake
	p.mu.Unlock()
	t.Reset(coalesce)
	select {
	case <-t.C:
	case <-wake:
		t.Stop() // since Go 1.23 no stale tick is left behind
	}
}
