// Package dispatch decides which tests a worker gets next. It is pure: the
// runner tells it who asks and how many, it answers with item indices.
//
// The order is collection order grouped by file: a worker keeps taking from
// the file it started, so module and class fixtures are set up once per
// worker; when no file is left untouched it takes the back half of the file
// with the most tests left, so no worker idles while another has a queue.
package dispatch

// Queue hands out item indices.
type Queue struct {
	files   [][]int // each file's remaining items, in collection order
	next    int     // first file nobody has started
	current map[int]int
	left    int
}

// New groups items by file, keeping the collection order of files and items.
// fileOf returns an item's file.
func New(n int, fileOf func(i int) string) *Queue {
	q := &Queue{current: map[int]int{}, left: n}
	pos := map[string]int{}
	for i := 0; i < n; i++ {
		f := fileOf(i)
		k, ok := pos[f]
		if !ok {
			k = len(q.files)
			pos[f] = k
			q.files = append(q.files, nil)
		}
		q.files[k] = append(q.files[k], i)
	}
	return q
}

// Left is how many items nobody has taken yet.
func (q *Queue) Left() int { return q.left }

// Take gives worker w up to n more items.
func (q *Queue) Take(w, n int) []int {
	var out []int
	for len(out) < n && q.left > 0 {
		f, ok := q.current[w]
		if !ok || len(q.files[f]) == 0 {
			// Splitting another worker's file costs it a fixture set-up
			// elsewhere: only an otherwise idle worker does that.
			f = q.pick(len(out) == 0)
			if f < 0 {
				delete(q.current, w)
				break
			}
			q.current[w] = f
		}
		k := n - len(out)
		if k > len(q.files[f]) {
			k = len(q.files[f])
		}
		out = append(out, q.files[f][:k]...)
		q.files[f] = q.files[f][k:]
		q.left -= k
	}
	return out
}

// pick returns the next untouched file, or, if split is set, splits the
// largest remaining one.
func (q *Queue) pick(split bool) int {
	for q.next < len(q.files) {
		f := q.next
		q.next++
		if len(q.files[f]) > 0 {
			return f
		}
	}
	if !split {
		return -1
	}
	best := -1
	for f, items := range q.files {
		if len(items) > 0 && (best < 0 || len(items) > len(q.files[best])) {
			best = f
		}
	}
	if best < 0 {
		return -1
	}
	items := q.files[best]
	if len(items) == 1 {
		return best
	}
	// The worker that owns this file keeps the front; the newcomer gets the back.
	half := len(items) / 2
	q.files = append(q.files, items[half:])
	q.files[best] = items[:half]
	return len(q.files) - 1
}

// Drop forgets a worker's file (it died or left); its file stays in the queue.
func (q *Queue) Drop(w int) { delete(q.current, w) }

// Requeue puts items back (a crashed worker's unstarted tests) as a file of their own.
func (q *Queue) Requeue(items []int) {
	if len(items) == 0 {
		return
	}
	q.files = append(q.files, append([]int(nil), items...))
	q.left += len(items)
	if q.next > len(q.files)-1 {
		q.next = len(q.files) - 1
	}
}
