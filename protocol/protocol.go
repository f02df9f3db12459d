// Package protocol defines the messages shoal exchanges with its pytest plugin:
// newline-delimited JSON over a private Unix socket, one object per line, with
// a "t" field naming the message. testdata/messages.json has a sample of
// every message each side sends; this package's tests and the plugin's
// (plugin/tests) both read it, so the two sides cannot drift apart.
package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	gojson "github.com/goccy/go-json"
)

// Version is the protocol version the plugin must speak.
const Version = 1

// MaxLine bounds one message; a test's captured output travels inside one.
const MaxLine = 256 << 20

// Message is any message from the plugin. Fields are filled by kind.
type Message struct {
	T string `json:"t"`

	// hello: Role is "server" (the fork server), "controller" (once
	// pytest printed its header) or "worker".
	Role          string   `json:"role,omitempty"`
	Protocol      int      `json:"protocol,omitempty"`
	PID           int      `json:"pid,omitempty"`
	Python        string   `json:"python,omitempty"`
	PythonVersion string   `json:"python_version,omitempty"`
	PytestVersion string   `json:"pytest_version,omitempty"`
	Rootdir       string   `json:"rootdir,omitempty"`
	InvocationDir string   `json:"invocation_dir,omitempty"`
	Header        []string `json:"header,omitempty"`
	Options       *Options `json:"options,omitempty"`
	Worker        string   `json:"worker,omitempty"`
	Digest        string   `json:"digest,omitempty"`

	// files (from the session) and collected_file (from a worker)
	Lazy       bool            `json:"lazy,omitempty"`
	Files      []File          `json:"files,omitempty"`
	File       int             `json:"file"`
	Items      []Item          `json:"items,omitempty"`
	Deselected int             `json:"deselected,omitempty"`
	Errors     []CollectReport `json:"errors,omitempty"`
	// Warnings are those the worker's walk of the suite recorded.
	Warnings []Message `json:"warnings,omitempty"`

	// hello from the server: whether it can fork safely, and what it found
	// (why not, or the threads it runs that survive a fork).
	CanFork  bool   `json:"can_fork,omitempty"`
	ForkNote string `json:"fork_note,omitempty"`
	// hello from the controller: its basetemp, and whether its plugins follow
	// the tests' reports (then the workers send them along, as Fwd).
	Basetemp string `json:"basetemp,omitempty"`
	Forward  bool   `json:"forward,omitempty"`

	// workerinput (from the controller): config.workerinput for Worker, as
	// its plugins' pytest_configure_node left it.
	WorkerInput json.RawMessage `json:"workerinput,omitempty"`
	// ready (from a worker): what it says of itself (xdist's workerinfo).
	Info json.RawMessage `json:"info,omitempty"`
	// finished (from a worker): its config.workeroutput.
	WorkerOutput json.RawMessage `json:"workeroutput,omitempty"`
	// finished (from the controller): where in its output file the parts of
	// the summary shoal prints go ("summary", "short", "stats").
	Points map[string]int64 `json:"points,omitempty"`
	// internal_error (from a worker): pytest's INTERNALERROR text;
	// usage_error: the usage error that ends pytest (a missing path).
	ErrorText string `json:"text,omitempty"`

	// done: the test at position P of file F
	F       int      `json:"f"`
	P       int      `json:"p"`
	Start   float64  `json:"start,omitempty"`
	Stop    float64  `json:"stop,omitempty"`
	CPU     float64  `json:"cpu,omitempty"` // process CPU seconds the test used
	Reports []Report `json:"reports,omitempty"`
	// OK replaces Reports for a plain pass: the three phase durations.
	OK []float64 `json:"ok,omitempty"`
	// Fwd is the test's reports for the controller's hooks, passed on as they are.
	Fwd json.RawMessage `json:"fwd,omitempty"`

	// bye: tests it was sent but did not run, as file, position pairs
	Unrun []int `json:"unrun,omitempty"`

	// interrupted: a KeyboardInterrupt or pytest.exit stopped the worker,
	// in test F, P (NodeID; from Start until Stop) or between tests (no
	// NodeID). Title is pytest's line over it ("KeyboardInterrupt",
	// "_pytest.outcomes.Exit: bye"); Text says where it was, as pytest's
	// "path:line: KeyboardInterrupt"; Trace is the whole traceback;
	// ReturnCode is pytest.exit's.
	Title      string `json:"title,omitempty"`
	Trace      string `json:"trace,omitempty"`
	ReturnCode *int   `json:"returncode,omitempty"`

	// ended: pytest is done with the worker; Threads are the names of the
	// threads that are no daemons and still run, which Python waits for
	// before the process exits.
	Threads []string `json:"threads,omitempty"`

	// timer: the test F, P starts at Start and may run for Seconds; at the
	// end of them the worker dumps its threads' stacks on DumpSignal. Sent
	// only for tests that have a timeout.
	Seconds    float64 `json:"s,omitempty"`
	DumpSignal int     `json:"sig,omitempty"`

	// exited (from the zygote)
	Status *ExitStatus `json:"status,omitempty"`

	// warning
	NodeID   string `json:"nodeid,omitempty"`
	When     string `json:"when,omitempty"`
	Text     string `json:"message,omitempty"`
	Category string `json:"category,omitempty"`
	Filename string `json:"filename,omitempty"`
	Lineno   int    `json:"lineno,omitempty"`
}

// Options are the pytest option values that change what shoal reports.
type Options struct {
	Verbose                    int     `json:"verbose"`
	ReportChars                string  `json:"reportchars"`
	MaxFail                    int     `json:"maxfail"`
	XMLPath                    *string `json:"xmlpath"`
	ContinueOnCollectionErrors bool    `json:"continue_on_collection_errors"`
	ShowCapture                string  `json:"showcapture"`
	DisableWarnings            bool    `json:"disable_warnings"`
	NoHeader                   bool    `json:"no_header"`
	NoSummary                  bool    `json:"no_summary"`
	JUnitSuiteName             string  `json:"junit_suite_name"`
	JUnitFamily                string  `json:"junit_family"`
	JUnitLogging               string  `json:"junit_logging"`
	JUnitLogPassingTests       bool    `json:"junit_log_passing_tests"`
	JUnitDurationReport        string  `json:"junit_duration_report"`
	// Dist is pytest-xdist's --dist as given ("" without xdist): how far
	// a file's tests may be spread over workers.
	Dist string `json:"dist"`
	// TbStyle is --tb: auto, long, short, line, native or no.
	TbStyle string `json:"tbstyle"`
	// Stepwise is --sw or --sw-skip: MaxFail then says where it stops.
	Stepwise bool `json:"stepwise"`
}

// File is one test file of the session, in collection order. Items is set
// when the session collected it already (eager collection).
type File struct {
	NodeID string `json:"nodeid"`
	Size   int64  `json:"size"`
	Items  []Item `json:"items,omitempty"`
}

// Item is one collected test: [nodeid, path, lineno, domain] on the wire,
// and a fifth element, Marks, where its markers ask for anything.
type Item struct {
	NodeID string
	Path   string
	Lineno *int
	Domain string
	Marks  *Marks
}

// Marks is what a test's markers ask of the scheduler, and whether
// pytest's --ff or --nf puts it before the others (First).
type Marks struct {
	Exclusive bool     `json:"x,omitempty"`
	Locks     []string `json:"k,omitempty"`
	Slots     int      `json:"s,omitempty"`
	First     bool     `json:"f,omitempty"`
}

// UnmarshalJSON reads the compact array form. Every test comes this way
// once per run, so it uses the same fast decoder as Decode.
func (it *Item) UnmarshalJSON(data []byte) error {
	var raw [5]gojson.RawMessage
	if err := gojson.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("item: %w", err)
	}
	fields := [...]struct {
		name string
		into any
	}{{"nodeid", &it.NodeID}, {"path", &it.Path}, {"lineno", &it.Lineno}, {"domain", &it.Domain}, {"marks", &it.Marks}}
	for i, f := range fields {
		if raw[i] == nil {
			if i < 4 {
				return fmt.Errorf("item %s: missing", f.name)
			}
			continue
		}
		if err := gojson.Unmarshal(raw[i], f.into); err != nil {
			return fmt.Errorf("item %s: %w", f.name, err)
		}
	}
	return nil
}

// MarshalJSON writes the compact array form.
func (it Item) MarshalJSON() ([]byte, error) {
	if it.Marks != nil {
		return json.Marshal([]any{it.NodeID, it.Path, it.Lineno, it.Domain, it.Marks})
	}
	return json.Marshal([]any{it.NodeID, it.Path, it.Lineno, it.Domain})
}

// Report is one phase (setup, call, teardown) of one test, as pytest reported it.
type Report struct {
	When     string  `json:"when"`
	Outcome  string  `json:"outcome"`
	Duration float64 `json:"dur"`
	// Category, Letter and Word come from pytest_report_teststatus, so plugins'
	// statuses are respected. Category is empty for a passing setup or teardown.
	Category string `json:"cat,omitempty"`
	Letter   string `json:"letter,omitempty"`
	Word     string `json:"word,omitempty"`
	LongRepr string `json:"longrepr,omitempty"`
	// Term is the failure as pytest's terminal prints it, unstripped, with
	// colour when shoal asked for it.
	Term        string    `json:"term,omitempty"`
	Crash       *string   `json:"crash,omitempty"`
	CrashPath   string    `json:"crash_path,omitempty"`
	CrashLineno int       `json:"crash_lineno,omitempty"`
	Skip        *SkipInfo `json:"skip,omitempty"`
	WasXFail    *string   `json:"wasxfail,omitempty"`
	Sections    []Section `json:"sections,omitempty"`
	Props       [][2]any  `json:"props,omitempty"`
	// SkipRaw is a skip's longrepr as pytest holds it (absolute path, line,
	// reason), which the JUnit file prints; Skip is shaped for the summary.
	SkipRaw *SkipInfo `json:"skip_raw,omitempty"`
	// PropText is str() of each value in Props, as the JUnit file writes it.
	PropText []string `json:"prop_text,omitempty"`
	// Head is the report's title where it is not its test's domain (a
	// plugin's report, as pytest-subtests' "test_x (i=1)").
	Head string `json:"head,omitempty"`
}

// SkipInfo is where a skip happened and why: [path, lineno|null, reason].
type SkipInfo struct {
	Path   string
	Lineno *int
	Reason string
}

// UnmarshalJSON reads the compact array form.
func (s *SkipInfo) UnmarshalJSON(data []byte) error {
	var raw [3]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("skip: %w", err)
	}
	if err := json.Unmarshal(raw[0], &s.Path); err != nil {
		return fmt.Errorf("skip path: %w", err)
	}
	if err := json.Unmarshal(raw[1], &s.Lineno); err != nil {
		return fmt.Errorf("skip lineno: %w", err)
	}
	if err := json.Unmarshal(raw[2], &s.Reason); err != nil {
		return fmt.Errorf("skip reason: %w", err)
	}
	return nil
}

// MarshalJSON writes the compact array form.
func (s SkipInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{s.Path, s.Lineno, s.Reason})
}

// CollectReport is a collect report that did not pass.
type CollectReport struct {
	NodeID   string    `json:"nodeid"`
	Outcome  string    `json:"outcome"`
	LongRepr string    `json:"longrepr"`
	Term     string    `json:"term,omitempty"`
	Crash    *string   `json:"crash,omitempty"`
	Skip     *SkipInfo `json:"skip,omitempty"`
}

// Section is one part of a test's captured output. It travels as [name,
// text], or, where the text was too large to travel in a message, as
// [name, "", file]: the file the plugin wrote the text to instead.
type Section struct {
	Name, Text, File string
}

func (s *Section) UnmarshalJSON(data []byte) error {
	var a [3]string
	if err := gojson.Unmarshal(data, &a); err != nil {
		return err
	}
	*s = Section{Name: a[0], Text: a[1], File: a[2]}
	return nil
}

func (s Section) MarshalJSON() ([]byte, error) {
	if s.File == "" {
		return gojson.Marshal([2]string{s.Name, s.Text})
	}
	return gojson.Marshal([3]string{s.Name, s.Text, s.File})
}

// ExitStatus is how a forked worker ended, as its zygote saw it.
type ExitStatus struct {
	Code   *int `json:"code,omitempty"`
	Signal *int `json:"signal,omitempty"`
}

// Decoder reads messages from the plugin.
type Decoder struct {
	r       *bufio.Reader
	maxLine int // MaxLine, but for tests
	// symbols keeps one copy of the strings that repeat in every report
	// ("call", "passed", "."), so a long run holds each once.
	symbols map[string]string
}

// NewDecoder reads from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10), maxLine: MaxLine, symbols: map[string]string{}}
}

// More tells whether a whole message is already buffered, so a reader can
// hand several over at once.
func (d *Decoder) More() bool {
	n := d.r.Buffered()
	if n == 0 {
		return false
	}
	b, _ := d.r.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}

func (d *Decoder) intern(s string) string {
	if v, ok := d.symbols[s]; ok {
		return v
	}
	if len(d.symbols) < 4096 {
		d.symbols[s] = s
	}
	return s
}

func (d *Decoder) internAll(m *Message) {
	for i := range m.Reports {
		r := &m.Reports[i]
		r.When, r.Outcome = d.intern(r.When), d.intern(r.Outcome)
		r.Category, r.Letter, r.Word = d.intern(r.Category), d.intern(r.Letter), d.intern(r.Word)
	}
	for i := range m.Items {
		m.Items[i].Path = d.intern(m.Items[i].Path)
	}
}

// StrayError is a line that is no message of the protocol: something
// other than the plugin wrote to the connection (a test writing to a
// descriptor it did not open). Lines are whole, so the stream goes on
// after it.
type StrayError struct {
	Line string // its beginning, quoted
}

func (e *StrayError) Error() string { return "protocol: a line that is no message: " + e.Line }

// Decode reads the next message. It returns io.EOF at a clean end, and a
// *StrayError for a line that is no message.
func (d *Decoder) Decode() (*Message, error) {
	line, err := d.readLine()
	if errors.Is(err, errTooLong) {
		return nil, &StrayError{Line: fmt.Sprintf("%q (longer than %d bytes)", truncate(line, 120), d.maxLine)}
	}
	if err != nil {
		return nil, err
	}
	var m Message
	// go-json: a test's result is decoded several times faster than with
	// encoding/json, and shoal decodes one per test while the run goes on.
	if err := gojson.Unmarshal(line, &m); err != nil || m.T == "" {
		return nil, &StrayError{Line: fmt.Sprintf("%q", truncate(line, 120))}
	}
	d.internAll(&m)
	return &m, nil
}

// errTooLong: a line over MaxLine, which readLine skipped to its end.
var errTooLong = errors.New("protocol: message too long")

func (d *Decoder) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := d.r.ReadSlice('\n')
		if len(buf)+len(chunk) > d.maxLine {
			return append(buf[:0:0], buf[:min(len(buf), 120)]...), d.skipLine(err)
		}
		if err == nil {
			if buf == nil {
				return chunk[:len(chunk)-1], nil
			}
			buf = append(buf, chunk[:len(chunk)-1]...)
			return buf, nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = append(buf, chunk...)
			continue
		}
		if errors.Is(err, io.EOF) && len(buf)+len(chunk) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
}

// skipLine reads on to the end of the line being read, after err.
func (d *Decoder) skipLine(err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = d.r.ReadSlice('\n')
	}
	if err != nil {
		return err
	}
	return errTooLong
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Command is a message to the plugin.
type Command struct {
	T string `json:"t"`
	// Items are tests as file, position pairs, flattened.
	Items   []int        `json:"items,omitempty"`
	Files   []int        `json:"files,omitempty"`
	Workers []WorkerSpec `json:"workers,omitempty"`
	// become: the server takes this role itself.
	Spec *WorkerSpec `json:"spec,omitempty"`

	// To a worker, workerinput: its config.workerinput (null: there is no
	// controller), its basetemp, and whether to send its reports along
	// for the controller's hooks.
	WorkerInput json.RawMessage `json:"workerinput,omitempty"`
	Basetemp    string          `json:"basetemp,omitempty"`
	Forward     bool            `json:"forward,omitempty"`

	// To the controller: about Worker, its workerinfo (nodeready), its
	// workeroutput and what brought it down (nodedown), one test's
	// reports (test).
	Worker       string          `json:"worker,omitempty"`
	Info         json.RawMessage `json:"info,omitempty"`
	WorkerOutput json.RawMessage `json:"workeroutput,omitempty"`
	Error        *string         `json:"error,omitempty"`
	Fwd          json.RawMessage `json:"fwd,omitempty"`
	// collected: how many tests the workers collected.
	Count int `json:"count,omitempty"`
	// finish: the run is over, with this exit status and reason; Failed
	// and Collected are pytest's session counters, Interrupt a worker's
	// interrupted message that ended it.
	Status    int             `json:"status,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	Failed    int             `json:"failed,omitempty"`
	Collected int             `json:"collected,omitempty"`
	Interrupt json.RawMessage `json:"interrupt,omitempty"`
	// UsageError ends the controller's session as pytest's usage errors do.
	UsageError string `json:"usage_error,omitempty"`
	// gate: the file where the run's failures add up, a byte each, and
	// --maxfail: a worker starts no test once they reach it.
	Failures string `json:"failures,omitempty"`
	MaxFail  int    `json:"maxfail,omitempty"`
	// run: how many times a failed test runs again (a failure of an
	// earlier attempt is reported as a rerun); Attempt, from 1, marks a
	// retry, which runs after the worker's fixtures are all torn down.
	Retries int `json:"retries,omitempty"`
	Attempt int `json:"attempt,omitempty"`

	// Results go with "finish" to the controller: the run's outcomes, for
	// pytest's cache.
	Results *Results `json:"results,omitempty"`
}

// Results are what pytest's cache plugins learn of a run (lastfailed,
// nodeids, stepwise); the session gives them to those plugins as reports.
type Results struct {
	// Reports are [nodeid, when, outcome] of the failed and skipped
	// reports and the passed calls, in the order the tests finished.
	Reports [][3]string `json:"reports"`
	// Collected are every collected and selected test's node ids.
	Collected []string `json:"collected"`
	// CollectFailed are the files that did not collect; Files those that did.
	CollectFailed []string `json:"collect_failed"`
	Files         []string `json:"files"`
}

// WorkerSpec tells a process started or forked for the run what it is
// called, what role it plays and where it writes.
type WorkerSpec struct {
	// Role is "worker" or "controller".
	Role     string `json:"role,omitempty"`
	ID       string `json:"id"`
	Count    int    `json:"count"`
	UID      string `json:"uid"`
	Basetemp string `json:"basetemp"`
	Log      string `json:"log"`
	// Stacks is the file a worker dumps its threads' stacks into when a
	// test runs past its timeout.
	Stacks string `json:"stacks,omitempty"`
	// Captured is where a worker keeps what the running test captured on
	// fds 1 and 2: Captured+".out" and Captured+".err".
	Captured string `json:"captured,omitempty"`
	// Env is what the worker sets in its environment before its first
	// test: its own TMPDIR, ports, database.
	Env map[string]string `json:"env,omitempty"`
	// Output is where the session writes what it prints once the run is over.
	Output string `json:"output,omitempty"`
}

// Encode writes one command as a line.
func Encode(w io.Writer, c Command) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	_, err = w.Write(data)
	return err
}
