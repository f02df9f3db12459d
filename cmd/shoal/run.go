package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"shoal/config"
	"shoal/interp"
	"shoal/metrics"
	"shoal/plan"
	"shoal/plugin"
	"shoal/provision"
	"shoal/report/junit"
	"shoal/report/record"
	"shoal/report/terminal"
	"shoal/result"
	"shoal/runner"
)

// defaultGrace is --interrupt-grace's default: short, since a CI system
// sends SIGKILL a few seconds after SIGTERM, and the reports must be
// written by then; tests that heed their KeyboardInterrupt stop at once.
const defaultGrace = "5s"

// defaultSlow is --slow-timeout's default, nextest's: a test that runs a
// minute gets a line saying so, and another each minute after.
const defaultSlow = "60s"

type runFlags struct {
	workers          string
	python           string
	reportJSON       string
	trace            string
	html             string
	noFork           bool
	timeout          string
	sessionTimeout   string
	maxWorkerRestart string
	interruptGrace   string
	slowTimeout      string
	sched            scheduleFlags
	keepTmp          bool
	threadPools      string
	retries          string
}

func newRunCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [shoal flags] [--] [pytest args]",
		Short: "Run the suite on parallel workers",
		Long: `Run the suite on parallel workers. Every option that is not shoal's, and
every path, goes to pytest (its own options and its plugins'); so does all
after "--". Where a name is both shoal's and pytest's (-n, --timeout,
--max-worker-restart), shoal's wins.

Exit codes are pytest's: 0 all passed, 1 tests failed, 2 interrupted or
collection error, 3 internal error, 4 usage error, 5 no tests collected.`,
		Example: `  shoal run -n 4 tests/
  shoal run -n auto -x -k "not slow" --tb=short -s
  shoal run -n 2 -- --pyargs networkx`,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, helped, err := parseArgs(ctx, cmd, args, &f.python)
			if err != nil || helped {
				return err
			}
			return runSuite(ctx, cmd, f, args, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.reportJSON, "report-json", "", "write the run record (JSON) to this file")
	fl.StringVar(&f.html, "html", "", "write the run as one self-contained HTML page (where the time went, and a timeline) to this file")
	fl.StringVar(&f.trace, "trace", "", "write the run as a Chrome trace (JSON, for Perfetto and chrome://tracing) to this file")
	fl.BoolVar(&f.noFork, "no-fork", false, "spawn every worker instead of forking them from the collected session")
	fl.BoolVar(&f.keepTmp, "keep-tmp", false, "keep the run's temporary files (workers' TMPDIR, basetemp, worker_tmp_path) when tests fail")
	fl.StringVar(&f.timeout, "timeout", "", "fail a test that runs longer than this, in seconds or as 90s, 5m (default: [tool.shoal] timeout, else none); a timeout(seconds) marker overrides it")
	fl.StringVar(&f.sessionTimeout, "session-timeout", "", "interrupt the run when it takes longer than this, as Ctrl-C does (default: [tool.shoal] session_timeout, else none)")
	fl.StringVar(&f.maxWorkerRestart, "max-worker-restart", "", "stop the run after this many workers crashed (default: 4 per worker)")
	fl.StringVar(&f.slowTimeout, "slow-timeout", defaultSlow, "a test running this long gets a SLOW line naming it, its worker and how long it ran, and one more each time as long again has passed; 0: none")
	fl.StringVar(&f.interruptGrace, "interrupt-grace", defaultGrace, "after Ctrl-C, how long a running test that ignores its KeyboardInterrupt has before shoal ends it")
	fl.StringVar(&f.retries, "retries", "", "run a test whose setup or call failed up to this many more times; a pass on a retry is flaky, not passed (default: [tool.shoal] retries, else 0)")
	fl.StringVar(&f.threadPools, "thread-pools", "", `threads per worker for numerical libraries (OpenMP, OpenBLAS, MKL…): "auto" shares the CPUs out among the workers, "inherit" leaves the environment alone, or a number (default: [tool.shoal] thread_pools, else auto)`)
	addSuiteFlags(cmd, &f)
	return cmd
}

// addSuiteFlags adds what run, plan and audit share: workers, interpreter
// and the plan's shape.
func addSuiteFlags(cmd *cobra.Command, f *runFlags) {
	fl := cmd.Flags()
	fl.StringVarP(&f.workers, "workers", "n", "", `number of workers, or "auto" for one per CPU (default: [tool.shoal] workers, else auto)`)
	fl.StringVar(&f.python, "python", "", "Python interpreter that has pytest (default: SHOAL_PYTHON, [tool.shoal] python, the active virtualenv, .venv, python3)")
	addScheduleFlags(fl, &f.sched)
	// Every other option is pytest's (see parseArgs).
	cmd.DisableFlagParsing = true
}

// suite is what run and plan work out before pytest starts.
type suite struct {
	dir       string
	cfg       *config.Config
	workers   int
	set       plan.Settings
	shardFrom string
	choice    interp.Choice
	pluginDir string
	history   *runHistory
}

func prepare(f runFlags, warn io.Writer) (*suite, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, &exitError{code: result.ExitInternalError, msg: "cannot read the working directory: " + err.Error()}
	}
	s := &suite{dir: dir, history: &runHistory{flags: f.sched, order: f.sched.order == "failed-first", warn: warn}}
	if s.cfg, err = loadConfig(dir); err != nil {
		return nil, err
	}
	if s.workers, err = resolveWorkers(f.workers, s.cfg); err != nil {
		return nil, err
	}
	if s.set, s.shardFrom, err = f.sched.settings(s.workers, s.cfg); err != nil {
		return nil, err
	}
	if s.choice, err = interp.Choose(f.python, os.Getenv, s.cfg.Python, s.cfg.File, dir); err != nil {
		return nil, interpError(err)
	}
	if s.pluginDir, err = plugin.Install(plugin.DefaultCacheDir()); err != nil {
		return nil, &exitError{code: result.ExitInternalError, msg: err.Error(),
			hint: "set SHOAL_CACHE_DIR to a writable directory"}
	}
	return s, nil
}

// options are the runner's options for this suite.
func (s *suite) options(args []string, env []string) runner.Options {
	return runner.Options{
		Python: s.choice.Path, PluginDir: s.pluginDir, Args: args, Workers: s.workers,
		Fork: s.cfg.Fork, Dir: s.dir, Env: append(env, markersEnv(s.cfg)...), MaxWorkerRestart: -1,
		Plan: planner(s.history, s.set), Watchdog: watchdog,
	}
}

func runSuite(ctx context.Context, cmd *cobra.Command, f runFlags, args []string, stdout, stderr io.Writer) error {
	if why := inlineWhy(f.workers, args); why != "" {
		return runInline(ctx, f, why, args, stdout, stderr)
	}
	s, err := prepare(f, stderr)
	if err != nil {
		return err
	}
	defer s.history.close()
	limits, err := resolveLimits(f, s.cfg)
	if err != nil {
		return err
	}
	pools, err := resolveThreadPools(f.threadPools, s.cfg, cpuShare("/sys", runtime.NumCPU(), os.Getenv), s.workers, os.Getenv)
	if err != nil {
		return err
	}
	choice := s.choice
	width, color := terminalShape(stdout)
	switch colorOption(args) {
	case "yes":
		color = true
	case "no":
		color = false
	}
	// pytest renders tracebacks in the workers: give them shoal's width and colour.
	env := append(append(os.Environ(), "COLUMNS="+strconv.Itoa(width)), pools.env...)
	if color {
		env = append(env, "SHOAL_COLOR=1")
	}
	if limits.session > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, limits.session,
			fmt.Errorf("Interrupted: session timeout of %s reached", formatDuration(limits.session)))
		defer cancel()
	}
	opts := s.options(args, env)
	opts.Stdout, opts.Stderr = stdout, stderr
	opts.Fork = opts.Fork && !f.noFork
	opts.MaxWorkerRestart, opts.Timeout, opts.Grace, opts.Abort = limits.maxRestart, limits.test.Seconds(), limits.grace, abortOf(ctx)
	opts.Slow = limits.slow
	if opts.Retries, err = resolveRetries(f.retries, s.cfg, args); err != nil {
		return err
	}
	shard := nonEmpty(shardInfo(s.set, s.shardFrom))
	info := func(run *result.Run) []string { return append(workerInfo(run), shard...) }
	var res *provision.Run
	keep := false
	if !infoOnly(args) {
		if res, err = startProvision(ctx, s.cfg, s.workers, s.dir, opts.Env, stderr); err != nil {
			return err
		}
		defer func() { closeProvision(res, keep, stderr) }()
		opts.RunDir, opts.WorkerEnv = res.Dir, res.Env
		opts.Env = append(opts.Env, "SHOAL_RUN_BASETEMP="+res.Basetemp)
		info = func(run *result.Run) []string {
			lines := append(workerInfo(run), shard...)
			if run.Options.Verbose > 0 {
				lines = append(lines, nonEmpty(pools.line(), barrierLine(run))...)
				lines = append(lines, provisionLines(run, res)...)
			}
			return lines
		}
	}
	term := terminal.New(stdout, width, color, info)
	term.Section("where the time went", timeSpent)
	term.Section("known problems (shoal verify)", knownSection(s.history))
	var consumers fanout
	if res != nil {
		opts.WorkerProvisions = res.Describe
		for _, n := range serviceLogNotes(res) {
			term.Note(n)
		}
		if f.keepTmp {
			consumers = append(consumers, onFinished(func(e result.Finished) {
				if e.ExitCode != result.ExitOK {
					term.Note("kept temporary files in " + res.Dir)
				}
			}))
		}
	}
	xml := junit.NewFile(func(path string) { term.Note("generated xml file: " + path) })
	xml.Known = knownClasses(s.history)
	consumers = append(consumers, xml, term, s.history)
	var rec *record.File
	if f.reportJSON != "" {
		rec = record.NewFile(f.reportJSON)
		consumers = append(consumers, rec)
	}
	files := newOutputs(f)
	consumers = append(consumers, files)
	run, err := runner.Run(ctx, opts, consumers)
	keep = f.keepTmp && (err != nil || run == nil || run.ExitCode != result.ExitOK)
	var pass *runner.Passthrough
	if errors.As(err, &pass) {
		return passthrough(ctx, choice, pass, stdout, stderr)
	}
	if err != nil {
		if run == nil {
			// pytest could not even start: say why in the interpreter's terms.
			if _, cerr := interp.Check(ctx, choice); cerr != nil {
				return interpError(cerr)
			}
		}
		return &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if err := xml.Err(); err != nil {
		return &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if rec != nil && rec.Err() != nil {
		return &exitError{code: result.ExitInternalError, msg: rec.Err().Error()}
	}
	if err := files.Err(); err != nil {
		return &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if run.ExitCode != result.ExitOK {
		return &exitError{code: run.ExitCode}
	}
	return nil
}

// fanout hands each of a run's events to every consumer in turn, in the
// order given, and returns once all have handled it: the run waits for
// its slowest consumer rather than let output fall behind.
type fanout []interface{ Event(result.Event) }

func (f fanout) Event(e result.Event) {
	for _, c := range f {
		c.Event(e)
	}
}

// onFinished is a consumer of the Finished event only.
type onFinished func(result.Finished)

func (f onFinished) Event(e result.Event) {
	if e, ok := e.(result.Finished); ok {
		f(e)
	}
}

func loadConfig(dir string) (*config.Config, error) {
	path, err := config.Find(dir)
	if err != nil {
		return nil, usageError(err.Error(), "")
	}
	cfg, err := config.Load(path)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return nil, usageError(ce.Error(), strings.TrimPrefix(ce.Hint, "hint: "))
		}
		return nil, usageError(err.Error(), "")
	}
	return cfg, nil
}

func resolveWorkers(flag string, cfg *config.Config) (int, error) {
	v := flag
	if v == "" {
		v = cfg.Workers
	}
	if v == "" || v == "auto" {
		return runtime.NumCPU(), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, usageError(fmt.Sprintf("invalid number of workers %q", v), `use -n with a number ≥ 1 or "auto"`)
	}
	return n, nil
}

func interpError(err error) error {
	var ie *interp.Error
	if errors.As(err, &ie) {
		return usageError(ie.Error(), strings.TrimPrefix(ie.Hint, "hint: "))
	}
	return usageError(err.Error(), "")
}

// passthrough shows what pytest printed when it ended before running tests
// (--help, --version, --collect-only, a usage error) and keeps its exit code.
func passthrough(ctx context.Context, choice interp.Choice, p *runner.Passthrough, stdout, stderr io.Writer) error {
	// python -m pytest without pytest exits 1 before pytest says anything;
	// pytest itself does not exit 1 before a session starts. What exits 0
	// without a word may be no Python at all (/bin/true, a wrapper).
	missing := strings.Contains(string(p.Stderr), "No module named") && strings.Contains(string(p.Stderr), "pytest")
	silent := len(p.Stdout) == 0 && len(p.Stderr) == 0
	if p.Code != 0 && (missing || (p.Code == 1 && len(p.Stdout) == 0)) || p.Code == 0 && silent {
		if _, err := interp.Check(ctx, choice); err != nil {
			return interpError(err)
		}
	}
	_, _ = stdout.Write(p.Stdout)
	_, _ = stderr.Write(p.Stderr)
	if p.Code != 0 {
		return &exitError{code: p.Code}
	}
	return nil
}

func terminalShape(w io.Writer) (int, bool) {
	width := 0
	color := false
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		width, _, _ = term.GetSize(int(f.Fd()))
		color = os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		width = c
	}
	if os.Getenv("PY_COLORS") == "1" || os.Getenv("FORCE_COLOR") != "" {
		color = true
	}
	if os.Getenv("PY_COLORS") == "0" {
		color = false
	}
	if width < 40 {
		width = 80
	}
	return width, color
}

// colorOption is pytest's --color in args (the last one given), or "".
func colorOption(args []string) string {
	value := ""
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--color="); ok {
			value = v
		} else if a == "--color" && i+1 < len(args) {
			value = args[i+1]
		}
	}
	return value
}

func workerInfo(run *result.Run) []string {
	n := len(run.Workers)
	if n == 0 {
		return nil
	}
	line := fmt.Sprintf("shoal: %d worker%s", n, plural(n))
	if run.StartMode == "fork" {
		line += ", forked"
	} else {
		line += ", spawned"
	}
	if run.StartNote != "" && (run.StartMode != "fork" || run.Options.Verbose > 0) {
		line += " (" + run.StartNote + ")"
	}
	return []string{line}
}

// barrierLine says, with -v, that history let the isolation barriers be
// planned before the run.
func barrierLine(run *result.Run) string {
	if run.PlannedBarriers == 0 {
		return ""
	}
	return fmt.Sprintf("shoal: exclusive tests at %d barrier%s planned ahead from history", run.PlannedBarriers, plural(run.PlannedBarriers))
}

func nonEmpty(lines ...string) []string {
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// timeSpent is what shoal report says of the run, which -v shows in the
// summary.
func timeSpent(run *result.Run) string {
	if run.Options.Verbose <= 0 || len(run.Tests) == 0 {
		return ""
	}
	var b strings.Builder
	metrics.WriteText(&b, metrics.Compute(record.Build(run), metrics.Options{}))
	return b.String()
}
