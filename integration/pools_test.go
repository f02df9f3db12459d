//go:build integration

package integration_test

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var poolVars = []string{"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
	"BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"}

// TestThreadPools: every worker, forked or spawned, sees the numerical
// libraries' thread-pool variables shoal sets, and a value the user set
// is kept. "auto" gives each of the 2 workers the share scikit-learn's
// conftest computes for a pytest-xdist worker: joblib's count of physical
// cores, halved.
func TestThreadPools(t *testing.T) {
	requirePython(t)
	t.Parallel()
	auto := strconv.Itoa(max(1, runtime.NumCPU()/2))
	if out, err := exec.Command(python, "-c", "import joblib; print(joblib.cpu_count(only_physical_cores=True))").Output(); err == nil {
		cores, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatalf("joblib's cpu_count said %q", out)
		}
		auto = strconv.Itoa(max(1, cores/2))
	} else {
		t.Logf("no joblib to count the physical cores: %v; expecting the CPUs halved", err)
	}
	all := func(v string) map[string]string {
		m := map[string]string{}
		for _, name := range poolVars {
			m[name] = v
		}
		return m
	}
	userSet := all("3")
	userSet["OMP_NUM_THREADS"] = "7"
	cases := []struct {
		name  string
		flags []string
		user  []string
		want  map[string]string
	}{
		{"auto shares the CPUs out", nil, nil, all(auto)},
		{"inherit leaves them unset", []string{"--thread-pools", "inherit"}, nil, all("")},
		{"a number, the user's value kept", []string{"--thread-pools", "3"}, []string{"OMP_NUM_THREADS=7"}, userSet},
	}
	for _, mode := range startModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				want, _ := json.Marshal(tc.want)
				var env []string
				for _, kv := range baseEnv() {
					if !isPoolVar(kv) {
						env = append(env, kv)
					}
				}
				env = append(append(env, tc.user...), "SHOAL_IT_POOLS="+string(want))
				sh := runShoal(t, copySuite(t, "thread_pools"), shoalCall{mode: mode, env: env, flags: tc.flags})
				if sh.code != 0 {
					t.Fatalf("shoal exited %d, want 0:\n%s", sh.code, sh.output)
				}
				if sh.record == nil || len(sh.record.Tests) != 6 {
					t.Fatalf("want 6 tests in the record:\n%s", sh.output)
				}
			})
		}
	}
}

func isPoolVar(kv string) bool {
	for _, name := range poolVars {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}
