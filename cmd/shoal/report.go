package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"shoal/audit"
	"shoal/metrics"
	"shoal/report/html"
	"shoal/report/record"
	"shoal/report/trace"
	"shoal/result"
)

type reportFlags struct {
	json  bool
	audit string
	trace string
	html  string
}

func newReportCommand(stdout io.Writer) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report RUN.json",
		Short: "Tell where a run's time went, from its run record (--report-json)",
		Long: `Read a run record (shoal run --report-json) and tell where its time went:
wall time, the serial estimate and speedup, each worker's busy and idle time
and utilisation, the idle tail, the critical path, and the bottlenecks ranked
by the seconds they cost, each with advice.`,
		Example: `  shoal run -n 4 --report-json run.json && shoal report run.json
  shoal report run.json --json
  shoal report run.json --audit audit.json   # with shoal audit --json's verdicts`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("shoal report takes one run record", "shoal run --report-json run.json writes one; then: shoal report run.json")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return reportRun(args[0], f, stdout)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "write the figures as JSON (wall, serial_estimate, speedup, workers, idle_tail, bottlenecks, …)")
	fl.StringVar(&f.html, "html", "", "write the run as one self-contained HTML page (where the time went, and a timeline) to this file")
	fl.StringVar(&f.trace, "trace", "", "write the run as a Chrome trace (JSON, for Perfetto and chrome://tracing) to this file")
	fl.StringVar(&f.audit, "audit", "", "shoal audit --json's file: count the isolation markers it judged unneeded")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(err.Error(), "see 'shoal report --help'")
	})
	return cmd
}

func reportRun(path string, f reportFlags, stdout io.Writer) error {
	rec, err := record.ReadFile(path)
	if err != nil {
		return usageError(err.Error(), "give the file shoal run --report-json wrote")
	}
	var opt metrics.Options
	if f.audit != "" {
		if opt.Verdicts, err = auditVerdicts(f.audit); err != nil {
			return usageError(err.Error(), "give the file shoal audit --json wrote")
		}
	}
	if f.trace != "" {
		if err := trace.WriteFile(f.trace, rec); err != nil {
			return &exitError{code: result.ExitInternalError, msg: err.Error()}
		}
	}
	s := metrics.Compute(rec, opt)
	if f.html != "" {
		if err := html.WriteFile(f.html, rec, s); err != nil {
			return &exitError{code: result.ExitInternalError, msg: err.Error()}
		}
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	metrics.WriteText(stdout, s)
	return nil
}

// auditVerdicts reads shoal audit's verdicts by node id.
func auditVerdicts(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the audit: %w", err)
	}
	var rep audit.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s is not shoal audit's JSON: %w", path, err)
	}
	out := map[string]string{}
	for _, v := range rep.Tests {
		out[v.NodeID] = string(v.Verdict)
	}
	return out, nil
}
