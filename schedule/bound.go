package schedule

import (
	"maps"
	"slices"
)

// Bound is a floor under any schedule's makespan, and what sets it.
type Bound struct {
	Seconds   float64 // the floor: Exclusive plus the largest of the rest
	Exclusive float64 // exclusive tests (and set-ups only they need): nothing overlaps them
	Longest   float64 // the longest other test with its file's set-up
	LongestAt int     // that test, or -1
	Spread    float64 // all other work and set-ups spread evenly over the workers
	Lock      string  // the busiest lock key
	LockTime  float64 // its tests one after another, per its limit
}

// LowerBound is the least time any schedule of tests on cfg.Workers workers
// can take: exclusive tests overlap nothing, every file is set up at least
// once, no test is split, and a lock's tests take turns.
func LowerBound(tests []Test, cfg Config) Bound {
	b := Bound{LongestAt: -1}
	plainGroups := map[int]bool{}
	exclGroups := map[int]bool{}
	locks := map[string]float64{}
	work := 0.0
	learnt := defaultOr(cfg.Default)
	for i, t := range tests {
		d := t.expected(learnt)
		if t.Alone(cfg.Workers) {
			b.Exclusive += d
			exclGroups[t.Group] = true
			continue
		}
		plainGroups[t.Group] = true
		work += d * float64(max(t.Slots, 1))
		if c := d + setupOf(cfg.Setup, t.Group); c > b.Longest {
			b.Longest, b.LongestAt = c, i
		}
		for _, k := range t.Locks {
			locks[k] += d
		}
	}
	// In file order: a sum of floats depends on its order, and a map's
	// changes from run to run.
	for _, g := range slices.Sorted(maps.Keys(plainGroups)) {
		work += setupOf(cfg.Setup, g)
	}
	for _, g := range slices.Sorted(maps.Keys(exclGroups)) {
		if !plainGroups[g] {
			b.Exclusive += setupOf(cfg.Setup, g)
		}
	}
	b.Spread = work / float64(max(cfg.Workers, 1))
	for k, t := range locks {
		if n, ok := cfg.Limits[k]; ok && n > 1 {
			t /= float64(n)
		}
		if t > b.LockTime || t == b.LockTime && k < b.Lock {
			b.Lock, b.LockTime = k, t
		}
	}
	b.Seconds = b.Exclusive + max(b.Longest, b.Spread, b.LockTime)
	return b
}

func defaultOr(d float64) float64 {
	if d > 0 {
		return d
	}
	return DefaultSeconds
}
