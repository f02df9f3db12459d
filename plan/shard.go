package plan

import (
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strconv"
	"strings"

	"shoal/schedule"
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

// Keep says which tests this shard runs. Files stay whole. With history the
// files are dealt out longest first to the shard with least work, so every
// machine, given the same history, computes the same balanced split; without
// it each file goes by a stable hash of its name.
func (sh Shard) Keep(tests []schedule.Test, files []string, setup []float64) []bool {
	keep := make([]bool, len(tests))
	if sh.Total <= 1 {
		for i := range keep {
			keep[i] = true
		}
		return keep
	}
	owner := sh.byHash(files)
	if measured(tests) {
		owner = sh.byWork(tests, files, setup)
	}
	for i, t := range tests {
		keep[i] = owner[t.Group] == sh.Index-1
	}
	return keep
}

func measured(tests []schedule.Test) bool {
	for _, t := range tests {
		if t.Known {
			return true
		}
	}
	return false
}

func (sh Shard) byHash(files []string) []int {
	out := make([]int, len(files))
	for f, name := range files {
		h := fnv.New32a()
		h.Write([]byte(name))
		out[f] = int(h.Sum32() % uint32(sh.Total))
	}
	return out
}

func (sh Shard) byWork(tests []schedule.Test, files []string, setup []float64) []int {
	work := make([]float64, len(files))
	for f := range files {
		if f < len(setup) {
			work[f] = setup[f]
		}
	}
	for _, t := range tests {
		d := t.Seconds
		if !t.Known {
			d = schedule.DefaultSeconds
		}
		work[t.Group] += d
	}
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
