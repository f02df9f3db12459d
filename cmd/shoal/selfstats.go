package main

import (
	"encoding/json"
	"os"
	"runtime/pprof"
	"syscall"
)

// startCPUProfile writes a Go CPU profile of shoal itself to the file that
// SHOAL_CPU_PROFILE names, for finding what the orchestrator spends its CPU
// on (go tool pprof). The returned function ends it.
func startCPUProfile() func() {
	path := os.Getenv("SHOAL_CPU_PROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// writeSelfStats records shoal's own CPU time and peak memory (not its
// children's) where SHOAL_SELF_STATS names a file; benchmarks read it to
// show what the orchestrator costs beside the tests.
func writeSelfStats() {
	path := os.Getenv("SHOAL_SELF_STATS")
	if path == "" {
		return
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return
	}
	seconds := func(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	data, _ := json.Marshal(map[string]float64{
		"user_seconds":   seconds(ru.Utime),
		"system_seconds": seconds(ru.Stime),
		"max_rss_bytes":  float64(ru.Maxrss) * 1024,
	})
	_ = os.WriteFile(path, data, 0o644)
}
