package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestCPUShare(t *testing.T) {
	type cpu struct{ pkg, core int }
	type testCase struct {
		name   string
		online string
		cpus   []cpu  // each CPU's package and core
		cpuMax string // cgroup v2's cpu.max; "" for none
		usable int    // CPUs the process may run on
		loky   string // LOKY_MAX_CPU_COUNT
		want   int
	}
	run := func(t *testing.T, tc testCase) {
		sys := t.TempDir()
		write := func(rel, text string) {
			path := filepath.Join(sys, rel)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(text+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if tc.online != "" {
			write("devices/system/cpu/online", tc.online)
		}
		for i, c := range tc.cpus {
			dir := filepath.Join("devices/system/cpu", "cpu"+strconv.Itoa(i), "topology")
			write(filepath.Join(dir, "physical_package_id"), strconv.Itoa(c.pkg))
			write(filepath.Join(dir, "core_id"), strconv.Itoa(c.core))
		}
		if tc.cpuMax != "" {
			write("fs/cgroup/cpu.max", tc.cpuMax)
		}
		getenv := func(name string) string {
			if name == "LOKY_MAX_CPU_COUNT" {
				return tc.loky
			}
			return ""
		}
		if got := cpuShare(sys, tc.usable, getenv); got != tc.want {
			t.Errorf("cpuShare = %d, want %d", got, tc.want)
		}
	}
	// Two packages of four cores with two threads each: 16 CPUs.
	var smt []cpu
	for i := 0; i < 16; i++ {
		smt = append(smt, cpu{pkg: i / 8, core: i % 4})
	}
	testCases := []testCase{
		{name: "physical cores of the whole machine", online: "0-15", cpus: smt, usable: 16, want: 8},
		{name: "no hyperthreads", online: "0-3", cpus: []cpu{{0, 0}, {0, 1}, {0, 2}, {0, 3}}, usable: 4, want: 4},
		{name: "affinity to fewer CPUs", online: "0-15", cpus: smt, usable: 6, want: 6},
		{name: "a cgroup quota, rounded up", online: "0-15", cpus: smt, cpuMax: "250000 100000", usable: 16, want: 3},
		{name: "no cgroup quota", online: "0-15", cpus: smt, cpuMax: "max 100000", usable: 16, want: 8},
		{name: "LOKY_MAX_CPU_COUNT", online: "0-15", cpus: smt, usable: 16, loky: "5", want: 5},
		{name: "online ranges", online: "0-7,12-15", cpus: smt, usable: 12, want: 8},
		{name: "no topology", online: "0-3", usable: 4, want: 4},
		{name: "nothing to read", usable: 3, want: 3},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
