package plan

import (
	"slices"

	"shoal/result"
	"shoal/schedule"
)

// ConflictKeyPrefix begins the lock key two tests known to conflict share.
const ConflictKeyPrefix = "shoal-conflict:"

// KnownConflicts gives every two tests of run known to conflict (partners,
// by node id, as shoal verify found them) a lock key of their own, so that
// they never run at the same time, as if both were marked with it, until
// a verification finds them stable again.
func KnownConflicts(run *result.Run, tests []schedule.Test, partners map[string][]string) {
	if len(partners) == 0 {
		return
	}
	index := make(map[string]int, len(run.Tests))
	for i, t := range run.Tests {
		index[t.NodeID] = i
	}
	add := func(i int, key string) {
		if !slices.Contains(tests[i].Locks, key) {
			tests[i].Locks = append(slices.Clone(tests[i].Locks), key)
		}
	}
	for i, t := range run.Tests {
		for _, p := range partners[t.NodeID] {
			j, ok := index[p]
			if !ok || j == i {
				continue
			}
			key := ConflictKeyPrefix + min(t.NodeID, p) + "|" + max(t.NodeID, p)
			add(i, key)
			add(j, key)
		}
	}
}
