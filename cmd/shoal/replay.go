package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"shoal/replay"
	"shoal/report/record"
	"shoal/report/terminal"
	"shoal/result"
	"shoal/runner"
	"shoal/verify"
)

type replayFlags struct {
	runFlags
	worker string
	test   string
}

func newReplayCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	var f replayFlags
	cmd := &cobra.Command{
		Use:   "replay RUN.json (--worker gwN | --test NODEID) [-- pytest args]",
		Short: "Run again what one worker of a recorded run ran, in the same order, in one process",
		Long: `Read a run record (shoal run --report-json) and run again, on a worker of
the same name and in one pytest process, the tests that worker ran, in the
order it ran them, with the run's pytest arguments (or those given after
"--") and the worker's environment (SHOAL_WORKER, PYTEST_XDIST_WORKER, the
worker count, its own resources).

--worker gwN runs that worker's whole sequence and exits as shoal run does.

--test NODEID runs the test after the tests its worker ran before it; when
the test does again what it did in the record, it cuts that sequence down,
by bisection, to the fewest tests that still make it do so, and names them:
the polluters of a test that failed, or the tests a test that passed needs.
Exit code 1 when the failure reproduces, 0 when it does not.`,
		Example: `  shoal replay run.json --worker gw1
  shoal replay run.json --test tests/test_cache.py::test_empty`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return usageError("shoal replay takes a run record", "shoal run --report-json run.json writes one; then: shoal replay run.json --worker gw0")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return replayRun(ctx, f, args[0], args[1:], stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.worker, "worker", "", "run the tests this worker ran, in order")
	fl.StringVar(&f.test, "test", "", "run this test after the tests before it on its worker, and bisect those to the ones it needs to do what it did")
	fl.StringVar(&f.python, "python", "", "Python interpreter that has pytest (default: as shoal run chooses it)")
	fl.BoolVar(&f.noFork, "no-fork", false, "spawn the worker instead of forking it from the collected session")
	fl.StringVar(&f.timeout, "timeout", "", "fail a test that runs longer than this (default: [tool.shoal] timeout, else none)")
	f.interruptGrace = defaultGrace
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(err.Error(), "see 'shoal replay --help'")
	})
	return cmd
}

// replaying is what a replay runs with: the record, and a runner of
// sequences on the worker's name.
type replaying struct {
	rec    *record.Record
	vr     *verifyRunner
	worker int // its index: gwN is the N-th worker
}

func replayRun(ctx context.Context, f replayFlags, path string, pytest []string, stdout, stderr io.Writer) error {
	if (f.worker == "") == (f.test == "") {
		return usageError("shoal replay takes one of --worker and --test", "--worker gwN replays a worker; --test NODEID bisects what a test needs")
	}
	rec, err := record.ReadFile(path)
	if err != nil {
		return usageError(err.Error(), "give the file shoal run --report-json wrote")
	}
	if len(pytest) == 0 {
		pytest = rec.Args
	}
	worker, before, outcome := f.worker, []string(nil), ""
	if f.test != "" {
		worker, before, outcome, err = replay.Preceding(rec, f.test)
	} else {
		before, err = replay.Sequence(rec, f.worker)
	}
	if err != nil {
		return usageError(err.Error(), "see the run record's tests and workers")
	}
	index, err := strconv.Atoi(worker[min(2, len(worker)):])
	if err != nil || worker[:min(2, len(worker))] != "gw" {
		return usageError("cannot replay worker "+worker, "workers are named gw0, gw1, …")
	}
	f.workers = strconv.Itoa(max(index+1, len(rec.Workers)))
	p, done, err := prepareRuns(ctx, f.runFlags, 0, stderr)
	if err != nil {
		return err
	}
	defer done()
	r := &replaying{rec: rec, worker: index,
		vr: &verifyRunner{repeated: p.repeated(pytest, f.noFork)}}
	if f.test == "" {
		return r.sequence(ctx, before, stdout)
	}
	return r.bisect(ctx, before, f.test, outcome, stdout)
}

// batch runs tests, in order, on the worker's name; the workers before it
// get nothing.
func (r *replaying) batch(tests []string) verify.Batch {
	r.vr.names = tests
	lists := make([][]int, r.worker+1)
	for i := range tests {
		lists[r.worker] = append(lists[r.worker], i)
	}
	return verify.Batch{Lists: lists}
}

// sequence runs a worker's tests with shoal run's terminal output.
func (r *replaying) sequence(ctx context.Context, tests []string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "shoal replay: %d tests of %s, in the order it ran them\n", len(tests), workerName(r.worker))
	b := r.batch(tests)
	opts, err := r.vr.options(r.vr.dir("replay"))
	if err != nil {
		return err
	}
	opts.Workers = len(b.Lists)
	opts.Plan = listPlanner(b, r.vr.names, r.vr.suite.cfg.Locks)
	width, color := terminalShape(stdout)
	term := terminal.New(stdout, width, color, workerInfo)
	run, err := runner.Run(ctx, opts, term)
	if err != nil {
		return &exitError{code: result.ExitInternalError, msg: "cannot replay: " + err.Error()}
	}
	if run.ExitCode != result.ExitOK {
		return &exitError{code: run.ExitCode}
	}
	return nil
}

func workerName(i int) string { return "gw" + strconv.Itoa(i) }
