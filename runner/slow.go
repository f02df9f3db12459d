package runner

import (
	"shoal/result"
	"shoal/worker"
)

// watchSlow has the run look again at test i of w once opts.Slow has
// passed: if it still runs then, observers hear so (TestSlow).
func (r *runState) watchSlow(w *workerState, i int, since float64) {
	if r.opts.Slow <= 0 || w.pid <= 0 {
		return
	}
	slow := &worker.Slow{PID: w.pid, Test: i, Since: since}
	r.clock.AfterFunc(r.opts.Slow, func() { r.post(worker.Event{Slow: slow}) })
}

// onSlow: the test s names has run opts.Slow since it started, or since
// it was last said to be slow. Where it still runs, observers hear it, and
// the run looks again after as long once more.
func (r *runState) onSlow(s *worker.Slow) {
	w := r.byPID[s.PID]
	if w == nil || w.exited || w.interrupted || len(w.outstanding) == 0 || w.outstanding[0] != s.Test || w.announced != s.Test+1 {
		return
	}
	r.emit(result.TestSlow{At: r.now(), Test: s.Test, Worker: w.id, Since: s.Since})
	r.clock.AfterFunc(r.opts.Slow, func() { r.post(worker.Event{Slow: s}) })
}
