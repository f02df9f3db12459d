// Command simtrace replays a measured trace (JSON lines with "nodeid" and
// "seconds", gzip when the name ends in .gz) under shoal's scheduler and
// pytest-xdist's load and worksteal policies, on 2, 4, 8 and 16 workers, and
// prints a markdown table of makespans against the lower bound.
//
//	go run ./bench/simtrace [-latency S] [TRACE]
//
// The default trace is testdata/traces/networkx-3.6.1-serial.jsonl.gz. Every
// test's duration is as measured; files have no set-up cost (the trace does
// not say), so every policy is judged on ordering alone.
package main

import (
	"flag"
	"fmt"
	"os"

	"shoal/schedule"
	"shoal/simulate"
)

func main() {
	latency := flag.Float64("latency", 0.001, "seconds between a test ending and its worker getting more")
	flag.Parse()
	path := "testdata/traces/networkx-3.6.1-serial.jsonl.gz"
	if flag.NArg() > 0 {
		path = flag.Arg(0)
	}
	tr, err := simulate.ReadTraceFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "simtrace:", err)
		os.Exit(2)
	}
	group, files := tr.Files()
	tests := make([]schedule.Test, len(tr.Seconds))
	total := 0.0
	for i := range tests {
		tests[i] = schedule.Test{Group: group[i], Seconds: tr.Seconds[i], Known: true}
		total += tr.Seconds[i]
	}
	suite := simulate.Suite{Group: group, Actual: tr.Seconds}
	fmt.Printf("%s: %d tests in %d files, %.1f s in one process\n\n", path, len(tests), len(files), total)
	fmt.Println("| workers | lower bound | shoal | xdist load | xdist worksteal |")
	fmt.Println("|---|---|---|---|---|")
	for _, n := range []int{2, 4, 8, 16} {
		cfg := schedule.Config{Workers: n}
		lb := schedule.LowerBound(tests, cfg).Seconds
		s, err := schedule.New(tests, cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "simtrace:", err)
			os.Exit(2)
		}
		opt := simulate.Options{Workers: n, Latency: *latency}
		cell := func(p simulate.Policy) string {
			res, err := simulate.Run(p, suite, opt)
			if err != nil {
				return "error: " + err.Error()
			}
			return fmt.Sprintf("%.2f s (%.3f×)", res.Makespan, res.Makespan/lb)
		}
		fmt.Printf("| %d | %.2f s | %s | %s | %s |\n", n, lb, cell(s),
			cell(simulate.NewLoad(len(tests), n)), cell(simulate.NewWorkSteal(len(tests), n)))
	}
}
