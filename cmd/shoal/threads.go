package main

import (
	"fmt"
	"strconv"
	"strings"

	"shoal/config"
)

// threadPoolVars are the variables through which numerical libraries size
// their thread pools: OpenMP, OpenBLAS, MKL, BLIS, Accelerate and numexpr.
var threadPoolVars = []string{
	"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
	"BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
}

// threadPools is how many threads each worker's numerical libraries may
// start, and the variables that say so to the pytest processes.
type threadPools struct {
	threads int      // 0: the environment is left as it is
	env     []string // NAME=threads for each variable the user did not set
}

// resolveThreadPools reads --thread-pools, else [tool.shoal] thread_pools,
// else "auto". Each library sizes its pool to every CPU of the machine, so
// N workers would start N pools as large: "auto" gives each worker its
// share of cpus (cpuShare: the physical cores) instead, the share
// scikit-learn's conftest computes for each pytest-xdist worker. A variable
// the user set keeps the user's value. The session process gets them too:
// its forked workers inherit pools made before the fork.
func resolveThreadPools(flag string, cfg *config.Config, cpus, workers int, getenv func(string) string) (threadPools, error) {
	v := flag
	if v == "" {
		v = cfg.ThreadPools
	}
	var n int
	switch v {
	case "inherit":
		return threadPools{}, nil
	case "", "auto":
		if workers <= 1 {
			return threadPools{}, nil
		}
		n = max(1, cpus/workers)
	default:
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return threadPools{}, usageError(fmt.Sprintf("invalid --thread-pools %q", v),
				`give "auto", "inherit" or a number of threads per worker ≥ 1`)
		}
	}
	tp := threadPools{threads: n}
	for _, name := range threadPoolVars {
		if getenv(name) == "" {
			tp.env = append(tp.env, name+"="+strconv.Itoa(n))
		}
	}
	return tp, nil
}

// line describes the pools for `shoal run -v`; "" when left as they are.
func (tp threadPools) line() string {
	if tp.threads == 0 {
		return ""
	}
	names := make([]string, len(tp.env))
	for i, kv := range tp.env {
		names[i], _, _ = strings.Cut(kv, "=")
	}
	set := "none: all set already"
	if len(names) > 0 {
		set = strings.Join(names, ", ")
	}
	return fmt.Sprintf("shoal: numerical libraries' thread pools: %d thread%s per worker (set: %s)",
		tp.threads, plural(tp.threads), set)
}
