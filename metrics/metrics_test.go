package metrics

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"shoal/report/record"
)

// tt is a test of a made-up record: worker, start and stop from the run's
// start (which is 100), and what its markers asked.
type tt struct {
	id, worker  string
	start, stop float64
	setup       float64
	exclusive   bool
	locks       []string
	slots       int
	crashed     bool
}

func rec(stop float64, workers []record.Worker, tests ...tt) *record.Record {
	r := &record.Record{Start: 100, Stop: 100 + stop, StartMode: "fork", Workers: workers}
	for _, t := range tests {
		r.Tests = append(r.Tests, record.Test{NodeID: t.id, Worker: t.worker, Start: 100 + t.start, Stop: 100 + t.stop,
			Phases: record.Phases{Setup: t.setup}, Exclusive: t.exclusive, Locks: t.locks, Slots: t.slots, Crashed: t.crashed})
	}
	return r
}

func ws(ids ...string) []record.Worker {
	var out []record.Worker
	for _, id := range ids {
		out = append(out, record.Worker{ID: id})
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestCompute(t *testing.T) {
	type testCase struct {
		name string
		rec  *record.Record
		opt  Options
		// want: the summary's figures, and the bottlenecks' kinds and
		// seconds in order.
		wall, serial, startup, tail float64
		busy, util                  map[string]float64
		path                        string
		kinds                       []string
		seconds                     []float64
		advice                      []string // substrings of the advice, by rank
	}
	run := func(t *testing.T, tc testCase) {
		s := Compute(tc.rec, tc.opt)
		if !near(s.Wall, tc.wall) || !near(s.SerialEstimate, tc.serial) || !near(s.Startup, tc.startup) || !near(s.IdleTail, tc.tail) {
			t.Errorf("wall %v serial %v startup %v tail %v; want %v %v %v %v", s.Wall, s.SerialEstimate, s.Startup, s.IdleTail, tc.wall, tc.serial, tc.startup, tc.tail)
		}
		if !near(s.Speedup, tc.serial/tc.wall) {
			t.Errorf("speedup %v, want %v", s.Speedup, tc.serial/tc.wall)
		}
		for _, w := range s.Workers {
			if b, ok := tc.busy[w.ID]; ok && !near(w.Busy, b) {
				t.Errorf("%s busy %v, want %v", w.ID, w.Busy, b)
			}
			if u, ok := tc.util[w.ID]; ok && !near(w.Utilisation, u) {
				t.Errorf("%s utilisation %v, want %v", w.ID, w.Utilisation, u)
			}
			if w.Utilisation < 0 || w.Utilisation > 1 || w.Idle < 0 {
				t.Errorf("%s: utilisation %v, idle %v", w.ID, w.Utilisation, w.Idle)
			}
		}
		if s.CriticalPath.Worker != tc.path {
			t.Errorf("critical path on %q, want %q", s.CriticalPath.Worker, tc.path)
		}
		if len(s.Bottlenecks) != len(tc.kinds) {
			t.Fatalf("bottlenecks %+v, want kinds %v", s.Bottlenecks, tc.kinds)
		}
		for i, b := range s.Bottlenecks {
			if b.Kind != tc.kinds[i] || !near(b.Seconds, tc.seconds[i]) {
				t.Errorf("bottleneck %d: %s %v s, want %s %v s", i, b.Kind, b.Seconds, tc.kinds[i], tc.seconds[i])
			}
			if i < len(tc.advice) && !strings.Contains(b.Advice, tc.advice[i]) {
				t.Errorf("bottleneck %d advice %q lacks %q", i, b.Advice, tc.advice[i])
			}
		}
	}
	cases := []testCase{{
		name: "even work, only start-up",
		rec: rec(5, ws("gw0", "gw1"),
			tt{id: "a.py::x", worker: "gw0", start: 1, stop: 3}, tt{id: "a.py::y", worker: "gw0", start: 3, stop: 5},
			tt{id: "b.py::x", worker: "gw1", start: 1, stop: 4.5}),
		wall: 5, serial: 8.5, startup: 1, tail: 0.5,
		busy: map[string]float64{"gw0": 4, "gw1": 3.5}, util: map[string]float64{"gw0": 1, "gw1": 0.875},
		path: "gw0", kinds: []string{KindStartup}, seconds: []float64{1}, advice: []string{"before the first test"},
	}, {
		name: "a worker that ran nothing is idle, not the tail",
		rec: rec(5, ws("gw0", "gw1", "gw2"),
			tt{id: "a.py::w", worker: "gw0", start: 1, stop: 2}, tt{id: "a.py::x", worker: "gw0", start: 2, stop: 3},
			tt{id: "a.py::y", worker: "gw0", start: 3, stop: 4}, tt{id: "a.py::z", worker: "gw0", start: 4, stop: 5},
			tt{id: "b.py::w", worker: "gw1", start: 1, stop: 2}, tt{id: "b.py::x", worker: "gw1", start: 2, stop: 3},
			tt{id: "b.py::y", worker: "gw1", start: 3, stop: 4}, tt{id: "b.py::z", worker: "gw1", start: 4, stop: 4.5}),
		wall: 5, serial: 8.5, startup: 1, tail: 0.5,
		busy: map[string]float64{"gw2": 0}, util: map[string]float64{"gw2": 0},
		path: "gw0", kinds: []string{KindStartup}, seconds: []float64{1},
	}, {
		name: "a long test and exclusive tests, without and with the audit",
		rec: rec(10, ws("gw0", "gw1"),
			tt{id: "long.py::t", worker: "gw0", start: 0.5, stop: 8.5},
			tt{id: "a.py::x", worker: "gw1", start: 0.5, stop: 1.5},
			tt{id: "alone.py::a", worker: "gw1", start: 8.5, stop: 9.5, exclusive: true},
			tt{id: "alone.py::b", worker: "gw0", start: 9.5, stop: 10, exclusive: true}),
		// total 10.5, share 5.25; the long test costs 8-5.25; the
		// exclusive ones held 1.5 s, their own share 0.75.
		wall: 10, serial: 11, startup: 0.5, tail: 0.5,
		busy: map[string]float64{"gw0": 8.5, "gw1": 2}, util: map[string]float64{"gw0": 8.5 / 9.5, "gw1": 2 / 9.5},
		path: "gw0", kinds: []string{KindLongTest, KindIsolation, KindStartup}, seconds: []float64{2.75, 0.75, 0.5},
		advice: []string{"long.py::t takes 8.00 s", "2 tests marked isolation ran for 1.50 s", ""},
	}, {
		name: "the audit's unneeded markers are counted",
		rec: rec(3, ws("gw0", "gw1"),
			tt{id: "alone.py::a", worker: "gw1", start: 0, stop: 1, exclusive: true},
			tt{id: "alone.py::b", worker: "gw0", start: 1, stop: 2, exclusive: true},
			tt{id: "a.py::x", worker: "gw0", start: 2, stop: 3}, tt{id: "a.py::y", worker: "gw1", start: 2, stop: 3}),
		opt:  Options{Verdicts: map[string]string{"alone.py::a": "unneeded", "alone.py::b": "required"}},
		wall: 3, serial: 4, tail: 0, path: "gw0",
		kinds: []string{KindIsolation}, seconds: []float64{1}, advice: []string{"judged 1 of them unneeded"},
	}, {
		name: "a module fixture set up on every worker",
		rec: rec(2, ws("gw0", "gw1", "gw2"),
			tt{id: "m.py::a", worker: "gw0", start: 0, stop: 1, setup: 0.5}, tt{id: "m.py::b", worker: "gw0", start: 1, stop: 1.2, setup: 0.01},
			tt{id: "m.py::c", worker: "gw1", start: 0, stop: 1, setup: 0.6}, tt{id: "m.py::d", worker: "gw1", start: 1, stop: 1.1, setup: 0.01},
			tt{id: "m.py::e", worker: "gw2", start: 0, stop: 1, setup: 0.7},
			tt{id: "n.py::a", worker: "gw2", start: 1, stop: 2, setup: 0.02}),
		wall: 2, serial: 4.3, tail: 0.9, path: "gw2",
		kinds: []string{KindFixture}, seconds: []float64{1.2}, advice: []string{"m.py sets up for 0.60 s on each of the 3 workers"},
	}, {
		name: "a key whose tests take turns sets the floor",
		rec: rec(6, ws("gw0", "gw1", "gw2"),
			tt{id: "db.py::a", worker: "gw0", start: 0, stop: 2, locks: []string{"db"}},
			tt{id: "db.py::b", worker: "gw1", start: 2, stop: 4, locks: []string{"db"}},
			tt{id: "db.py::c", worker: "gw2", start: 4, stop: 6, locks: []string{"db"}},
			tt{id: "x.py::a", worker: "gw1", start: 0, stop: 1.5}),
		// total 7.5, share 2.5; the key's chain 6 s, one at a time.
		wall: 6, serial: 7.5, tail: 4, path: "gw2",
		kinds: []string{KindLock}, seconds: []float64{3.5}, advice: []string{`3 tests holding "db" took turns, 1 at a time: 6.00 s`},
	}, {
		name: "heavy tests and a restarted worker",
		rec: rec(4, []record.Worker{{ID: "gw0", Restarts: 2}, {ID: "gw1"}},
			tt{id: "h.py::a", worker: "gw1", start: 1, stop: 3, slots: 2},
			tt{id: "c.py::boom", worker: "gw0", start: 1, stop: 1.5, crashed: true},
			tt{id: "c.py::ok", worker: "gw0", start: 1.5, stop: 2.5}),
		// heavy: 2 s x 1 other slot over 2 workers; restarts: 2 x 1 s
		// start-up; the heavy test is also 0.25 s over the even share.
		wall: 4, serial: 4.5, startup: 1, tail: 0.5, path: "gw1",
		kinds: []string{KindRestart, KindStartup, KindHeavy, KindLongTest}, seconds: []float64{2, 1, 1, 0.25},
		advice: []string{"gw0 was started again 2 times", "", "1 heavy test kept 2.00 s"},
	}, {
		name: "no tests",
		rec:  rec(1, ws("gw0")),
		wall: 1, serial: 0, kinds: []string{},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestWriteText(t *testing.T) {
	s := Compute(rec(10, ws("gw0", "gw1"),
		tt{id: "long.py::t", worker: "gw0", start: 0.5, stop: 8.5},
		tt{id: "a.py::x", worker: "gw1", start: 0.5, stop: 1.5}), Options{})
	var buf bytes.Buffer
	WriteText(&buf, s)
	for _, want := range []string{
		"where the time went: 10.00 s wall, 9.50 s serial estimate, speedup 0.95x on 2 workers",
		"gw1   busy    1.00 s  idle    8.50 s  utilisation  11%  1 test",
		"critical path: start-up, then gw0 until 8.50 s; its longest: long.py::t",
		"     3.50 s  long_test long.py::t takes 8.00 s",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
}
