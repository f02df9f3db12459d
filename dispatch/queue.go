// Package dispatch decides which tests a worker gets next. It is pure: the
// runner tells it who asks and how many, it answers with test indices.
//
// The order is collection order grouped by file. A worker first runs the
// files it collected itself (their modules are imported there already), in
// order, and keeps to one file until it is done, so module and class fixtures
// are set up once per worker. When it has none left it takes an untouched
// file from the worker with the most waiting, and when no file is untouched it
// takes the back half of the largest file still running, so no worker idles
// while another has a queue.
package dispatch

// Queue hands out test indices.
type Queue struct {
	segs    []segment
	current map[int]int // worker → segment it is taking from
	left    int
}

type segment struct {
	items   []int // remaining tests, in collection order
	owner   int   // worker that collected the file, or -1
	started bool  // some worker has taken from it
}

// New groups tests 0..n-1 by file, keeping collection order. fileOf returns
// a test's file; ownerOf returns the worker that collected a file, or -1.
func New(n int, fileOf func(test int) int, ownerOf func(file int) int) *Queue {
	q := &Queue{current: map[int]int{}, left: n}
	pos := map[int]int{}
	for i := 0; i < n; i++ {
		f := fileOf(i)
		k, ok := pos[f]
		if !ok {
			k = len(q.segs)
			pos[f] = k
			q.segs = append(q.segs, segment{owner: ownerOf(f)})
		}
		q.segs[k].items = append(q.segs[k].items, i)
	}
	return q
}

// Left is how many tests nobody has taken yet.
func (q *Queue) Left() int { return q.left }

// Take gives worker w up to n more tests.
func (q *Queue) Take(w, n int) []int {
	var out []int
	for len(out) < n && q.left > 0 {
		s, ok := q.current[w]
		if !ok || len(q.segs[s].items) == 0 {
			// Taking another worker's file costs an import and a fixture
			// set-up elsewhere: only an otherwise idle worker does that.
			s = q.pick(w, len(out) == 0)
			if s < 0 {
				delete(q.current, w)
				break
			}
			q.current[w] = s
			q.segs[s].started = true
		}
		seg := &q.segs[s]
		k := min(n-len(out), len(seg.items))
		out = append(out, seg.items[:k]...)
		seg.items = seg.items[k:]
		q.left -= k
	}
	return out
}

// pick chooses w's next segment; steal allows taking other workers' work.
func (q *Queue) pick(w int, steal bool) int {
	if s := q.firstUntouched(func(owner int) bool { return owner == w }); s >= 0 {
		return s
	}
	if s := q.firstUntouched(func(owner int) bool { return owner < 0 }); s >= 0 {
		return s
	}
	if !steal {
		return -1
	}
	if s := q.untouchedOfBusiest(); s >= 0 {
		return s
	}
	return q.split()
}

func (q *Queue) firstUntouched(match func(owner int) bool) int {
	for s, seg := range q.segs {
		if !seg.started && len(seg.items) > 0 && match(seg.owner) {
			return s
		}
	}
	return -1
}

// untouchedOfBusiest returns the last untouched segment of the worker with
// the most untouched tests, so that worker keeps its next files.
func (q *Queue) untouchedOfBusiest() int {
	waiting := map[int]int{}
	last := map[int]int{}
	for s, seg := range q.segs {
		if !seg.started && len(seg.items) > 0 {
			waiting[seg.owner] += len(seg.items)
			last[seg.owner] = s
		}
	}
	best, most := -1, 0
	for owner, n := range waiting {
		if n > most || (n == most && last[owner] > best) {
			best, most = last[owner], n
		}
	}
	return best
}

// split cuts the largest running segment in two; the back half is returned.
func (q *Queue) split() int {
	best := -1
	for s, seg := range q.segs {
		if len(seg.items) > 0 && (best < 0 || len(seg.items) > len(q.segs[best].items)) {
			best = s
		}
	}
	if best < 0 {
		return -1
	}
	items := q.segs[best].items
	if len(items) == 1 {
		return best
	}
	half := len(items) / 2
	q.segs[best].items = items[:half]
	q.segs = append(q.segs, segment{items: items[half:], owner: q.segs[best].owner})
	return len(q.segs) - 1
}

// Drop forgets a worker's current segment (it died or left).
func (q *Queue) Drop(w int) { delete(q.current, w) }

// Requeue puts tests back (a crashed worker's unstarted tests) as a segment of their own.
func (q *Queue) Requeue(items []int) {
	if len(items) == 0 {
		return
	}
	q.segs = append(q.segs, segment{items: append([]int(nil), items...), owner: -1})
	q.left += len(items)
}
