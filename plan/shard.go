package plan

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Shard is the part of a suite one CI machine runs: Index of Total, from 1.
// The zero Shard is the whole suite.
type Shard struct{ Index, Total int }

// ParseShard reads "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(strings.TrimSpace(k))
	ni, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("--shard %q: want K/N with 1 ≤ K ≤ N, as in --shard 2/4", s)
	}
	return Shard{ki, ni}, nil
}

// ciShardVars are the CI systems' variables for a parallel job's index and
// count; base is the first index each system uses.
var ciShardVars = []struct {
	index, total string
	base         int
}{
	{"CI_NODE_INDEX", "CI_NODE_TOTAL", 1},                         // GitLab
	{"CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0},                 // CircleCI
	{"BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0}, // Buildkite
}

// ShardFromEnv reads the first CI system's shard variables that are set;
// name says which, for the run's header.
func ShardFromEnv(getenv func(string) string) (sh Shard, name string, err error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, v := range ciShardVars {
		idx, tot := getenv(v.index), getenv(v.total)
		if idx == "" || tot == "" {
			continue
		}
		i, err1 := strconv.Atoi(idx)
		n, err2 := strconv.Atoi(tot)
		if err1 != nil || err2 != nil || n < 1 || i-v.base < 0 || i-v.base >= n {
			return Shard{}, v.index, fmt.Errorf("%s=%q and %s=%q do not name a shard", v.index, idx, v.total, tot)
		}
		return Shard{i - v.base + 1, n}, v.index, nil
	}
	return Shard{}, "", nil
}

// Keep says which of a run's tests this shard runs; group[i] is test i's
// file. Every machine of a CI run must compute the same split, whatever
// history each one keeps, so it is made only from what they all agree on:
// the files' names, how many tests each holds, and seconds, when not nil:
// each test's duration from a history file every shard reads (see
// history.Durations). Files go whole, largest first, to the shard with the
// least work; where there are fewer files with tests than shards, tests
// are dealt out in collection order instead, so that no shard is empty
// while tests remain.
func (sh Shard) Keep(group []int, files []string, seconds []float64) []bool {
	keep := make([]bool, len(group))
	if sh.Total <= 1 {
		for i := range keep {
			keep[i] = true
		}
		return keep
	}
	work := make([]float64, len(files))
	for i, f := range group {
		// Every test weighs something, so that each file fills a shard.
		w := 1.0
		if seconds != nil {
			w = seconds[i] + 1e-3
		}
		work[f] += w
	}
	nonEmpty := 0
	for _, w := range work {
		if w > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < sh.Total {
		for i := range group {
			keep[i] = i*sh.Total/len(group) == sh.Index-1
		}
		return keep
	}
	owner := sh.byWork(files, work)
	for i, f := range group {
		keep[i] = owner[f] == sh.Index-1
	}
	return keep
}

// byWork deals the files out longest first (ties by name) to the shard
// with the least work so far.
func (sh Shard) byWork(files []string, work []float64) []int {
	order := make([]int, len(files))
	for f := range order {
		order[f] = f
	}
	sort.SliceStable(order, func(a, b int) bool {
		if work[order[a]] != work[order[b]] {
			return work[order[a]] > work[order[b]]
		}
		return files[order[a]] < files[order[b]]
	})
	load := make([]float64, sh.Total)
	out := make([]int, len(files))
	for _, f := range order {
		best := 0
		for k := range load {
			if load[k] < load[best] {
				best = k
			}
		}
		out[f] = best
		load[best] += work[f]
	}
	return out
}

// ShardSeconds is each test's duration from known, a history file's; a test
// the file does not know counts as the mean of those it does.
func ShardSeconds(nodeids []string, known map[string]float64) []float64 {
	mean, n := 0.0, 0
	for _, id := range nodeids {
		if d, ok := known[id]; ok {
			mean, n = mean+d, n+1
		}
	}
	if n > 0 {
		mean /= float64(n)
	}
	out := make([]float64, len(nodeids))
	for i, id := range nodeids {
		d, ok := known[id]
		if !ok {
			d = mean
		}
		out[i] = d
	}
	return out
}
