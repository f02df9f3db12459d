package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"shoal/audit"
	"shoal/footprint"
	"shoal/result"
	"shoal/rewrite"
	"shoal/runner"
)

type auditFlags struct {
	runFlags
	json       string
	fix        bool
	confirm    int
	footprints string
}

func newAuditCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit [shoal flags] [--] [pytest args]",
		Short: "Trace what each test touches and judge every isolation marker",
		Long: `Run the suite once with a tracer that records what each test touches
(files, ports, database tables, environment, cwd, module state, threads and
processes it leaves behind), find the tests that conflict, and judge every
isolation marker: unneeded, fixable (a key or a per-worker resource would
do), or required; and every unmarked test: safe, or missing a marker.
Conflicts the trace is unsure of are confirmed by running the two tests at
the same time on two workers.

--fix rewrites the markers in the test files (only the decorators) and
prints the diff. Exit code 0 when the audit ran, whatever the tests did;
2 when the suite does not collect; 4 on usage errors.`,
		Example: `  shoal audit -n 4
  shoal audit --json audit.json tests/
  shoal audit --fix`,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, helped, err := parseArgs(ctx, cmd, args, &f.python)
			if err != nil || helped {
				return err
			}
			return auditSuite(ctx, f, args, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.json, "json", "", "write the verdicts and the summary as JSON to this file")
	fl.BoolVar(&f.fix, "fix", false, "rewrite the markers in the test files as suggested and print the diff")
	fl.IntVar(&f.confirm, "confirm", 10, "run at most this many pairs of tests that may conflict at the same time, to confirm; 0: none")
	fl.StringVar(&f.footprints, "footprints", "", "where to keep what each test touched (default: .shoal/footprints.json under the rootdir)")
	fl.BoolVar(&f.noFork, "no-fork", false, "spawn every worker instead of forking them from the collected session")
	fl.StringVar(&f.timeout, "timeout", "", "fail a test that runs longer than this, in seconds or as 90s, 5m (default: [tool.shoal] timeout, else none)")
	f.interruptGrace = defaultGrace
	addSuiteFlags(cmd, &f.runFlags)
	return cmd
}

// auditRun is one audit: the traced run, then the pairs run together.
type auditRun struct {
	*repeated
	flags  auditFlags
	marker string
	stdout io.Writer
	stderr io.Writer
}

func auditSuite(ctx context.Context, f auditFlags, args []string, stdout, stderr io.Writer) error {
	if infoOnly(args) {
		return usageError("shoal audit runs the tests, and pytest's "+strings.Join(args, " ")+" only shows information", "use `shoal run` for that")
	}
	if f.confirm < 0 {
		return usageError(fmt.Sprintf("invalid --confirm %d", f.confirm), "give a number of pairs ≥ 0")
	}
	p, done, err := prepareRuns(ctx, f.runFlags, 0, stderr)
	if err != nil {
		return err
	}
	defer done()
	a := &auditRun{repeated: p.repeated(args, f.noFork), flags: f, marker: markerName(p.suite), stdout: stdout, stderr: stderr}
	run, prints, err := a.trace(ctx)
	if err != nil {
		return err
	}
	return a.report(ctx, run, prints)
}

// markerName is the suite's name for the isolation marker.
func markerName(s *suite) string {
	if name := s.cfg.Markers["isolation"]; name != "" {
		return name
	}
	return "isolation"
}

// options are the runner's options for one of the audit's runs, with the
// run's resources and extra environment.
func (a *auditRun) options(dir string, extra ...string) (runner.Options, error) {
	return a.repeated.options(dir, append([]string{"SHOAL_TRACE_PRIVATE=" + a.res.Dir}, extra...)...)
}

// trace runs the suite with the tracer on and reads what each test touched.
func (a *auditRun) trace(ctx context.Context) (*result.Run, []*footprint.Test, error) {
	traceDir := filepath.Join(a.res.Dir, "trace")
	if err := os.MkdirAll(traceDir, 0o755); err != nil {
		return nil, nil, &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	opts, err := a.options(filepath.Join(a.res.Dir, "audit"), "SHOAL_TRACE="+traceDir)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(a.stdout, "shoal audit: running the suite on %d workers, tracing what each test touches\n", a.suite.workers)
	run, err := runner.Run(ctx, opts, quiet{})
	var pass *runner.Passthrough
	if errors.As(err, &pass) {
		return nil, nil, passthrough(ctx, a.suite.choice, pass, a.stdout, a.stderr)
	}
	if err != nil {
		return nil, nil, &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if n := run.CollectionErrors(); n > 0 {
		return nil, nil, &exitError{code: result.ExitInterrupted, msg: "the suite does not collect: " + run.CollectErrors[0].NodeID,
			hint: "run `shoal run` or pytest to see the collection errors, then audit again"}
	}
	if ctx.Err() != nil || run.Halted {
		return nil, nil, &exitError{code: result.ExitInterrupted, msg: "the audit did not finish: " + run.Stopped}
	}
	prints, err := footprint.ReadTrace(traceDir)
	if err != nil {
		return nil, nil, &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	fmt.Fprintf(a.stdout, "shoal audit: %s\n", outcomeLine(run))
	return run, prints, nil
}

// report judges the footprints, confirms what it can, and reports; with
// --fix it rewrites the markers.
func (a *auditRun) report(ctx context.Context, run *result.Run, prints []*footprint.Test) error {
	path := a.flags.footprints
	if path == "" {
		path = footprint.DefaultPath(run.Rootdir)
	}
	if err := footprint.Write(path, prints); err != nil {
		fmt.Fprintf(a.stderr, "shoal: warning: %v\n", err)
	}
	tests, failed := auditTests(run, prints)
	opt := audit.Options{Rootdir: run.Rootdir, Marker: a.marker}
	conflicts := audit.Graph(printsOf(tests), opt.Rootdir)
	verdicts := audit.Judge(tests, conflicts, opt)
	for i, t := range run.Tests {
		verdicts[i].Outcome = string(t.Outcome())
	}
	audit.Overlaps(tests, verdicts, conflicts, failed)
	tried, confirmed, err := a.confirm(ctx, tests, verdicts, conflicts, failed)
	if err != nil {
		return err
	}
	sum := audit.Summarize(tests, verdicts, conflicts)
	sum.Tried, sum.Confirmed = tried, confirmed
	sum.Workers = a.suite.workers
	sum.PredictedBefore, sum.PredictedAfter = a.predict(run, tests, verdicts)
	rep := audit.Report{Tests: verdicts, Summary: sum}
	fmt.Fprintln(a.stdout)
	rep.Text(a.stdout, a.marker)
	if a.flags.json != "" {
		if err := rep.WriteJSON(a.flags.json); err != nil {
			return &exitError{code: result.ExitInternalError, msg: err.Error()}
		}
	}
	if a.flags.fix {
		return a.fix(run.Rootdir, tests, verdicts)
	}
	return nil
}

// auditTests are the collected tests with their markers and footprints,
// and which of them failed in the traced run.
func auditTests(run *result.Run, prints []*footprint.Test) ([]audit.Test, []bool) {
	byID := make(map[string]*footprint.Test, len(prints))
	for _, p := range prints {
		if p.Error == "" { // an incomplete trace says nothing: the test is not judged
			byID[p.NodeID] = p
		}
	}
	tests := make([]audit.Test, len(run.Tests))
	failed := make([]bool, len(run.Tests))
	for i, t := range run.Tests {
		at := audit.Test{NodeID: t.NodeID, Print: byID[t.NodeID], Path: filepath.Join(run.Rootdir, filepath.FromSlash(t.Path))}
		if t.Lineno != nil {
			at.Line = *t.Lineno + 1
		}
		if m := t.Marks; m != nil {
			at.Exclusive, at.Locks = m.Exclusive, m.Locks
		}
		if at.Print != nil {
			for _, s := range at.Print.Sites {
				at.Marked = true
				for _, k := range s.Keys {
					if k != nil {
						at.Keys = append(at.Keys, *k)
					}
				}
			}
		}
		at.Marked = at.Marked || at.Exclusive
		tests[i] = at
		o := t.Outcome()
		failed[i] = o == result.Failed || o == result.Error
	}
	return tests, failed
}

func printsOf(tests []audit.Test) []*footprint.Test {
	out := make([]*footprint.Test, len(tests))
	for i, t := range tests {
		out[i] = t.Print
	}
	return out
}

// outcomeLine counts the traced run's outcomes, as pytest's summary does.
func outcomeLine(run *result.Run) string {
	counts := map[result.Outcome]int{}
	for _, t := range run.Tests {
		counts[t.Outcome()]++
	}
	var parts []string
	for _, o := range []result.Outcome{result.Failed, result.Passed, result.Skipped, result.XFailed, result.XPassed, result.Error} {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	if n := counts[result.NotRun]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d not run", n))
	}
	return fmt.Sprintf("traced %d tests in %.2f s: %s", len(run.Tests), run.Stop-run.Start, strings.Join(parts, ", "))
}

// fix rewrites the markers and prints the diff.
func (a *auditRun) fix(rootdir string, tests []audit.Test, verdicts []audit.Verdict) error {
	fixes, notes := audit.Fixes(tests, verdicts, audit.Options{Rootdir: rootdir, Marker: a.marker})
	fmt.Fprintln(a.stdout)
	changed := 0
	for _, fx := range fixes {
		old, err := os.ReadFile(fx.Path)
		if err != nil {
			notes = append(notes, fmt.Sprintf("cannot read %s: %v", fx.Path, err))
			continue
		}
		new, problems := rewrite.Apply(old, fx.Changes)
		rel, _ := filepath.Rel(rootdir, fx.Path)
		for _, p := range problems {
			notes = append(notes, rel+": "+p)
		}
		if string(new) == string(old) {
			continue
		}
		if err := writeKeepingMode(fx.Path, new); err != nil {
			return &exitError{code: result.ExitInternalError, msg: err.Error()}
		}
		changed++
		io.WriteString(a.stdout, rewrite.Diff(filepath.ToSlash(rel), old, new))
	}
	fmt.Fprintf(a.stdout, "shoal audit: rewrote the markers in %d file%s\n", changed, plural(changed))
	for _, n := range notes {
		fmt.Fprintf(a.stdout, "shoal audit: left alone: %s\n", n)
	}
	return nil
}

func writeKeepingMode(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp := path + ".shoal-fix"
	if err := os.WriteFile(tmp, data, info.Mode().Perm()); err != nil {
		return fmt.Errorf("cannot rewrite %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot rewrite %s: %w", path, err)
	}
	return nil
}
