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
// worker run in both orders. After the first run, each worker starts with
// its longest tests (and the reversed run ends with them): tests that hold
// a port, a file or a table for a while are the ones that collide, and
// this way they meet each other.
func (v *verifier) explore(ctx context.Context) error {
	var lists [][]int
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
			lists = Arrange(v.opt.Workers, seed, v.durations())
		}
		got, err := v.run(ctx, Batch{Lists: lists})
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

// durations are the longest each test took in the shuffled runs so far.
func (v *verifier) durations() []float64 {
	dur := make([]float64, len(v.names))
	for _, r := range v.explored {
		for i, g := range r.got {
			if g.Ran {
				dur[i] = max(dur[i], g.Stop-g.Start)
			}
		}
	}
	return dur
}

// likely are the tests of seq that ran before test t in its process in
// every shuffled run where t gave want (after at least one test), and in
// none where it did not: the likeliest culprits, tried first.
func (v *verifier) likely(t int, seq []int, want bool) []int {
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
	return out
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
