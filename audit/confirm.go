package audit

import (
	"fmt"
	"sort"
)

// Pair is two conflicting tests to run at the same time, on two workers,
// to see whether either fails.
type Pair struct {
	A, B int // test indices, A < B
	Key  string
}

// Suspects are the conflicts tracing is unsure of (a read against a
// write: whether it breaks a test depends on timing), as pairs to run
// together; those between unmarked tests first, at most limit. Pairs with
// a test that runs alone with the suggestions applied are left out: they
// never meet.
func Suspects(tests []Test, verdicts []Verdict, conflicts []Conflict, limit int) []Pair {
	var out []Pair
	seen := map[[2]int]bool{}
	for _, c := range conflicts {
		k := [2]int{c.A, c.B}
		if c.Sure || seen[k] || verdicts[c.A].Alone || verdicts[c.B].Alone {
			continue
		}
		seen[k] = true
		out = append(out, Pair{A: c.A, B: c.B, Key: c.Key})
	}
	marked := func(p Pair) int {
		n := 0
		if tests[p.A].Marked {
			n++
		}
		if tests[p.B].Marked {
			n++
		}
		return n
	}
	sort.SliceStable(out, func(i, j int) bool { return marked(out[i]) < marked(out[j]) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Rounds splits pairs into runs of two workers: in each, every test is in
// at most one pair, and one side's tests, like the other's, come in
// collection order, so that a worker running one side in order meets its
// partner at every pair. Each round's pairs list the first worker's test
// as A.
func Rounds(pairs []Pair) [][]Pair {
	left := append([]Pair(nil), pairs...)
	sort.SliceStable(left, func(i, j int) bool { return left[i].A < left[j].A || left[i].A == left[j].A && left[i].B < left[j].B })
	var rounds [][]Pair
	for len(left) > 0 {
		var round, rest []Pair
		used := map[int]bool{}
		lastA, lastB := -1, -1
		for _, p := range left {
			if used[p.A] || used[p.B] {
				rest = append(rest, p)
				continue
			}
			q := p
			switch {
			case p.A > lastA && p.B > lastB:
			case p.B > lastA && p.A > lastB:
				q = Pair{A: p.B, B: p.A, Key: p.Key}
			default:
				rest = append(rest, p)
				continue
			}
			round = append(round, q)
			used[q.A], used[q.B] = true, true
			lastA, lastB = q.A, q.B
		}
		rounds = append(rounds, round)
		left = rest
	}
	return rounds
}

// Together is what happened when a pair ran at the same time.
type Together struct {
	Pair
	FailedA, FailedB bool
	Met              bool // both started together; false: one waited for the other in vain
}

// Confirm adds what running pairs together showed to the verdicts. failed
// says which tests failed in the traced run: a test that fails anyway
// shows nothing. It returns how many pairs failed together.
func Confirm(tests []Test, verdicts []Verdict, results []Together, failed []bool) int {
	confirmed := 0
	for _, r := range results {
		a, b := tests[r.A].NodeID, tests[r.B].NodeID
		var text string
		switch {
		case !r.Met:
			text = "running it at the same time as %s was not possible (they did not start together)"
		case (r.FailedA && !failed[r.A]) || (r.FailedB && !failed[r.B]):
			confirmed++
			text = "confirmed: run at the same time as %s, " + failedWhich(tests, r)
		default:
			text = "run at the same time as %s on two workers, both passed: the conflict depends on timing"
		}
		verdicts[r.A].Evidence = append(verdicts[r.A].Evidence, fmt.Sprintf(text, b))
		verdicts[r.B].Evidence = append(verdicts[r.B].Evidence, fmt.Sprintf(text, a))
	}
	return confirmed
}

func failedWhich(tests []Test, r Together) string {
	switch {
	case r.FailedA && r.FailedB:
		return "both failed"
	case r.FailedA:
		return tests[r.A].NodeID + " failed"
	}
	return tests[r.B].NodeID + " failed"
}

// Overlaps adds to the verdicts where conflicting tests ran at the same
// time on two workers during the traced run, and whether one failed.
func Overlaps(tests []Test, verdicts []Verdict, conflicts []Conflict, failed []bool) {
	seen := map[[2]int]bool{}
	for _, c := range conflicts {
		pa, pb := tests[c.A].Print, tests[c.B].Print
		k := [2]int{c.A, c.B}
		if seen[k] || pa == nil || pb == nil || pa.Worker == pb.Worker || pa.Stop <= pb.Start || pb.Stop <= pa.Start {
			continue
		}
		seen[k] = true
		how := "both passed"
		switch {
		case failed[c.A] && failed[c.B]:
			how = "both failed"
		case failed[c.A]:
			how = tests[c.A].NodeID + " failed"
		case failed[c.B]:
			how = tests[c.B].NodeID + " failed"
		}
		text := "ran at the same time as %s during the audit (%s)"
		verdicts[c.A].Evidence = append(verdicts[c.A].Evidence, fmt.Sprintf(text, tests[c.B].NodeID, how))
		verdicts[c.B].Evidence = append(verdicts[c.B].Evidence, fmt.Sprintf(text, tests[c.A].NodeID, how))
	}
}
