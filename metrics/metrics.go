// Package metrics tells where a run's time went: from a run record to wall
// time, the serial estimate and speedup, each worker's busy and idle time,
// the idle tail, the critical path, and the bottlenecks ranked by the
// seconds they cost, each with advice. It only reads a finished record.
package metrics

import (
	"cmp"
	"slices"
	"strings"

	"shoal/report/record"
)

// Summary is what a run's time went to. Every time is in seconds.
type Summary struct {
	// Wall is the run's wall-clock time, from shoal's start to its end.
	Wall float64 `json:"wall"`
	// Startup is the time before the first test started: pytest's start,
	// collection and the workers' start.
	Startup float64 `json:"startup"`
	// SerialEstimate is what one pytest process would take: the sum of
	// the tests' measured times plus one start-up.
	SerialEstimate float64 `json:"serial_estimate"`
	// Speedup is SerialEstimate over Wall.
	Speedup float64  `json:"speedup"`
	Workers []Worker `json:"workers"`
	// IdleTail runs from the first worker to finish its last test to the
	// last one to finish (of the workers that ran tests).
	IdleTail     float64      `json:"idle_tail"`
	CriticalPath CriticalPath `json:"critical_path"`
	// Bottlenecks are ranked by the seconds they cost, largest first.
	Bottlenecks []Bottleneck `json:"bottlenecks"`
}

// Worker is one worker's share of the run. Its time after start-up is
// busy (running tests) or idle; Utilisation is busy over that time.
type Worker struct {
	ID          string  `json:"id"`
	Tests       int     `json:"tests"`
	Busy        float64 `json:"busy"`
	Idle        float64 `json:"idle"`
	Utilisation float64 `json:"utilisation"`
	// Finished is when its last test ended, from the run's start.
	Finished float64 `json:"finished"`
}

// CriticalPath is the chain of work that ended last: start-up, then the
// tests of the worker that finished last. Tests are its longest, longest
// first.
type CriticalPath struct {
	Worker  string   `json:"worker"`
	Seconds float64  `json:"seconds"`
	Tests   []string `json:"tests"`
}

// Bottleneck is one thing that kept the run from being shorter, with the
// seconds it cost the wall time and what to do about it.
type Bottleneck struct {
	Kind    string   `json:"kind"`
	Seconds float64  `json:"seconds"`
	Advice  string   `json:"advice"`
	Tests   []string `json:"tests"`
}

// The kinds of bottleneck.
const (
	KindIsolation = "isolation" // exclusive tests that nothing overlaps
	KindLongTest  = "long_test" // one test longer than a worker's even share
	KindFixture   = "fixture"   // a file's set-up paid again on every worker
	KindStartup   = "startup"   // start-up and collection
	KindLock      = "lock"      // tests holding one key, in turn
	KindHeavy     = "heavy"     // tests that take several workers' slots
	KindRestart   = "restart"   // a worker started again after a crash
)

const (
	maxNamedTests = 10         // tests a bottleneck or the path lists
	minSeconds    = 0.001      // a bottleneck costing less is left out
	fixtureFactor = 3.0        // a first set-up this many times the file's usual one is a fixture's
	minFixture    = 0.05       // a first set-up shorter than this costs too little to tell
	unneeded      = "unneeded" // shoal audit's verdict on a marker that can go
)

// Options add what the record does not hold.
type Options struct {
	// Verdicts are shoal audit's verdicts by node id ("unneeded", …), when
	// it has run; nil otherwise.
	Verdicts map[string]string
}

// run is the record with its tests grouped the way the metrics read them.
type run struct {
	rec      *record.Record
	start    float64 // of the first test
	startup  float64
	total    float64 // the tests' summed time
	share    float64 // total over the workers: the even share of each
	workers  []string
	byWorker map[string][]record.Test
}

// Compute works out the summary of a run record.
func Compute(rec *record.Record, opt Options) Summary {
	r := group(rec)
	s := Summary{Wall: max(0, rec.Stop-rec.Start), Startup: r.startup, SerialEstimate: r.total + r.startup}
	if s.Wall > 0 {
		s.Speedup = s.SerialEstimate / s.Wall
	}
	s.Workers = r.workerShares(s.Wall)
	s.IdleTail, s.CriticalPath = r.tail(s.Workers)
	s.Bottlenecks = r.bottlenecks(opt)
	return s
}

func group(rec *record.Record) *run {
	r := &run{rec: rec, byWorker: map[string][]record.Test{}}
	for _, w := range rec.Workers {
		r.addWorker(w.ID)
	}
	for i, t := range rec.Tests {
		if i == 0 || t.Start < r.start {
			r.start = t.Start
		}
		r.total += testTime(t)
		r.addWorker(t.Worker)
		r.byWorker[t.Worker] = append(r.byWorker[t.Worker], t)
	}
	for _, ts := range r.byWorker {
		slices.SortStableFunc(ts, func(a, b record.Test) int { return cmp.Compare(a.Start, b.Start) })
	}
	if len(rec.Tests) > 0 {
		r.startup = max(0, r.start-rec.Start)
	}
	if n := len(r.workers); n > 0 {
		r.share = r.total / float64(n)
	}
	return r
}

func (r *run) addWorker(id string) {
	if _, ok := r.byWorker[id]; !ok {
		r.byWorker[id] = nil
		r.workers = append(r.workers, id)
	}
}

// testTime is how long a test held its worker: its whole protocol.
func testTime(t record.Test) float64 { return max(0, t.Stop-t.Start) }

func (r *run) workerShares(wall float64) []Worker {
	avail := max(0, wall-r.startup)
	out := []Worker{}
	for _, id := range r.workers {
		w := Worker{ID: id, Tests: len(r.byWorker[id]), Finished: r.startup}
		for _, t := range r.byWorker[id] {
			w.Busy += testTime(t)
			w.Finished = max(w.Finished, t.Stop-r.rec.Start)
		}
		w.Idle = max(0, avail-w.Busy)
		if avail > 0 {
			w.Utilisation = min(1, w.Busy/avail)
		}
		out = append(out, w)
	}
	return out
}

// tail is the idle tail and the critical path: the worker that finished
// last, behind start-up. Workers that ran nothing show as idle in their
// utilisation, not in the tail, which is about how the work ended.
func (r *run) tail(all []Worker) (float64, CriticalPath) {
	var ws []Worker
	for _, w := range all {
		if w.Tests > 0 {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return 0, CriticalPath{Tests: []string{}}
	}
	first, last := ws[0], ws[0]
	for _, w := range ws[1:] {
		if w.Finished < first.Finished {
			first = w
		}
		if w.Finished > last.Finished {
			last = w
		}
	}
	path := CriticalPath{Worker: last.ID, Seconds: last.Finished, Tests: longest(r.byWorker[last.ID], maxNamedTests)}
	return last.Finished - first.Finished, path
}

// longest names up to n of tests, longest first.
func longest(tests []record.Test, n int) []string {
	sorted := slices.Clone(tests)
	slices.SortStableFunc(sorted, func(a, b record.Test) int { return cmp.Compare(testTime(b), testTime(a)) })
	out := []string{}
	for _, t := range sorted[:min(n, len(sorted))] {
		out = append(out, t.NodeID)
	}
	return out
}

// file is the node id of a test's file.
func file(nodeid string) string {
	f, _, _ := strings.Cut(nodeid, "::")
	return f
}
