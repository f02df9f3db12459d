package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"shoal/history"
	"shoal/result"
)

func newHistoryCommand(stdout, stderr io.Writer) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Export or import the measured test durations",
		Long: `shoal keeps each test's recent durations in .shoal/history.db under the
project's rootdir (found as pytest finds it) and runs the longest tests first.
Export and import carry them through a CI cache or to another machine; import
merges, keeping each test's newest results.`,
		Example: `  shoal history export -o history.json
  shoal history import history.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(fmt.Sprintf("unknown command %q for 'shoal history'", args[0]),
					"use 'shoal history export' or 'shoal history import'")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&path, "history", "", "the history file (default: .shoal/history.db under the pytest rootdir)")
	cmd.AddCommand(newHistoryExportCommand(&path, stdout, stderr), newHistoryImportCommand(&path, stderr))
	for _, c := range append(cmd.Commands(), cmd) {
		c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
			return usageError(err.Error(), "see 'shoal history --help'")
		})
	}
	return cmd
}

func newHistoryExportCommand(path *string, stdout, stderr io.Writer) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [--history PATH] [-o FILE]",
		Short: "Write the history as JSON",
		Args:  historyArgs(0, "shoal history export [--history PATH] [-o FILE]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openHistory(*path, stderr)
			if err != nil {
				return err
			}
			defer s.Close()
			if output == "" {
				return exportError(s.Export(stdout))
			}
			return exportFile(s, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func newHistoryImportCommand(path *string, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "import [--history PATH] FILE",
		Short: "Merge an export into the history",
		Args:  historyArgs(1, "shoal history import [--history PATH] FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			f, err := os.Open(file)
			if err != nil {
				return usageError("cannot read "+file+": "+pathCause(err), "give the file 'shoal history export' wrote")
			}
			defer f.Close()
			s, err := openHistory(*path, stderr)
			if err != nil {
				return err
			}
			defer s.Close()
			return importError(file, s.Import(f))
		},
	}
}

// historyArgs accepts exactly n arguments, and says how to call the
// command otherwise.
func historyArgs(n int, usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return usageError(fmt.Sprintf("'%s' takes %d argument(s), got %d", cmd.CommandPath(), n, len(args)),
			"usage: "+usage)
	}
}

// openHistory opens the history file, by default the one of the project
// around the working directory, and passes on a warning about it.
func openHistory(path string, stderr io.Writer) (*history.Store, error) {
	if path == "" {
		dir, err := os.Getwd()
		if err != nil {
			return nil, &exitError{code: result.ExitInternalError, msg: "cannot read the working directory: " + err.Error()}
		}
		path = history.DefaultPath(history.FindRootdir(dir))
	}
	s, warning, err := history.Open(path)
	if err != nil {
		return nil, storeError(err)
	}
	if warning != "" {
		fmt.Fprintf(stderr, "shoal: warning: %s\n", warning)
	}
	return s, nil
}

// exportFile writes the export next to file and renames it into place, so
// that a CI cache never picks up half an export.
func exportFile(s *history.Store, file string) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return usageError("cannot write "+file+": "+pathCause(err), "choose a file in a writable directory with -o")
	}
	defer os.Remove(tmp.Name())
	// A temporary file is private; an export is an ordinary file.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return usageError("cannot write "+file+": "+pathCause(err), "choose another file with -o")
	}
	if err := s.Export(tmp); err != nil {
		tmp.Close()
		return exportError(err)
	}
	if err := tmp.Close(); err != nil {
		return usageError("cannot write "+file+": "+err.Error(), "check free disk space")
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return usageError("cannot write "+file+": "+pathCause(err), "choose another file with -o")
	}
	return nil
}

func exportError(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: result.ExitInternalError, msg: err.Error(), hint: hintOf(err)}
}

func importError(file string, err error) error {
	var invalid *history.InvalidExportError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &invalid):
		return usageError(file+": "+err.Error(), "give a file written by 'shoal history export'")
	}
	return &exitError{code: result.ExitInternalError, msg: err.Error(), hint: hintOf(err)}
}

// storeError is a history file shoal cannot open: the user can fix it.
func storeError(err error) error {
	return usageError(err.Error(), hintOf(err))
}

func hintOf(err error) string {
	var he *history.Error
	if errors.As(err, &he) {
		return strings.TrimPrefix(he.Hint, "hint: ")
	}
	return ""
}

// pathCause is an *fs.PathError's cause alone: the message names the file
// already.
func pathCause(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
