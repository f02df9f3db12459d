package verify

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
)

// occurrence is one shuffled run of a test: what its worker ran before it
// in the same process, and what ran at the same time on other workers.
type occurrence struct {
	run      int // 1-based
	seed     int64
	reversed bool
	prefix   []int
	overlaps []int
}

// explore makes the shuffled runs. They come in pairs: a run in a fresh
// shuffle, then the same lists reversed, so that two tests that share a
// worker run in both orders.
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
			lists = Shuffle(len(v.names), v.opt.Workers, seed)
		}
		got, err := v.run(ctx, Batch{Lists: lists})
		if err != nil {
			return err
		}
		failed := v.record(k+1, seed, reversed, lists, got)
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

// Shuffle deals n tests to workers lists in an order drawn from seed: the
// same seed gives the same lists.
func Shuffle(n, workers int, seed int64) [][]int {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	lists := make([][]int, workers)
	for _, i := range rng.Perm(n) {
		w := rng.IntN(workers)
		lists[w] = append(lists[w], i)
	}
	return lists
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
				o.overlaps = overlapping(i, got)
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

// overlapping lists the tests that ran on another worker while test i ran.
func overlapping(i int, got []Ran) []int {
	var out []int
	me := got[i]
	for j, g := range got {
		if j != i && g.Ran && g.List != me.List && g.Start < me.Stop && me.Start < g.Stop {
			out = append(out, j)
		}
	}
	return out
}
