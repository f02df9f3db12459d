package result

import "sort"

// Run is everything one `shoal run` produced, as its events add up
// (Apply); the runner also keeps one as its own record of the run.
type Run struct {
	Header        []string
	Rootdir       string
	InvocationDir string
	PythonVersion string
	PytestVersion string
	Options       Options
	// Args are pytest's arguments as shoal was given them.
	Args []string
	// StartMode is "fork" or "spawn": how the workers were started.
	StartMode string
	// StartNote says why the workers were spawned rather than forked.
	StartNote string
	// PlannedBarriers is how many barriers for exclusive tests the
	// scheduler planned before the run from history; 0 where it places
	// them as the run goes.
	PlannedBarriers int
	Workers         []*Worker
	// Files are the test files' node ids; Test.File indexes them.
	Files []string
	Tests []*Test
	// Collected is when collection ended and tests could start; 0 when
	// the run ended before.
	Collected float64
	// Barriers are the spans exclusive tests ran in, alone (see Barrier);
	// one the run ended in stops at the run's end.
	Barriers      []Span
	CollectErrors []CollectReport
	Deselected    int
	Warnings      []Warning
	Start, Stop   float64
	// Stopped says why the run ended early ("stopping after 1 failures",
	// "Interrupted: 1 error during collection", …); empty when it ran to the end.
	Stopped string
	// Interrupted runs exit 2 (collection errors, Ctrl-C); --maxfail does not.
	Interrupted bool
	// Halted says the run was cut short from outside its tests: a signal,
	// the session timeout, too many crashed workers. Its summary then says
	// what did not run.
	Halted bool
	// Interrupt is set when a test interrupted the run (KeyboardInterrupt,
	// pytest.exit): the session shows it as pytest does.
	Interrupt *Interrupt
	// InternalErrors are pytest's INTERNALERROR texts from workers.
	InternalErrors []string
	// UsageError is the usage error a worker found as it collected.
	UsageError string
	// HeaderShown: the session printed pytest's header itself.
	HeaderShown bool
	// SessionOutput is what the session printed once the run was over;
	// nil where there was no session.
	SessionOutput *SessionOutput
	ExitCode      int
	// Notes are lines for the summary on what shoal did that pytest would
	// not have had to: ending a worker that did not exit.
	Notes []string
	// Known maps failed tests to what shoal verify found of them earlier
	// (flaky, order-dependent, conflict), from history; no event carries
	// it: the command sets it before the JUnit file is written.
	Known map[string]string
}

// Interrupt is a test's KeyboardInterrupt or pytest.exit.
type Interrupt struct {
	// Message is pytest's line for it ("KeyboardInterrupt", "_pytest.outcomes.Exit: bye").
	Message string
	// ReturnCode is pytest.exit's returncode; nil for an interrupt (exit 2).
	ReturnCode *int
}

// SessionOutput is what the session (the controller) printed from the end
// of the run on. pytest's terminal reporter prints its own parts of the
// summary (errors, failures, warnings and passes at "summary"; the short
// test summary at "short"; the closing stats line at "stats"); shoal prints
// those itself at the offsets of Text that Points gives. A missing point is
// a part pytest did not print.
type SessionOutput struct {
	Text     string
	Points   map[string]int64
	Finished bool // the session reached its end and said where the points are
}

// SummaryPoints are the session's points, in the order pytest prints them.
var SummaryPoints = []string{"summary", "short", "stats"}

// Point is the offset of a point in Text; false where the session did not reach it.
func (o *SessionOutput) Point(name string) (int, bool) {
	p, ok := o.Points[name]
	if !ok {
		return 0, false
	}
	return int(min(max(p, 0), int64(len(o.Text)))), true
}

// Apply adds one event to the run. Events come in the order the runner
// emits them; a run built from all of them is the run the runner ended with.
func (run *Run) Apply(e Event) {
	switch e := e.(type) {
	case SessionStarted:
		run.Header, run.Rootdir, run.InvocationDir = e.Header, e.Rootdir, e.InvocationDir
		run.PythonVersion, run.PytestVersion, run.Options = e.PythonVersion, e.PytestVersion, e.Options
		run.Args = e.Args
		run.HeaderShown = e.HeaderShown
	case Collected:
		run.Collected = e.At
		run.Files, run.CollectErrors, run.Deselected = e.Files, e.CollectErrors, e.Deselected
		run.Tests = append([]*Test(nil), e.Tests...)
		run.StartMode, run.StartNote, run.PlannedBarriers = e.StartMode, e.StartNote, e.PlannedBarriers
		// Workers may have started already, while they collected.
		workers := make([]*Worker, len(e.Workers))
		for i, id := range e.Workers {
			workers[i] = run.worker(id)
		}
		run.Workers = workers
	case TestFinished:
		if e.Test >= 0 && e.Test < len(run.Tests) {
			run.Tests[e.Test] = e.Ended
		}
	case WorkerStarted:
		w := run.worker(e.Worker)
		w.PID, w.Provisions = e.PID, e.Provisions
	case WorkerReplaced:
		run.worker(e.Worker).Restarts = e.Restarts
	case Barrier:
		run.barrier(e)
	case Finished:
		if n := len(run.Barriers); n > 0 && run.Barriers[n-1].Stop == 0 {
			run.Barriers[n-1].Stop = e.At
		}
		run.Start, run.Stop, run.ExitCode = e.Start, e.At, e.ExitCode
		run.Stopped, run.Interrupted, run.Halted = e.Stopped, e.Interrupted, e.Halted
		run.Warnings, run.Notes = e.Warnings, e.Notes
		run.Interrupt, run.InternalErrors, run.UsageError = e.Interrupt, e.InternalErrors, e.UsageError
		run.SessionOutput = e.SessionOutput
	}
}

// Span is a stretch of a run's time, in wall-clock Unix seconds.
type Span struct {
	Start, Stop float64
}

// barrier opens or closes the run's current barrier.
func (run *Run) barrier(e Barrier) {
	n := len(run.Barriers)
	open := n > 0 && run.Barriers[n-1].Stop == 0
	switch {
	case e.Open && !open:
		run.Barriers = append(run.Barriers, Span{Start: e.At})
	case !e.Open && open:
		run.Barriers[n-1].Stop = e.At
	}
}

// worker is the worker named id, added to the run when it is new.
func (run *Run) worker(id string) *Worker {
	for _, w := range run.Workers {
		if w.ID == id {
			return w
		}
	}
	w := &Worker{ID: id}
	run.Workers = append(run.Workers, w)
	return w
}

// CollectionErrors counts the files (or tests) that failed to collect.
func (run *Run) CollectionErrors() int {
	n := 0
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			n++
		}
	}
	return n
}

// KnownTypes are the categories pytest names first in its closing line, in order.
var KnownTypes = []string{"failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "warnings", "error"}

// Counts is the number of reports per category, as pytest's stats count
// them, and the order pytest lists the categories in.
func (run *Run) Counts() (map[string]int, []string) {
	counts := map[string]int{}
	var extra []string
	add := func(cat string) {
		if cat == "" {
			return
		}
		if counts[cat] == 0 && !contains(KnownTypes, cat) && !contains(extra, cat) {
			extra = append(extra, cat)
		}
		counts[cat]++
	}
	for _, e := range run.CollectErrors {
		if e.Outcome == "failed" {
			add("error")
		} else if e.Outcome == "skipped" {
			add("skipped")
		}
	}
	for _, t := range run.Tests {
		for _, rep := range t.Reports {
			add(rep.Category)
		}
	}
	counts["deselected"] += run.Deselected
	counts["warnings"] += len(run.Warnings)
	sort.Strings(extra)
	return counts, append(append([]string(nil), KnownTypes...), extra...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
