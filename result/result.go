// Package result holds what a run produces: the events it emits as it goes
// (events.go) and the Run they add up to, in shoal's own types: the collected
// tests, each test's phase reports as pytest made them, warnings and the
// run's outcome. The runner emits the events; reporters add them up.
package result

// Outcome of one test, as the run record names it.
type Outcome string

// The outcomes a test can have.
const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
	Error   Outcome = "error"
	XFailed Outcome = "xfailed"
	XPassed Outcome = "xpassed"
	// NotRun is a test that was collected but never ran (-x, interrupt).
	NotRun Outcome = ""
)

// Exit codes, as pytest defines them.
const (
	ExitOK               = 0
	ExitTestsFailed      = 1
	ExitInterrupted      = 2
	ExitInternalError    = 3
	ExitUsageError       = 4
	ExitNoTestsCollected = 5
)

// Test is one collected test and, once it ran, its reports.
type Test struct {
	File   int // index of its file in the session's collection order
	Pos    int // its position in that file
	NodeID string
	Path   string // relative to the rootdir, from item.location
	Lineno *int   // 0-based, from item.location
	Domain string // the head line pytest prints over its failure
	// Marks is what its markers ask of the scheduler; nil for most tests.
	Marks  *Marks
	Worker string
	Start  float64 // wall-clock Unix seconds of the whole protocol
	Stop   float64
	CPU    float64 // process CPU seconds of the whole protocol
	// Reports holds setup, call and teardown reports as they arrived. For a
	// plain pass it is PassReports, shared by every such test, and the
	// durations are in Durations: a large suite then costs little memory.
	// Read durations with ReportDuration; never modify a shared slice.
	Reports   []Report
	Durations []float64
	// Crashed is set when the worker died while running this test.
	Crashed bool
	// Killed is set when the test was running as the run was halted and
	// shoal ended its worker, or a KeyboardInterrupt stopped it: it did
	// not finish, so it counts as not run.
	Killed bool
	// Interrupt says where a KeyboardInterrupt stopped it, as pytest
	// prints it ("path:line: KeyboardInterrupt"); InterruptTrace is the
	// whole traceback, for --full-trace. Empty where shoal ended it.
	Interrupt, InterruptTrace string
	// Attempts are the runs of a test that failed and ran again (shoal
	// run --retries), in order; the last attempt is the test itself. Their
	// reports come first in Reports, each failure as a "rerun".
	Attempts []Attempt
}

// Attempt is one failed run of a test that ran again.
type Attempt struct {
	Worker      string
	Start, Stop float64
	// Reports is how many of the test's Reports are this attempt's.
	Reports int
}

// Retried splits t's reports by attempt: each earlier attempt's, then the
// last one's.
func (t *Test) Retried() (earlier [][]Report, last []Report) {
	rest := t.Reports
	for _, a := range t.Attempts {
		n := min(a.Reports, len(rest))
		earlier = append(earlier, rest[:n])
		rest = rest[n:]
	}
	return earlier, rest
}

// Flaky tells whether t failed and then passed on a retry.
func (t *Test) Flaky() bool {
	o := t.Outcome()
	return len(t.Attempts) > 0 && o != Failed && o != Error
}

// Ran tells whether the test has finished (its reports arrived or it crashed).
func (t *Test) Ran() bool { return len(t.Reports) > 0 }

// precedence orders report categories when one test has several.
var precedence = map[string]int{
	"passed": 1, "skipped": 2, "xfailed": 3, "xpassed": 4, "error": 5, "failed": 6,
}

// Outcome is the test's single outcome: the most severe category among its
// reports (a teardown error over a passing call, a call failure over both).
func (t *Test) Outcome() Outcome {
	best, rank := NotRun, 0
	for _, r := range t.Reports {
		if p := precedence[r.Category]; p > rank {
			best, rank = Outcome(r.Category), p
		}
	}
	if rank == 0 && len(t.Reports) > 0 {
		return Passed // only a plugin's own categories: count the test as run
	}
	return best
}

// ReportDuration is how long the i-th report's phase took.
func (t *Test) ReportDuration(i int) float64 {
	if t.Durations != nil {
		return t.Durations[i]
	}
	return t.Reports[i].Duration
}

// Phases is the time of each phase: setup, call and teardown.
func (t *Test) Phases() (setup, call, teardown float64) {
	for i, rep := range t.Reports {
		switch rep.When {
		case "setup":
			setup += t.ReportDuration(i)
		case "call":
			call += t.ReportDuration(i)
		case "teardown":
			teardown += t.ReportDuration(i)
		}
	}
	return setup, call, teardown
}

// Duration is the sum of the phase durations, as pytest's junit file reports it.
func (t *Test) Duration() float64 {
	var d float64
	for i := range t.Reports {
		d += t.ReportDuration(i)
	}
	return d
}

// PassReports are the reports of a test whose three phases passed and said
// nothing else: what most tests of a suite send, in a few bytes ("ok").
var PassReports = []Report{
	{When: "setup", Outcome: "passed"},
	{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED"},
	{When: "teardown", Outcome: "passed"},
}

// Warning is one warning captured in a worker.
type Warning struct {
	NodeID   string
	When     string
	Message  string
	Category string
	Filename string
	Lineno   int
}

// Worker describes one worker of the run.
type Worker struct {
	ID         string
	PID        int
	Restarts   int
	Log        string
	Provisions *Provisions // nil when it was given none
}

// Provisions are what a worker had of its own for the whole run.
type Provisions struct {
	TmpDir   string // its TMPDIR
	Path     string // worker_tmp_path, SHOAL_WORKER_TMP
	Ports    string // the ports its tests may use, "lo-hi" (SHOAL_PORT_RANGE)
	Database string // its database's URL, password hidden; "" without one
	Services []Service
}

// Service is a worker's instance of a service.
type Service struct {
	Name string
	Port int
	PID  int
	Log  string // its output
}
