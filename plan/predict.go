package plan

import (
	"encoding/json"
	"fmt"
	"io"

	"shoal/schedule"
	"shoal/simulate"
)

// Prediction is what a replay of the schedule, with the expected
// durations, says of a run.
type Prediction struct {
	Workers   int     `json:"workers"`
	Tests     int     `json:"tests"`
	Measured  int     `json:"measured"`  // tests with an estimate from history
	Exclusive int     `json:"exclusive"` // tests that run alone
	Locked    int     `json:"locked"`    // tests holding resource keys
	Heavy     int     `json:"heavy"`     // tests taking more than one slot
	Startup   float64 `json:"startup"`   // seconds before the first test, from history
	Finish    float64 `json:"finish"`    // seconds after the last test, from history
	Serial    float64 `json:"serial"`    // every test one after another, set-ups once
	// Overhead is what the replay counts each test beyond its duration:
	// measured in earlier runs where OverheadMeasured, else assumed.
	Overhead         float64 `json:"overhead"`
	OverheadMeasured bool    `json:"overhead_measured"`
	Schedule         float64 `json:"schedule"` // the simulated schedule, first test to last
	// PredictedMakespan is Startup + Schedule + Finish: the predicted
	// wall time.
	PredictedMakespan float64 `json:"predicted_makespan"`
	// LowerBound is Startup + Bound.Seconds + Finish: no schedule of these
	// tests, with the same start-up and finish, ends sooner.
	LowerBound float64        `json:"lower_bound"`
	Bound      schedule.Bound `json:"-"`
	Speedup    float64        `json:"predicted_speedup"` // (Startup + Serial) / PredictedMakespan
	Limits     []string       `json:"limits"`            // what bounds it, most first
	// Barriers is how many barriers for exclusive tests were planned
	// before the run; 0 where they are placed as it goes.
	Barriers int `json:"barriers_planned"`
}

// Predict replays the schedule of tests with their expected durations,
// after startup seconds of start-up and with finish seconds after the last
// test (workers and pytest ending, reports written).
func Predict(tests []schedule.Test, cfg schedule.Config, startup, finish float64) (Prediction, error) {
	p := Prediction{Workers: cfg.Workers, Tests: len(tests), Startup: startup, Finish: finish}
	suite := schedule.ExpectedSuite(tests, cfg.Setup)
	opt := schedule.ReplayOptions(cfg)
	p.Overhead, p.OverheadMeasured = opt.Overhead, cfg.Overhead > 0
	groups := map[int]bool{}
	for i, t := range tests {
		p.Serial += suite.Actual[i] + opt.Overhead
		if !groups[t.Group] && t.Group < len(cfg.Setup) {
			p.Serial += cfg.Setup[t.Group]
		}
		groups[t.Group] = true
		p.count(t, cfg.Workers)
	}
	s, err := schedule.New(tests, cfg)
	if err != nil {
		return p, err
	}
	p.Barriers = s.PlannedBarriers()
	res, err := simulate.Run(s, suite, opt)
	if err != nil {
		return p, err
	}
	p.Schedule = res.Makespan
	p.PredictedMakespan = startup + res.Makespan + finish
	p.Bound = schedule.LowerBound(tests, cfg)
	p.LowerBound = startup + p.Bound.Seconds + finish
	if p.PredictedMakespan > 0 {
		p.Speedup = (startup + p.Serial) / p.PredictedMakespan
	}
	p.Limits = limits(p.Bound, cfg.Workers)
	return p, nil
}

func (p *Prediction) count(t schedule.Test, workers int) {
	if t.Known {
		p.Measured++
	}
	switch {
	case t.Alone(workers):
		p.Exclusive++
	case t.Slots > 1:
		p.Heavy++
	}
	if len(t.Locks) > 0 {
		p.Locked++
	}
}

// limits says in words what sets the bound, largest first.
func limits(b schedule.Bound, workers int) []string {
	var out []string
	if b.Exclusive > 0 {
		out = append(out, fmt.Sprintf("isolation tests: %.2f s that nothing can overlap", b.Exclusive))
	}
	parts := []struct {
		t    float64
		text string
	}{
		{b.Spread, fmt.Sprintf("the other tests and set-ups spread over %d workers: %.2f s", workers, b.Spread)},
		{b.Longest, fmt.Sprintf("the longest test, with its file's set-up: %.2f s", b.Longest)},
		{b.LockTime, fmt.Sprintf("tests holding %q, one after another: %.2f s", b.Lock, b.LockTime)},
	}
	best := 0
	for k := range parts {
		if parts[k].t > parts[best].t {
			best = k
		}
	}
	return append(out, parts[best].text)
}

// Explain writes the prediction for a person.
func (p Prediction) Explain(w io.Writer) {
	fmt.Fprintf(w, "%d tests on %d workers; %d with measured or similar tests' durations, %d guessed\n",
		p.Tests, p.Workers, p.Measured, p.Tests-p.Measured)
	fmt.Fprintf(w, "exclusive: %d tests, locked: %d, heavy: %d\n", p.Exclusive, p.Locked, p.Heavy)
	switch {
	case p.Barriers > 0:
		fmt.Fprintf(w, "exclusive tests run at %d barriers planned ahead, each file set up once for them\n", p.Barriers)
	case p.Exclusive > 0:
		fmt.Fprintln(w, "exclusive tests run at barriers placed as the run goes")
	}
	fmt.Fprintf(w, "predicted wall time: %.2f s (start-up %.2f s, tests %.2f s, finish %.2f s)\n",
		p.PredictedMakespan, p.Startup, p.Schedule, p.Finish)
	how := "measured in earlier runs"
	if !p.OverheadMeasured {
		how = "assumed: no run has measured it"
	}
	fmt.Fprintf(w, "each test costs its worker %.2f ms besides its own duration (%s)\n", p.Overhead*1000, how)
	fmt.Fprintf(w, "lower bound: %.2f s; predicted speedup over one process: %.1fx (%.2f s)\n",
		p.LowerBound, p.Speedup, p.Startup+p.Serial)
	fmt.Fprintln(w, "what limits it:")
	for _, l := range p.Limits {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// JSON writes the prediction as one JSON object.
func (p Prediction) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
