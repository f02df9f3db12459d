package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpuShare is the number of CPUs that joblib's
// cpu_count(only_physical_cores=True) counts, which scikit-learn's
// conftest shares out among pytest-xdist's workers to size their thread
// pools: the CPUs this process may use where that is fewer than the
// machine has online (affinity, a cgroup's CPU quota, LOKY_MAX_CPU_COUNT),
// else the physical cores. sys is the root of the sysfs tree ("/sys");
// usable the CPUs the process may run on (runtime.NumCPU).
func cpuShare(sys string, usable int, getenv func(string) string) int {
	user := usable
	if q := cgroupCPUs(sys); q > 0 && q < user {
		user = q
	}
	if n, err := strconv.Atoi(getenv("LOKY_MAX_CPU_COUNT")); err == nil && n > 0 && n < user {
		user = n
	}
	if online := onlineCPUs(sys); online == 0 || user < online {
		return max(user, 1)
	}
	if cores := physicalCores(sys); cores > 0 {
		return cores
	}
	return max(user, 1)
}

// onlineCPUs counts the CPUs in devices/system/cpu/online ("0-3,6"); 0
// where it cannot be read.
func onlineCPUs(sys string) int {
	data, err := os.ReadFile(filepath.Join(sys, "devices", "system", "cpu", "online"))
	if err != nil {
		return 0
	}
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(string(data)), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0
			}
		}
		n += b - a + 1
	}
	return n
}

// physicalCores counts the distinct (package, core) pairs of the CPUs'
// topology, as lscpu --parse=core does; 0 where there is none.
func physicalCores(sys string) int {
	dirs, _ := filepath.Glob(filepath.Join(sys, "devices", "system", "cpu", "cpu[0-9]*", "topology"))
	cores := map[string]bool{}
	for _, dir := range dirs {
		pkg, err1 := os.ReadFile(filepath.Join(dir, "physical_package_id"))
		core, err2 := os.ReadFile(filepath.Join(dir, "core_id"))
		if err1 != nil || err2 != nil {
			continue
		}
		cores[strings.TrimSpace(string(pkg))+"/"+strings.TrimSpace(string(core))] = true
	}
	return len(cores)
}

// cgroupCPUs is the CPU quota of the process's cgroup, rounded up (cgroup
// v2's cpu.max, else v1's cfs quota and period); 0 where there is none.
func cgroupCPUs(sys string) int {
	if data, err := os.ReadFile(filepath.Join(sys, "fs", "cgroup", "cpu.max")); err == nil {
		fields := strings.Fields(string(data))
		if len(fields) == 2 {
			return quotaCPUs(fields[0], fields[1])
		}
		return 0
	}
	quota, err1 := os.ReadFile(filepath.Join(sys, "fs", "cgroup", "cpu", "cpu.cfs_quota_us"))
	period, err2 := os.ReadFile(filepath.Join(sys, "fs", "cgroup", "cpu", "cpu.cfs_period_us"))
	if err1 != nil || err2 != nil {
		return 0
	}
	return quotaCPUs(strings.TrimSpace(string(quota)), strings.TrimSpace(string(period)))
}

func quotaCPUs(quota, period string) int {
	q, err1 := strconv.ParseFloat(quota, 64)
	p, err2 := strconv.ParseFloat(period, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0 // "max" or -1: no quota
	}
	return int(math.Ceil(q / p))
}
