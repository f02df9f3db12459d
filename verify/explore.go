package verify

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// occurrence is one shuffled run of a test: what its worker ran before it
// in the same process, and what ran at the same time on other workers.
type occurrence struct {
	run         int // 1-based
	seed        int64
	reversed    bool
	prefix      []int
	overlaps    []int
	overlapSecs []float64 // how long each overlapped it
}

// explored is one shuffled run: its lists and what every test did.
type explored struct {
	lists [][]int
	got   []Ran
}

// explore makes the shuffled runs. They come in pairs: a run in a fresh
// shuffle, then the same lists reversed, so that two tests that share a
// worker run in both orders. The first pair puts every test on one list:
// any two tests then run in both orders in one process. The others spread
// the tests over the workers, each worker starting with its longest tests
// (the reversed run ending with them); and the longest of all, those most
// likely to hold a port, a file or a table for a while, meet in pairs on
// the first two workers, starting together, a round of a tournament per
// run, so that each two of them run at the same time.
func (v *verifier) explore(ctx context.Context) error {
	var lists [][]int
	var meets [][2]int
	var long []int
	var seed int64
	for k := 0; k < v.opt.Runs; k++ {
		if v.spent() {
			return nil
		}
		reversed := k%2 == 1
		if reversed {
			lists = reverse(lists)
		} else {
			seed = v.opt.Seed + int64(k/2)
			dur := v.durations()
			lists = Arrange(v.workersFor(k), seed, dur)
			if long == nil && len(lists) >= 2 {
				// Chosen once: a tournament among the same tests.
				long = longest(dur, v.opt.Seed)
			}
		}
		meets = nil
		if long != nil {
			// A round of the tournament per run, the reversed run too.
			meets = roundRobin(long, k-2)
			lists = meetFirst(lists, long, meets, reversed)
		}
		got, err := v.run(ctx, Batch{Lists: lists, Meets: meets})
		if err != nil {
			return err
		}
		failed := v.record(k+1, seed, reversed, lists, got)
		v.explored = append(v.explored, explored{lists: lists, got: got})
		how := ""
		if reversed {
			how = ", reversed"
		}
		fmt.Fprintf(v.opt.Log, "shoal verify: run %d (seed %d%s): %d failed\n", k+1, seed, how, failed)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// Arrange deals the tests whose durations are dur (0: not measured) to
// workers lists in an order drawn from seed, each test to the list with
// the least work so far; then each list starts with its long tests (the
// longest quarter of those measured). The same seed and durations give the
// same lists.
func Arrange(workers int, seed int64, dur []float64) [][]int {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	lists := make([][]int, workers)
	load := make([]float64, workers)
	for _, i := range rng.Perm(len(dur)) {
		w := 0
		for x := range load {
			if load[x] < load[w] || load[x] == load[w] && rng.IntN(2) == 0 {
				w = x
			}
		}
		lists[w] = append(lists[w], i)
		load[w] += max(dur[i], 1e-3)
	}
	long := longThreshold(dur)
	for _, l := range lists {
		slices.SortStableFunc(l, func(a, b int) int {
			return cmp.Compare(boolInt(dur[b] >= long), boolInt(dur[a] >= long))
		})
	}
	return lists
}

// longThreshold is the shortest duration of the longest quarter of the
// measured tests; +Inf when none was measured.
func longThreshold(dur []float64) float64 {
	var known []float64
	for _, d := range dur {
		if d > 0 {
			known = append(known, d)
		}
	}
	if len(known) == 0 {
		return math.Inf(1)
	}
	slices.Sort(known)
	return known[len(known)*3/4]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// durations are the shortest each test took in the shuffled runs so far
// where it passed (a failure takes longer to report), else where it failed.
func (v *verifier) durations() []float64 {
	dur := make([]float64, len(v.names))
	passed := make([]bool, len(v.names))
	for _, r := range v.explored {
		for i, g := range r.got {
			if !g.Ran || passed[i] && g.Failed {
				continue
			}
			d := g.Stop - g.Start
			if dur[i] == 0 || d < dur[i] || !g.Failed && !passed[i] {
				dur[i] = d
			}
			passed[i] = passed[i] || !g.Failed
		}
	}
	return dur
}

// likely are the tests of seq that ran before test t in its process in
// every shuffled run where t gave want (after at least one test), and in
// none where it did not: the likeliest culprits, tried first; and how many
// runs they were drawn from.
func (v *verifier) likely(t int, seq []int, want bool) ([]int, int) {
	in := map[int]int{}
	cleared := map[int]bool{}
	runs := 0
	for _, r := range v.explored {
		if !r.got[t].Ran {
			continue
		}
		before := prefixOf(r.lists, t, r.got)
		if r.got[t].Failed != want {
			for _, p := range before {
				cleared[p] = true
			}
			continue
		}
		if len(before) == 0 {
			continue
		}
		runs++
		for _, p := range before {
			in[p]++
		}
	}
	var out []int
	for _, p := range seq {
		if in[p] == runs && !cleared[p] {
			out = append(out, p)
		}
	}
	return out, runs
}

// prefixOf is what ran before test t on its list.
func prefixOf(lists [][]int, t int, got []Ran) []int {
	for _, l := range lists {
		k := slices.Index(l, t)
		if k < 0 {
			continue
		}
		var out []int
		for _, p := range l[:k] {
			if got[p].Ran {
				out = append(out, p)
			}
		}
		return out
	}
	return nil
}

func reverse(lists [][]int) [][]int {
	out := make([][]int, len(lists))
	for w, l := range lists {
		out[w] = slices.Clone(l)
		slices.Reverse(out[w])
	}
	return out
}

// record keeps, per test, its failing runs and one passing run after
// others on its worker, and returns how many tests failed.
func (v *verifier) record(run int, seed int64, reversed bool, lists [][]int, got []Ran) int {
	failed := 0
	for _, list := range lists {
		var before []int
		for _, i := range list {
			g := got[i]
			if !g.Ran {
				continue
			}
			e := v.tests[i]
			o := occurrence{run: run, seed: seed, reversed: reversed, prefix: slices.Clone(before)}
			before = append(before, i)
			if g.Failed {
				failed++
				o.overlaps, o.overlapSecs = overlapping(i, got)
				e.failing = append(e.failing, o)
			} else {
				e.passed = true
				if len(o.prefix) > 0 && (e.passing == nil || len(o.prefix) < len(e.passing.prefix)) {
					e.passing = &o
				}
			}
		}
	}
	return failed
}

// overlapping lists the tests that ran on another worker while test i
// ran, and for how long.
func overlapping(i int, got []Ran) ([]int, []float64) {
	var out []int
	var secs []float64
	me := got[i]
	for j, g := range got {
		if j != i && g.Ran && g.List != me.List && g.Start < me.Stop && me.Start < g.Stop {
			out = append(out, j)
			secs = append(secs, min(me.Stop, g.Stop)-max(me.Start, g.Start))
		}
	}
	return out, secs
}

// workersFor is how many lists shuffled run k has: the first two put every
// test on one list, so that any two tests run in both orders in one
// process; the others spread them over the workers, so they overlap.
func (v *verifier) workersFor(k int) int {
	if k < 2 && v.opt.Runs > 2 {
		return 1
	}
	return v.opt.Workers
}

// maxMeeting caps the tests that meet in shuffled runs: a default
// verification has rounds for every two of about this many.
const maxMeeting = 8

// longest are the longest tests, at most maxMeeting of them, that took at
// least a quarter as long as the longest, in an order drawn from seed.
// Durations on a busy host vary: the bound is loose.
func longest(dur []float64, seed int64) []int {
	most := slices.Max(append([]float64{0}, dur...))
	var out []int
	for i, d := range dur {
		if d > 0 && d >= most/4 {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int { return cmp.Compare(dur[b], dur[a]) })
	out = out[:min(len(out), maxMeeting)]
	slices.Sort(out)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x70))
	rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

// roundRobin is round r of a tournament among ids (the circle method):
// over len(ids)-1 rounds (len(ids) when odd) each two of them meet once.
func roundRobin(ids []int, r int) [][2]int {
	ring := slices.Clone(ids)
	if len(ring)%2 == 1 {
		ring = append(ring, -1)
	}
	n := len(ring)
	if n < 2 {
		return nil
	}
	// ring[0] stays; the others turn by r.
	rest := ring[1:]
	r = (r%len(rest) + len(rest)) % len(rest)
	rest = append(slices.Clone(rest[len(rest)-r:]), rest[:len(rest)-r]...)
	ring = append([]int{ring[0]}, rest...)
	var pairs [][2]int
	for i := 0; i < n/2; i++ {
		a, b := ring[i], ring[n-1-i]
		if a >= 0 && b >= 0 {
			pairs = append(pairs, [2]int{a, b})
		}
	}
	return pairs
}

// meetFirst moves the tests of long out of their lists; the pairs of meets
// start the first two lists (end them, when last), the i-th pair at the
// same place on each, and the long tests left out of a pair follow them
// on the first list.
func meetFirst(lists [][]int, long []int, meets [][2]int, last bool) [][]int {
	out := make([][]int, len(lists))
	for w, l := range lists {
		for _, i := range l {
			if !slices.Contains(long, i) {
				out[w] = append(out[w], i)
			}
		}
	}
	var a, b, rest []int
	for _, m := range meets {
		a, b = append(a, m[0]), append(b, m[1])
	}
	for _, i := range long {
		if !slices.Contains(a, i) && !slices.Contains(b, i) {
			rest = append(rest, i)
		}
	}
	a = append(a, rest...)
	if last {
		out[0], out[1] = append(out[0], a...), append(out[1], b...)
	} else {
		out[0], out[1] = append(a, out[0]...), append(b, out[1]...)
	}
	return out
}
