package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"shoal/history"
	"shoal/result"
	"shoal/runner"
	"shoal/verify"
)

type verifyFlags struct {
	runFlags
	json     string
	runs     int
	alone    int
	together int
	budget   time.Duration
}

func newVerifyCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify [shoal flags] [--] [pytest args]",
		Short: "Run the suite many ways and tell flaky, order-dependent and conflicting tests apart",
		Long: `Run the suite repeatedly in shuffled orders and assignments (seeded and
printed), then run every test that failed with a purpose: alone in a fresh
worker (flaky on its own?), after the tests its worker ran before it, cut
down by bisection to the one that pollutes it (order-dependent), and at the
same time as each test that overlapped it when it failed (conflict). It
stops when every failure is explained or the budget is spent.

Every test ends stable, flaky, order-dependent (with its polluters; brittle
when it passes only after some test) or conflict (with the tests it
collides with), with the runs that established it and one command that
reproduces it.

Exit code 0 when every test is stable, 1 when any is not, 2 when the suite
does not collect or verification was interrupted, 4 on usage errors.`,
		Example: `  shoal verify
  shoal verify --runs 20 --budget 30m --json verify.json tests/
  shoal verify --seed 1234 -- tests/test_api.py`,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, helped, err := parseArgs(ctx, cmd, args, &f.python)
			if err != nil || helped {
				return err
			}
			if !cmd.Flags().Changed("seed") {
				f.sched.seed = rand.Int64N(1 << 31)
			}
			return verifySuite(ctx, f, args, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.json, "json", "", "write every test's class and evidence as JSON to this file")
	fl.IntVar(&f.runs, "runs", 8, "shuffled runs of the whole suite; every second one replays the one before it reversed")
	fl.IntVar(&f.alone, "alone", 3, "times a test that failed runs alone in a fresh worker when nothing else makes it fail again (twice otherwise)")
	fl.IntVar(&f.together, "together", 2, "times a test runs at the same time as each suspected partner")
	fl.DurationVar(&f.budget, "budget", 10*time.Minute, "stop looking after this long and say what is still unexplained; 0: no limit")
	fl.BoolVar(&f.noFork, "no-fork", false, "spawn every worker instead of forking them from the collected session")
	fl.StringVar(&f.timeout, "timeout", "", "fail a test that runs longer than this, in seconds or as 90s, 5m (default: [tool.shoal] timeout, else none)")
	f.interruptGrace = defaultGrace
	addSuiteFlags(cmd, &f.runFlags)
	return cmd
}

func verifySuite(ctx context.Context, f verifyFlags, args []string, stdout, stderr io.Writer) error {
	if infoOnly(args) {
		return usageError("shoal verify runs the tests, and pytest's "+strings.Join(args, " ")+" only shows information", "use `shoal run` for that")
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"runs", f.runs}, {"alone", f.alone}, {"together", f.together}} {
		if c.n < 1 {
			return usageError(fmt.Sprintf("invalid --%s %d", c.name, c.n), "give a number ≥ 1")
		}
	}
	if f.budget < 0 {
		return usageError("invalid --budget "+f.budget.String(), "give a duration such as 10m, or 0 for no limit")
	}
	// Targeted runs use up to verify.MaxLists workers at once.
	p, done, err := prepareRuns(ctx, f.runFlags, verify.MaxLists, stderr)
	if err != nil {
		return err
	}
	defer done()
	s := p.suite
	vr := &verifyRunner{repeated: p.repeated(args, f.noFork)}
	names, err := vr.collect(ctx, stdout, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "shoal verify: %d tests, %d shuffled runs on %d workers, seed %d, budget %s\n",
		len(names), f.runs, s.workers, f.sched.seed, budgetText(f.budget))
	rep, err := verify.Verify(ctx, names, vr, verify.Options{
		Workers: s.workers, Runs: f.runs, Alone: f.alone, Together: f.together,
		Budget: f.budget, Seed: f.sched.seed, Log: stdout,
	})
	if ctx.Err() != nil {
		return &exitError{code: result.ExitInterrupted, msg: "verification was interrupted"}
	}
	if err != nil {
		return err
	}
	for i := range rep.Tests {
		rep.Tests[i].Reproduce = reproduce(rep.Tests[i], s.choice.Path, s.workers)
	}
	fmt.Fprintln(stdout)
	rep.Text(stdout)
	keepVerdicts(s.history, vr.rootdir, rep, stdout, stderr)
	if f.json != "" {
		if err := rep.WriteJSON(f.json); err != nil {
			return &exitError{code: result.ExitInternalError, msg: err.Error()}
		}
	}
	if !rep.Stable() {
		return &exitError{code: result.ExitTestsFailed}
	}
	return nil
}

// keepVerdicts puts the classes into history, where shoal run finds them:
// a test found stable loses the class it had.
func keepVerdicts(h *runHistory, rootdir string, rep *verify.Report, stdout, stderr io.Writer) {
	st := h.open(rootdir)
	if st == nil {
		return
	}
	found := map[string]history.Verdict{}
	var stable []string
	for _, t := range rep.Tests {
		switch {
		case t.Class == verify.Stable:
			stable = append(stable, t.NodeID)
		case t.Class == verify.Conflict:
			found[t.NodeID] = history.Verdict{Class: string(t.Class), Partners: t.ConflictsWith}
		default:
			found[t.NodeID] = history.Verdict{Class: string(t.Class), Partners: append(t.Polluters, t.Needs...)}
		}
	}
	if err := st.SaveVerdicts(found, stable); err != nil {
		fmt.Fprintf(stderr, "shoal: warning: %v\n", err)
		return
	}
	if len(found) > 0 {
		fmt.Fprintf(stdout, "shoal verify: kept the classes in %s; shoal run keeps the tests known to conflict apart\n", st.Path())
	}
}

func budgetText(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	return d.String()
}

// reproduce is one command that shows a test's problem: pytest itself for
// a sequence in one process, shoal verify for what takes repeated or
// parallel runs.
func reproduce(v verify.Verdict, python string, workers int) string {
	switch {
	case v.Class == verify.Stable:
		return ""
	case len(v.Polluters) > 0 || len(v.Needs) > 0:
		return python + " -m pytest -p no:randomly " + shellWords(v.Sequence)
	case v.Class == verify.Conflict:
		return fmt.Sprintf("shoal verify -n %d -- %s", max(workers, 2), shellWords(v.Sequence))
	default:
		return "shoal verify -- " + shellWords(v.Sequence)
	}
}

// shellWords quotes what a shell would split or expand.
func shellWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if strings.ContainsAny(w, " \t\n'\"\\$`[]*?(){}<>|&;!#~") {
			w = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		out[i] = w
	}
	return strings.Join(out, " ")
}

// verifyRunner runs verification's batches on the real runner, with the
// run's resources.
type verifyRunner struct {
	*repeated
	names   []string
	marks   []*result.Marks // per test, what its markers ask; nil for most
	rootdir string
	n       int // batches run
}

// collect lists the suite's tests, or says why it cannot be verified.
func (vr *verifyRunner) collect(ctx context.Context, stdout, stderr io.Writer) ([]string, error) {
	opts, err := vr.options(vr.dir("collect"))
	if err != nil {
		return nil, err
	}
	opts.CollectOnly = true
	run, err := runner.Run(ctx, opts, quiet{})
	var pass *runner.Passthrough
	if errors.As(err, &pass) {
		return nil, passthrough(ctx, vr.suite.choice, pass, stdout, stderr)
	}
	if err != nil {
		return nil, &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if err := collectionFailed(run, stderr); err != nil {
		return nil, err
	}
	if n := run.CollectionErrors(); n > 0 {
		return nil, &exitError{code: result.ExitInterrupted, msg: "the suite does not collect: " + run.CollectErrors[0].NodeID,
			hint: "run `shoal run` or pytest to see the collection errors, then verify again"}
	}
	if len(run.Tests) == 0 {
		return nil, &exitError{code: result.ExitNoTestsCollected, msg: "no tests collected", hint: "check the paths and -k/-m given to pytest"}
	}
	vr.rootdir = run.Rootdir
	vr.names = make([]string, len(run.Tests))
	vr.marks = make([]*result.Marks, len(run.Tests))
	for i, t := range run.Tests {
		vr.names[i], vr.marks[i] = t.NodeID, t.Marks
	}
	return vr.names, nil
}
