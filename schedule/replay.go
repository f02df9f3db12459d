package schedule

import (
	"shoal/simulate"
)

// Replays with expected durations: predictions, and the choice between
// barriers planned ahead and placed as the run goes.

// Replays with expected durations (predictions of a run, and the choice between
// barriers planned ahead and placed as the run goes) assume this round trip
// to shoal and, unless Config.Overhead says what was measured, this cost
// per test besides its own duration.
const (
	ReplayLatency  = 0.002
	ReplayOverhead = 0.0008
)

// ReplayOptions are the simulator's options for a replay of a run with
// configuration cfg.
func ReplayOptions(cfg Config) simulate.Options {
	overhead := cfg.Overhead
	if overhead <= 0 {
		overhead = ReplayOverhead
	}
	return simulate.Options{Workers: cfg.Workers, Latency: ReplayLatency, Overhead: overhead}
}

// ExpectedSuite is the suite as a replay sees it: every test takes its
// expected duration, DefaultSeconds where nobody measured it.
func ExpectedSuite(tests []Test, setup []float64) simulate.Suite {
	suite := simulate.Suite{Group: make([]int, len(tests)), Actual: make([]float64, len(tests)), Setup: setup}
	for i, t := range tests {
		suite.Group[i], suite.Actual[i] = t.Group, t.expected(DefaultSeconds)
	}
	return suite
}

// planPays replays the tests with their expected durations both ways, with
// the barriers of bp and with barriers placed as the run goes, and tells
// whether the plan ends sooner.
func (s *Scheduler) planPays(bp *BarrierPlan) bool {
	suite := ExpectedSuite(s.tests, s.cfg.Setup)
	opt := ReplayOptions(s.cfg)
	planned := newScheduler(s.tests, s.cfg)
	planned.follow(bp)
	withPlan, err := simulate.Run(planned, suite, opt)
	if err != nil {
		return false
	}
	asTheyGo, err := simulate.Run(newScheduler(s.tests, s.cfg), suite, opt)
	return err != nil || withPlan.Makespan < asTheyGo.Makespan
}
