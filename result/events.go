package result

// Event is one thing a run tells as it happens. The runner emits events one
// at a time, in the order things happened, from the goroutine that owns the
// run, and waits while they are handled: a slow reporter slows the run down
// rather than falling behind it. Every time is wall-clock Unix seconds.
//
// What an event holds is never changed once it is emitted: a test that
// finishes is a new *Test, not the collected one filled in.
type Event interface{ event() }

// SessionStarted: pytest's session is up and has described itself: the
// controller configured and started its session. It comes first, unless
// the run was interrupted before. A run that pytest
// ends before shoal has anything to run (its own --help, a usage error, a
// broken conftest.py) ends without Finished.
type SessionStarted struct {
	At            float64
	Header        []string // the lines pytest prints under "test session starts"
	Rootdir       string
	InvocationDir string
	PythonVersion string
	PytestVersion string
	Options       Options
	// Args are pytest's arguments as shoal was given them.
	Args []string
	// HeaderShown: the session (pytest-xdist's controller) printed pytest's
	// header itself, with what its plugins add to it.
	HeaderShown bool
}

// Collected: the suite is collected and planned, and tests start after it.
// It does not come when the run is interrupted before collection ended, or
// when the plan could not be made.
type Collected struct {
	At float64
	// Files are the test files' node ids; Test.File indexes them.
	Files []string
	// Tests are the tests this run keeps (another shard's are deselected),
	// in collection order. Other events name a test by its index here. The
	// slice is the event's: copy it before changing it.
	Tests         []*Test
	CollectErrors []CollectReport
	// Deselected counts tests -k, -m or the shard left out.
	Deselected int
	// Workers are the names of the workers the run starts, gw0 first.
	Workers []string
	// StartMode is "fork" or "spawn": how the workers start.
	StartMode string
	// StartNote says why the workers are spawned rather than forked.
	StartNote string
	// PlannedBarriers is how many barriers for exclusive tests were
	// planned before the run from history; 0 where they are placed as the
	// run goes.
	PlannedBarriers int
}

// TestStarted: a worker began a test. The runner infers it: a worker runs
// a test once it knows what follows it (pytest's nextitem), so the first of
// its outstanding tests starts when a second one, or the word that none
// follows, has been sent to it. At is when shoal inferred it: a little
// after the real start when the worker already had the test (the result
// of the test before it had yet to arrive), a little before it when the
// test was just sent. TestFinished has the worker's own times. Once the
// run stops early, a worker may drop the test it was seen to start (it had
// not read that the run stops): that test never finishes, and counts as
// not run.
type TestStarted struct {
	At     float64
	Test   int // index in Collected.Tests
	Worker string
}

// TestSlow: a test has run for a while and runs still: once the run's
// slow threshold has passed since TestStarted, and again at each multiple
// of it, as nextest's SLOW lines. A run that seems stuck says what it
// waits on.
type TestSlow struct {
	At     float64
	Test   int // index in Collected.Tests
	Worker string
	Since  float64 // its TestStarted's At
}

// TestFinished: a test ended. Test is the test with its result: outcome
// and reports, phase durations, worker, start and stop, and whether its
// worker crashed under it or shoal ended it (Killed: it counts as not run).
// A crashed test's event waits for its worker's exit status, which its
// report names, at most until the run ends.
type TestFinished struct {
	At   float64
	Test int // index in Collected.Tests
	// Ended is the test as it ended; nothing changes it afterwards.
	Ended *Test
}

// WorkerStarted: a worker process runs, the first of its name or one that
// replaces a worker that ended early.
type WorkerStarted struct {
	At     float64
	Worker string
	PID    int
	Forked bool // forked from the collected session; spawned otherwise
	// Provisions are what the worker has of its own for the whole run
	// (temporary directories, ports, a database, services); nil when it
	// has none.
	Provisions *Provisions
}

// WorkerReplaced: a worker ended before its work was done (it crashed, or
// shoal ended it at a test's timeout) and a new process is being started
// under its name; its WorkerStarted follows once that process runs.
type WorkerReplaced struct {
	At       float64
	Worker   string
	Restarts int // how many times this worker has been replaced so far
}

// Barrier: exclusive tests (isolation) began to run, alone (Open), or
// they are over and other tests may run again. The runner sees it from the
// tests it sends: a barrier opens when an exclusive test starts (see
// TestStarted); it closes once no exclusive test runs, when an ordinary
// test starts or no worker holds an exclusive test any more. Exclusive
// tests that run back to back, or wait for one another, share a barrier.
type Barrier struct {
	At   float64
	Open bool
}

// Interrupted: the run is being cut short from outside its tests (Ctrl-C,
// SIGTERM, the session timeout, too many crashed workers). Nothing new
// starts; running tests get the grace time, then are ended.
type Interrupted struct {
	At     float64
	Reason string
}

// Finished: the run is over. It is the last event, and comes whenever the
// runner returns the run without an error.
type Finished struct {
	At    float64 // when the run ended
	Start float64 // when the run began, before pytest started
	// ExitCode is pytest's: 0 passed, 1 failed, 2 interrupted, 5 no tests.
	ExitCode int
	// Stopped says why the run ended early ("stopping after 1 failures",
	// "Interrupted: 1 error during collection", …); empty when it ran to
	// the end.
	Stopped string
	// Interrupted runs exit 2 (collection errors, Ctrl-C); --maxfail does not.
	Interrupted bool
	// Halted: the run was cut short from outside its tests (see
	// Interrupted); its summary says what did not run.
	Halted bool
	// NotRun are the tests that did not run, Killed those of them that
	// were running when shoal ended their workers (indexes in
	// Collected.Tests).
	NotRun, Killed []int
	Warnings       []Warning
	// Notes are lines for the summary on what shoal did that pytest would
	// not have had to: ending a worker that did not exit.
	Notes []string
	// Interrupt: a test's KeyboardInterrupt or pytest.exit ended the run.
	Interrupt *Interrupt
	// InternalErrors are pytest's INTERNALERROR texts from workers.
	InternalErrors []string
	// UsageError is the usage error a worker found as it collected.
	UsageError string
	// SessionOutput is what the session printed from the end of the run
	// on (its terminal summary, pytest_unconfigure); nil where there was
	// no session.
	SessionOutput *SessionOutput
}

func (SessionStarted) event() {}
func (Collected) event()      {}
func (TestStarted) event()    {}
func (TestSlow) event()       {}
func (TestFinished) event()   {}
func (WorkerStarted) event()  {}
func (WorkerReplaced) event() {}
func (Barrier) event()        {}
func (Interrupted) event()    {}
func (Finished) event()       {}
