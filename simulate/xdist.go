package simulate

// Load replays pytest-xdist's "load" scheduling as its LoadScheduling does
// it: an initial chunk of collection order per worker, then refills from the
// front of what is left once a worker holds fewer than a quarter of its
// share, up to half of it; it knows nothing of durations or files.
type Load struct {
	pending []int
	held    []int // per worker: sent, not done
	workers int
	started bool
	last    []float64
}

// NewLoad plans n tests in collection order on workers.
func NewLoad(n, workers int) *Load {
	l := &Load{held: make([]int, workers), workers: workers, last: make([]float64, workers)}
	for i := 0; i < n; i++ {
		l.pending = append(l.pending, i)
	}
	return l
}

func (l *Load) send(w, n int) []int {
	n = min(n, len(l.pending))
	out := append([]int(nil), l.pending[:n]...)
	l.pending = l.pending[n:]
	l.held[w] += n
	return out
}

// Next follows LoadScheduling.schedule at first and check_schedule after.
func (l *Load) Next(w int, _ float64) ([]int, bool) {
	if !l.started {
		if w == l.workers-1 {
			l.started = true
		}
		total := len(l.pending) + sum(l.held)
		if total < 2*l.workers {
			return l.send(w, 1), len(l.pending) == 0 && l.started
		}
		return l.send(w, max(total/l.workers/4, 2)), false
	}
	if len(l.pending) == 0 {
		return nil, true
	}
	lo := max(2, len(l.pending)/l.workers/4)
	hi := max(2, len(l.pending)/l.workers/2)
	if l.held[w] >= lo || l.last[w] >= 0.1 && l.held[w] >= 2 {
		return nil, false
	}
	return l.send(w, hi-l.held[w]), false
}

// Done notes a finished test.
func (l *Load) Done(w, i int, seconds, _ float64) {
	l.held[w]--
	l.last[w] = seconds
}

// WorkSteal replays pytest-xdist's "worksteal" scheduling: collection order
// cut into one contiguous share per worker; a worker that runs out takes the
// back half of the largest share not yet started.
type WorkSteal struct {
	shares [][]int
	held   []int
}

// NewWorkSteal plans n tests on workers.
func NewWorkSteal(n, workers int) *WorkSteal {
	ws := &WorkSteal{shares: make([][]int, workers), held: make([]int, workers)}
	for w := 0; w < workers; w++ {
		for i := n * w / workers; i < n*(w+1)/workers; i++ {
			ws.shares[w] = append(ws.shares[w], i)
		}
	}
	return ws
}

// Next keeps two tests with each worker, stealing when its share is gone.
func (ws *WorkSteal) Next(w int, _ float64) ([]int, bool) {
	if len(ws.shares[w]) == 0 {
		victim := 0
		for v := range ws.shares {
			if len(ws.shares[v]) > len(ws.shares[victim]) {
				victim = v
			}
		}
		share := ws.shares[victim]
		if len(share) > 1 {
			half := len(share) / 2
			ws.shares[w], ws.shares[victim] = append([]int(nil), share[half:]...), share[:half]
		}
	}
	n := min(2-ws.held[w], len(ws.shares[w]))
	if n <= 0 {
		return nil, len(ws.shares[w]) == 0 && ws.allEmpty()
	}
	out := ws.shares[w][:n]
	ws.shares[w] = ws.shares[w][n:]
	ws.held[w] += n
	return out, len(ws.shares[w]) == 0 && ws.allEmpty()
}

func (ws *WorkSteal) allEmpty() bool {
	for _, s := range ws.shares {
		if len(s) > 1 {
			return false
		}
	}
	return true
}

// Done notes a finished test.
func (ws *WorkSteal) Done(w, i int, seconds, _ float64) { ws.held[w]-- }

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
