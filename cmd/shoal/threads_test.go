package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"shoal/config"
)

func TestResolveThreadPools(t *testing.T) {
	none := func(string) string { return "" }
	userOMP := func(name string) string {
		if name == "OMP_NUM_THREADS" {
			return "7"
		}
		return ""
	}
	cases := []struct {
		name    string
		flag    string
		cfg     string
		cpus    int
		workers int
		getenv  func(string) string
		threads int
		unset   []string // variables left out of env
		err     string
	}{
		{name: "auto by default", cpus: 16, workers: 8, getenv: none, threads: 2},
		{name: "auto rounds down", cpus: 16, workers: 6, getenv: none, threads: 2},
		{name: "at least one", cpus: 2, workers: 8, getenv: none, threads: 1},
		{name: "one worker keeps the machine", cpus: 16, workers: 1, getenv: none, threads: 0},
		{name: "config number", cfg: "4", cpus: 16, workers: 8, getenv: none, threads: 4},
		{name: "flag wins over config", flag: "inherit", cfg: "4", cpus: 16, workers: 8, getenv: none, threads: 0},
		{name: "config inherit", cfg: "inherit", cpus: 16, workers: 8, getenv: none, threads: 0},
		{name: "user's variable kept", cpus: 16, workers: 8, getenv: userOMP, threads: 2, unset: []string{"OMP_NUM_THREADS"}},
		{name: "not a number", flag: "many", cpus: 16, workers: 8, getenv: none, err: `invalid --thread-pools "many"`},
		{name: "zero", flag: "0", cpus: 16, workers: 8, getenv: none, err: `invalid --thread-pools "0"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.ThreadPools = tc.cfg
			tp, err := resolveThreadPools(tc.flag, cfg, tc.cpus, tc.workers, tc.getenv)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tp.threads != tc.threads {
				t.Errorf("threads %d, want %d", tp.threads, tc.threads)
			}
			if tc.threads == 0 {
				if len(tp.env) != 0 || tp.line() != "" {
					t.Errorf("env %v, line %q: want nothing set", tp.env, tp.line())
				}
				return
			}
			var want []string
			for _, name := range threadPoolVars {
				if !slices.Contains(tc.unset, name) {
					want = append(want, name+"="+itoa(tc.threads))
				}
			}
			if !slices.Equal(tp.env, want) {
				t.Errorf("env %v, want %v", tp.env, want)
			}
			if !strings.Contains(tp.line(), itoa(tc.threads)+" thread") {
				t.Errorf("line %q does not say %d threads", tp.line(), tc.threads)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
