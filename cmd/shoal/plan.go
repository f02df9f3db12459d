package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"shoal/plan"
	"shoal/result"
	"shoal/runner"
)

type planFlags struct {
	runFlags
	json bool
}

func newPlanCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan [shoal flags] [--] [pytest args]",
		Short: "Show how a run would go, without running a test",
		Long: `Collect the suite and show the plan "shoal run" with the same arguments
would follow: how many tests run alone, hold locks or take several slots, the
predicted wall time, the lower bound no schedule can beat, and what limits
the run. Predictions use the durations measured by earlier runs.`,
		Example: `  shoal plan -n 8
  shoal plan -n 8 --json tests/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, helped, err := parseArgs(ctx, cmd, args, &f.python)
			if err != nil || helped {
				return err
			}
			return planSuite(ctx, f, args, stdout, stderr)
		},
	}
	cmd.Flags().BoolVar(&f.json, "json", false, "write the plan as JSON (predicted_makespan and lower_bound in seconds, and more)")
	addSuiteFlags(cmd, &f.runFlags)
	return cmd
}

func planSuite(ctx context.Context, f planFlags, args []string, stdout, stderr io.Writer) error {
	s, err := prepare(f.runFlags, stderr)
	if err != nil {
		return err
	}
	defer s.history.close()
	opts := s.options(args, os.Environ())
	opts.CollectOnly = true
	run, err := runner.Run(ctx, opts, quiet{})
	var pass *runner.Passthrough
	if errors.As(err, &pass) {
		return passthrough(ctx, s.choice, pass, stdout, stderr)
	}
	if err != nil {
		return &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if err := collectionFailed(run, stderr); err != nil {
		return err
	}
	if n := run.CollectionErrors(); n > 0 {
		return usageError("the suite does not collect: "+run.CollectErrors[0].NodeID, "run `shoal run` or pytest to see the collection errors")
	}
	tests, cfg, keep, err := opts.Plan(run, nil)
	if err != nil {
		return &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if keep != nil {
		var kept = tests[:0]
		for i, t := range tests {
			if keep[i] {
				kept = append(kept, t)
			}
		}
		tests = kept
	}
	cfg.Workers = s.workers
	startup, finish := 0.0, 0.0
	if st := s.history.open(run.Rootdir); st != nil {
		startup, _ = st.Startup()
		finish, _ = st.Finish()
	}
	p, err := plan.Predict(tests, cfg, startup, finish)
	if err != nil {
		return &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	if f.json {
		return p.JSON(stdout)
	}
	if line := shardInfo(s.set, s.shardFrom); line != "" {
		io.WriteString(stdout, line+"\n")
	}
	p.Explain(stdout)
	return nil
}

// quiet observes a run and says nothing.
type quiet struct{}

func (quiet) Event(result.Event) {}
