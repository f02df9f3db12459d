// Package record writes the run record: one JSON file that says what ran
// where and when, for tools and for later runs. Its shape is stable; fields
// are only ever added.
package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"shoal/result"
)

// Version is the record's format version.
const Version = 1

// Record is the file's top level.
type Record struct {
	Version       int     `json:"version"`
	ExitCode      int     `json:"exit_code"`
	Start         float64 `json:"start"`
	Stop          float64 `json:"stop"`
	Duration      float64 `json:"duration"`
	Rootdir       string  `json:"rootdir"`
	PythonVersion string  `json:"python_version"`
	PytestVersion string  `json:"pytest_version"`
	StartMode     string  `json:"start_mode"`
	// Args are pytest's arguments as shoal was given them: what a replay
	// of the run passes again.
	Args    []string `json:"args,omitempty"`
	Stopped string   `json:"stopped,omitempty"`
	// Collected is when collection ended and tests could start (Unix
	// seconds); absent in records of runs that ended before.
	Collected float64 `json:"collected,omitempty"`
	// Barriers are the spans in which exclusive tests ran with nothing
	// beside them.
	Barriers []Span   `json:"barriers,omitempty"`
	Workers  []Worker `json:"workers"`
	Tests    []Test   `json:"tests"`
	NotRun   []string `json:"not_run"`
	// Killed are the tests of not_run that were running when the run was
	// halted (Ctrl-C, the session timeout) and shoal ended their workers.
	Killed        []string       `json:"killed,omitempty"`
	CollectErrors []CollectError `json:"collect_errors"`
	Summary       map[string]int `json:"summary"`
}

// Span is a stretch of the run, in wall-clock Unix seconds.
type Span struct {
	Start float64 `json:"start"`
	Stop  float64 `json:"stop"`
}

// Worker is one worker of the run.
type Worker struct {
	ID         string      `json:"id"`
	PID        int         `json:"pid"`
	Restarts   int         `json:"restarts"`
	Provisions *Provisions `json:"resources,omitempty"`
}

// Provisions are what a worker had of its own for the whole run.
type Provisions struct {
	TmpDir   string    `json:"tmpdir"`
	Path     string    `json:"worker_tmp_path"`
	Ports    string    `json:"ports"`
	Database string    `json:"database,omitempty"` // password hidden
	Services []Service `json:"services,omitempty"`
}

// Service is a worker's instance of a service.
type Service struct {
	Name string `json:"name"`
	Port int    `json:"port"`
	PID  int    `json:"pid"`
	Log  string `json:"log"`
}

// Test is one test that ran.
type Test struct {
	NodeID   string  `json:"nodeid"`
	Outcome  string  `json:"outcome"`
	Worker   string  `json:"worker"`
	Start    float64 `json:"start"`
	Stop     float64 `json:"stop"`
	Duration float64 `json:"duration"`
	Phases   Phases  `json:"phases"`
	Message  string  `json:"message,omitempty"`
	Longrepr string  `json:"longrepr,omitempty"`
	Crashed  bool    `json:"crashed,omitempty"`
	// What its markers asked: to run alone, resource keys, worker slots.
	Exclusive bool     `json:"exclusive,omitempty"`
	Locks     []string `json:"locks,omitempty"`
	Slots     int      `json:"slots,omitempty"`
	// Sections is the output the test captured, as pytest names it:
	// [["Captured stdout call", "..."], ...]. A section past sectionLimit
	// keeps its two ends, with a note where the rest was, and is listed
	// under Cut.
	Sections [][2]string `json:"sections,omitempty"`
	Cut      []Cut       `json:"cut,omitempty"`
	// Attempts are its failed runs before the last, where it ran again
	// (shoal run --retries); Flaky: it passed in the end.
	Attempts []Attempt `json:"attempts,omitempty"`
	Flaky    bool      `json:"flaky,omitempty"`
}

// Attempt is one failed run of a test that ran again.
type Attempt struct {
	Worker   string  `json:"worker"`
	Start    float64 `json:"start"`
	Stop     float64 `json:"stop"`
	When     string  `json:"when"` // the phase that failed
	Message  string  `json:"message,omitempty"`
	Longrepr string  `json:"longrepr,omitempty"`
}

// Cut says how much of a section the record left out.
type Cut struct {
	Section string `json:"section"`
	Size    int64  `json:"size"` // bytes the test printed
	Cut     int64  `json:"cut"`  // bytes left out
}

// However much a test prints, the record keeps at most about sectionLimit
// bytes of each section: the start, and more of the end, where failures
// are told.
const (
	sectionLimit = 1 << 20
	sectionHead  = 256 << 10
	sectionTail  = 768 << 10
)

// Phases are the durations pytest measured for each phase, in seconds.
type Phases struct {
	Setup    float64 `json:"setup"`
	Call     float64 `json:"call"`
	Teardown float64 `json:"teardown"`
}

// CollectError is a file or module that failed to collect.
type CollectError struct {
	NodeID   string `json:"nodeid"`
	Outcome  string `json:"outcome"`
	Longrepr string `json:"longrepr"`
}

// Build turns a run into its record.
func Build(run *result.Run) *Record {
	rec := header(run)
	rec.NotRun, rec.Killed = notRun(run)
	for _, t := range run.Tests {
		if t.Ran() {
			rec.Tests = append(rec.Tests, testOf(t))
		}
	}
	return rec
}

// header is the record without its tests.
func header(run *result.Run) *Record {
	rec := &Record{
		Version: Version, ExitCode: run.ExitCode, Start: run.Start, Stop: run.Stop,
		Duration: run.Stop - run.Start, Rootdir: run.Rootdir, PythonVersion: run.PythonVersion,
		PytestVersion: run.PytestVersion, StartMode: run.StartMode, Stopped: run.Stopped,
		Workers: []Worker{}, Tests: []Test{}, NotRun: []string{}, CollectErrors: []CollectError{},
		Collected: run.Collected, Args: run.Args,
	}
	for _, b := range run.Barriers {
		rec.Barriers = append(rec.Barriers, Span{Start: b.Start, Stop: b.Stop})
	}
	for _, w := range run.Workers {
		rec.Workers = append(rec.Workers, Worker{ID: w.ID, PID: w.PID, Restarts: w.Restarts, Provisions: provisionsOf(w.Provisions)})
	}
	for _, e := range run.CollectErrors {
		rec.CollectErrors = append(rec.CollectErrors, CollectError{NodeID: e.NodeID, Outcome: e.Outcome, Longrepr: e.LongRepr})
	}
	counts, _ := run.Counts()
	rec.Summary = map[string]int{}
	for k, v := range counts {
		if v > 0 {
			rec.Summary[k] = v
		}
	}
	return rec
}

func provisionsOf(r *result.Provisions) *Provisions {
	if r == nil {
		return nil
	}
	out := &Provisions{TmpDir: r.TmpDir, Path: r.Path, Ports: r.Ports, Database: r.Database}
	for _, s := range r.Services {
		out.Services = append(out.Services, Service{Name: s.Name, Port: s.Port, PID: s.PID, Log: s.Log})
	}
	return out
}

func testOf(t *result.Test) Test {
	rt := Test{
		NodeID: t.NodeID, Outcome: string(t.Outcome()), Worker: t.Worker,
		Start: t.Start, Stop: t.Stop, Duration: t.Stop - t.Start, Crashed: t.Crashed,
	}
	if m := t.Marks; m != nil {
		rt.Exclusive, rt.Locks, rt.Slots = m.Exclusive, m.Locks, m.Slots
	}
	rt.Phases.Setup, rt.Phases.Call, rt.Phases.Teardown = t.Phases()
	earlier, last := t.Retried()
	rt.Attempts, rt.Flaky = attemptsOf(t, earlier), t.Flaky()
	var sections []result.Section
	for _, rep := range last {
		sections = mergeSections(sections, rep.Sections)
		if rep.Outcome == "failed" && rt.Longrepr == "" {
			rt.Longrepr = rep.LongRepr
			if rep.Crash != nil {
				rt.Message = *rep.Crash
			}
		}
	}
	for _, s := range sections {
		c, err := s.Clip(sectionLimit, sectionHead, sectionTail)
		text := c.String()
		if err != nil {
			text += "[shoal could not read the rest of this output: " + err.Error() + "]\n"
		}
		rt.Sections = append(rt.Sections, [2]string{s.Name, text})
		if c.Cut > 0 {
			rt.Cut = append(rt.Cut, Cut{Section: s.Name, Size: int64(len(c.Head)+len(c.Tail)) + c.Cut, Cut: c.Cut})
		}
	}
	return rt
}

// mergeSections adds a phase's sections to those of the phases before. A
// report repeats the sections of the phases before it, so a name that is
// there already takes the later, fuller text in its place.
func mergeSections(have, add []result.Section) []result.Section {
next:
	for _, s := range add {
		for i := range have {
			if have[i].Name == s.Name {
				have[i] = s
				continue next
			}
		}
		have = append(have, s)
	}
	return have
}

// File writes the run record to a path, from the run's events, once the
// run has finished.
type File struct {
	path string
	run  result.Run
	err  error
}

// NewFile follows a run whose record goes to path.
func NewFile(path string) *File { return &File{path: path} }

// Event adds the event to the run, and writes the record once the run has
// finished.
func (f *File) Event(e result.Event) {
	f.run.Apply(e)
	if _, ok := e.(result.Finished); ok {
		f.err = WriteFile(f.path, &f.run)
	}
}

// Err says why the record could not be written; nil once it was.
func (f *File) Err() error { return f.err }

// WriteFile writes the record of run to path. Tests are encoded one at a
// time, so a suite of any size costs no more memory than one test.
func WriteFile(path string, run *result.Run) error {
	return CreateFile(path, "run record", func(w *bufio.Writer) error {
		rec := header(run)
		rec.NotRun, rec.Killed = notRun(run)
		head, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		// head ends with "tests":[]…}: splice the tests into that array.
		at := bytes.Index(head, []byte(`"tests":[]`)) + len(`"tests":[`)
		w.Write(head[:at])
		enc := json.NewEncoder(w)
		first := true
		for _, t := range run.Tests {
			if !t.Ran() {
				continue
			}
			if !first {
				w.WriteByte(',')
			}
			first = false
			if err := enc.Encode(testOf(t)); err != nil {
				return err
			}
		}
		w.Write(head[at:])
		return w.WriteByte('\n')
	})
}

// CreateFile writes the file at path, what it is called in errors, through
// write: its folder made first, the writes buffered. Any failure, the
// buffer's flush and the file's close included, reads "cannot write WHAT
// PATH: …". The HTML report and the trace are written the same way.
func CreateFile(path, what string, write func(w *bufio.Writer) error) error {
	fail := func(err error) error { return fmt.Errorf("cannot write %s %s: %w", what, path, err) }
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fail(err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<16)
	if err := write(w); err != nil {
		return fail(err)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	return nil
}

// notRun lists the tests that did not run, and those of them that were
// running when shoal ended their workers.
func notRun(run *result.Run) (out, killed []string) {
	out = []string{}
	for _, t := range run.Tests {
		if !t.Ran() {
			out = append(out, t.NodeID)
			if t.Killed {
				killed = append(killed, t.NodeID)
			}
		}
	}
	return out, killed
}

// ReadFile reads a run record that WriteFile wrote.
func ReadFile(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read run record: %w", err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s is not a run record: %w", path, err)
	}
	if rec.Version == 0 || rec.Version > Version {
		return nil, fmt.Errorf("%s is not a run record of this shoal (format version %d, this shoal reads %d)", path, rec.Version, Version)
	}
	return &rec, nil
}

// Follower adds up a run's events and, once the run has finished, hands
// its record to a writer of another format (a trace, a page).
type Follower struct {
	run   result.Run
	write func(*Record) error
	err   error
}

// Follow follows a run whose record goes to write at its end.
func Follow(write func(*Record) error) *Follower { return &Follower{write: write} }

// Event adds the event to the run, and hands on the record once the run
// has finished.
func (f *Follower) Event(e result.Event) {
	f.run.Apply(e)
	if _, ok := e.(result.Finished); ok {
		f.err = f.write(Build(&f.run))
	}
}

// Err is what the writer returned; nil before the run finished.
func (f *Follower) Err() error { return f.err }

// CollectionEnd is when collection ended; in records that do not say, when
// the first test started; 0 when nothing ran.
func (rec *Record) CollectionEnd() float64 {
	if rec.Collected > 0 {
		return rec.Collected
	}
	first := 0.0
	for i, t := range rec.Tests {
		if i == 0 || t.Start < first {
			first = t.Start
		}
	}
	return first
}

func attemptsOf(t *result.Test, earlier [][]result.Report) []Attempt {
	var out []Attempt
	for k, reports := range earlier {
		a := t.Attempts[k]
		at := Attempt{Worker: a.Worker, Start: a.Start, Stop: a.Stop}
		for _, rep := range reports {
			if rep.Outcome == "rerun" {
				at.When, at.Longrepr = rep.When, rep.LongRepr
				if rep.Crash != nil {
					at.Message = *rep.Crash
				}
			}
		}
		out = append(out, at)
	}
	return out
}
