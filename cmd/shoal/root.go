package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
)

func newRootCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "shoal",
		Short: "Run a pytest suite on parallel workers, with pytest's arguments and results",
		Long: `shoal runs a pytest suite on parallel workers and reports exactly what
pytest reports. It takes pytest's arguments, collects the suite once, starts
its workers from that collection and hands them tests as they free up.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newRunCommand(ctx, stdout, stderr), newPlanCommand(ctx, stdout, stderr), newAuditCommand(ctx, stdout, stderr), newVerifyCommand(ctx, stdout, stderr), newVersionCommand(stdout))
	root.AddCommand(newHistoryCommand(stdout, stderr), newReportCommand(stdout), newReplayCommand(ctx, stdout, stderr))
	return root
}
