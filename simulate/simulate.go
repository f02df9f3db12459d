// Package simulate replays a scheduling policy over tests whose durations are
// known (a trace of a real run, or a model), on workers that behave like
// pytest's: one test at a time, each started only once the next is known or
// the worker is told nothing more comes, and a file's fixtures set up again
// whenever a worker moves to another file. It gives the makespan and every
// test's place on the timeline, so policies can be compared and checked
// without running a process.
package simulate

import (
	"container/heap"
	"fmt"
)

// Policy hands out tests; schedule.Scheduler is one.
type Policy interface {
	Next(w int, now float64) (tests []int, final bool)
	Done(w, i int, seconds, now float64)
}

// Suite is what really happens when a test runs.
type Suite struct {
	Group  []int     // per test: its file
	Actual []float64 // per test: its duration with its file's fixtures set up
	Setup  []float64 // per group: what its first test on a worker adds
}

// Options describe the workers.
type Options struct {
	Workers  int
	Latency  float64 // seconds between a test ending and the worker getting what shoal sends back
	Overhead float64 // seconds each test costs besides its own duration
}

// Span is one test on the timeline.
type Span struct {
	Worker      int
	Test        int
	Start, Stop float64
	Cold        bool // it paid its file's set-up
}

// Result is a finished simulation.
type Result struct {
	Makespan float64
	Spans    []Span // in the order tests finished
	Setups   int    // set-ups paid
}

type simWorker struct {
	queue   []int
	final   bool
	running int // test, or -1
	start   float64
	cold    bool
	warm    int // group whose fixtures are set up, or -1
}

type event struct {
	at     float64
	seq    int
	worker int
	end    bool  // the running test ends; otherwise a delivery
	tests  []int // delivery
	final  bool
}

type events []event

func (e events) Len() int { return len(e) }
func (e events) Less(a, b int) bool {
	if e[a].at != e[b].at {
		return e[a].at < e[b].at
	}
	return e[a].seq < e[b].seq
}
func (e events) Swap(a, b int) { e[a], e[b] = e[b], e[a] }
func (e *events) Push(x any)   { *e = append(*e, x.(event)) }
func (e *events) Pop() any     { old := *e; x := old[len(old)-1]; *e = old[:len(old)-1]; return x }
func (s *sim) push(ev event)   { s.seq++; ev.seq = s.seq; heap.Push(&s.queue, ev) }
func (s *sim) group(i int) int { return s.suite.Group[i] }
func (s *sim) setup(g int) float64 {
	if g >= 0 && g < len(s.suite.Setup) {
		return s.suite.Setup[g]
	}
	return 0
}

type sim struct {
	p       Policy
	suite   Suite
	opt     Options
	workers []simWorker
	queue   events
	seq     int
	now     float64
	res     Result
}

// Run replays p over suite on opt.Workers workers. It fails when the policy
// leaves tests unrun while every worker waits.
func Run(p Policy, suite Suite, opt Options) (Result, error) {
	s := &sim{p: p, suite: suite, opt: opt, workers: make([]simWorker, opt.Workers)}
	for w := range s.workers {
		s.workers[w] = simWorker{running: -1, warm: -1}
	}
	s.poll()
	for s.queue.Len() > 0 {
		ev := heap.Pop(&s.queue).(event)
		s.now = ev.at
		w := &s.workers[ev.worker]
		if ev.end {
			s.finish(ev.worker)
			s.poll()
		} else {
			w.queue = append(w.queue, ev.tests...)
			w.final = w.final || ev.final
		}
		s.startIdle()
	}
	if n := len(s.res.Spans); n != len(suite.Actual) {
		return s.res, fmt.Errorf("simulate: %d of %d tests ran; the policy left the rest waiting", n, len(suite.Actual))
	}
	return s.res, nil
}

// poll asks the policy for every worker's next tests, again while any
// worker got some (what one worker takes can free another); they arrive
// after the latency.
func (s *sim) poll() {
	told := make([]bool, len(s.workers))
	for more := true; more; {
		more = false
		for w := range s.workers {
			tests, final := s.p.Next(w, s.now)
			final = final && !told[w] && !s.workers[w].final
			if len(tests) > 0 || final {
				told[w] = told[w] || final
				more = true
				s.push(event{at: s.now + s.opt.Latency, worker: w, tests: tests, final: final})
			}
		}
	}
}

func (s *sim) startIdle() {
	for w := range s.workers {
		wk := &s.workers[w]
		if wk.running >= 0 || len(wk.queue) == 0 || len(wk.queue) < 2 && !wk.final {
			continue
		}
		i := wk.queue[0]
		wk.queue = wk.queue[1:]
		g := s.group(i)
		wk.running, wk.start, wk.cold = i, s.now, wk.warm != g
		d := s.suite.Actual[i] + s.opt.Overhead
		if wk.cold {
			d += s.setup(g)
			s.res.Setups++
		}
		// pytest tears the file's fixtures down unless the next test is in it.
		wk.warm = -1
		if len(wk.queue) > 0 && s.group(wk.queue[0]) == g {
			wk.warm = g
		}
		s.push(event{at: s.now + d, worker: w, end: true})
	}
}

func (s *sim) finish(w int) {
	wk := &s.workers[w]
	i := wk.running
	wk.running = -1
	s.res.Spans = append(s.res.Spans, Span{Worker: w, Test: i, Start: wk.start, Stop: s.now, Cold: wk.cold})
	s.res.Makespan = max(s.res.Makespan, s.now)
	s.p.Done(w, i, s.now-wk.start, s.now)
}
