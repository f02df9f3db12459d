package result

// Report is one phase (setup, call, teardown) of one test, as pytest
// reported it.
type Report struct {
	When     string // "setup", "call" or "teardown"
	Outcome  string // "passed", "failed" or "skipped"
	Duration float64
	// Category, Letter and Word come from pytest_report_teststatus, so
	// plugins' statuses are respected. Category is empty for a passing
	// setup or teardown.
	Category string
	Letter   string
	Word     string
	LongRepr string
	// Term is the failure as pytest's terminal prints it, unstripped, with
	// colour when shoal asked for it.
	Term        string
	Crash       *string // the crash message's first line and more; nil without one
	CrashPath   string
	CrashLineno int
	Skip        *SkipInfo // a skip, shaped for the short test summary
	WasXFail    *string
	// Sections are the captured output and logs, as pytest names them.
	Sections []Section
	// Props are record_property's pairs.
	Props [][2]any
	// SkipRaw is a skip's longrepr as pytest holds it (absolute path, line,
	// reason), which the JUnit file prints.
	SkipRaw *SkipInfo
	// PropText is str() of each value in Props, as the JUnit file writes it.
	PropText []string
	// Head is the report's title in FAILURES where it is not the test's
	// domain (pytest-subtests' "test_x (i=1)").
	Head string
}

// SkipInfo is where a skip happened and why.
type SkipInfo struct {
	Path   string
	Lineno *int // nil where pytest shows no line
	Reason string
}

// CollectReport is a collect report that did not pass: a file that failed
// to collect ("failed") or was skipped whole ("skipped").
type CollectReport struct {
	NodeID   string
	Outcome  string
	LongRepr string
	Term     string // as pytest's terminal prints it
	Crash    *string
	Skip     *SkipInfo
}

// Marks is what a test's markers ask of the scheduler.
type Marks struct {
	Exclusive bool     // run alone
	Locks     []string // resource keys it holds while it runs
	Slots     int      // worker slots it takes; 0 means 1
	// First: pytest's --ff (a failure last time) or --nf (a new test)
	// runs it before the others, so its file starts first.
	First bool
}

// Options are the pytest option values that change what shoal reports.
type Options struct {
	Verbose                    int
	ReportChars                string
	MaxFail                    int
	XMLPath                    *string // --junitxml; nil without it
	ContinueOnCollectionErrors bool
	ShowCapture                string
	DisableWarnings            bool
	NoHeader                   bool
	NoSummary                  bool
	JUnitSuiteName             string
	JUnitFamily                string
	JUnitLogging               string
	JUnitLogPassingTests       bool
	JUnitDurationReport        string
	Dist                       string // pytest-xdist's --dist; "" without xdist
	TbStyle                    string // --tb
	Stepwise                   bool   // --sw or --sw-skip; MaxFail says where it stops
}
