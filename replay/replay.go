// Package replay finds, in a run record, the tests a worker ran in the
// order it ran them, and cuts a sequence of tests down to the smallest part
// that still makes a test do what it did (delta debugging): the tests that
// pollute it, or that it needs. Running a sequence is the caller's: this
// package decides what to run next and never starts a process.
package replay

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"shoal/report/record"
)

// Sequence is the node ids of the tests worker ran, in the order it began
// them.
func Sequence(rec *record.Record, worker string) ([]string, error) {
	var tests []record.Test
	for _, t := range rec.Tests {
		if t.Worker == worker {
			tests = append(tests, t)
		}
	}
	if len(tests) == 0 {
		var names []string
		for _, w := range rec.Workers {
			names = append(names, w.ID)
		}
		return nil, fmt.Errorf("no test ran on worker %q (the run's workers: %v)", worker, names)
	}
	slices.SortStableFunc(tests, func(a, b record.Test) int { return cmp.Compare(a.Start, b.Start) })
	out := make([]string, len(tests))
	for i, t := range tests {
		out[i] = t.NodeID
	}
	return out, nil
}

// Preceding finds the test nodeid in the record: the worker it ran on, the
// tests that worker ran before it, in order, and its outcome.
func Preceding(rec *record.Record, nodeid string) (worker string, before []string, outcome string, err error) {
	for _, t := range rec.Tests {
		if t.NodeID != nodeid {
			continue
		}
		seq, err := Sequence(rec, t.Worker)
		if err != nil {
			return "", nil, "", err
		}
		at := slices.Index(seq, nodeid)
		return t.Worker, seq[:at], t.Outcome, nil
	}
	return "", nil, "", fmt.Errorf("%s did not run in the recorded run", nodeid)
}

// Failed tells whether an outcome is a failure (failed or error).
func Failed(outcome string) bool { return outcome == "failed" || outcome == "error" }

// Reproduces runs a part of the sequence, in order, before the test under
// study and tells whether the test still does what it did.
type Reproduces[T any] func(ctx context.Context, part []T) (bool, error)

// Minimize cuts seq, which reproduces, down to a part that still does and
// from which no single test can be left out (ddmin, Zeller and Hildebrandt):
// it tries halves, then quarters, and so on, and the complements of each.
// The order of seq is kept. It returns the part and the runs it took. The
// caller has checked that seq reproduces and that nothing does not.
func Minimize[T any](ctx context.Context, seq []T, reproduces Reproduces[T]) ([]T, int, error) {
	runs := 0
	try := func(part []T) (bool, error) {
		runs++
		return reproduces(ctx, part)
	}
	cur, n := slices.Clone(seq), 2
	for len(cur) >= 2 {
		chunks := split(cur, n)
		// A part alone: start again from halves of it.
		next, err := firstReproducing(chunks, try)
		if err != nil {
			return cur, runs, err
		}
		if next != nil {
			cur, n = next, 2
			continue
		}
		// All but a part (with two parts, that was tried above): keep
		// the granularity, one part fewer.
		if n > 2 {
			if next, err = firstReproducing(complements(cur, chunks), try); err != nil {
				return cur, runs, err
			}
			if next != nil {
				cur, n = next, max(n-1, 2)
				continue
			}
		}
		if n >= len(cur) {
			break
		}
		n = min(2*n, len(cur))
	}
	return cur, runs, nil
}

func firstReproducing[T any](parts [][]T, try func([]T) (bool, error)) ([]T, error) {
	for _, p := range parts {
		ok, err := try(p)
		if err != nil {
			return nil, err
		}
		if ok {
			return p, nil
		}
	}
	return nil, nil
}

// split cuts seq into n parts of nearly equal length, in order.
func split[T any](seq []T, n int) [][]T {
	var out [][]T
	for i := range n {
		from, to := i*len(seq)/n, (i+1)*len(seq)/n
		if to > from {
			out = append(out, seq[from:to])
		}
	}
	return out
}

// complements are seq without each of its parts, in order.
func complements[T any](seq []T, parts [][]T) [][]T {
	var out [][]T
	at := 0
	for _, p := range parts {
		rest := append(slices.Clone(seq[:at]), seq[at+len(p):]...)
		out = append(out, rest)
		at += len(p)
	}
	return out
}
