package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"shoal/cmdline"
	"shoal/interp"
	"shoal/plugin"
)

// parseArgs takes shoal's own flags out of args into cmd's flags and
// returns pytest's arguments; helped says that --help was shown instead.
// Which arguments are values of pytest's options comes from the option
// table of the interpreter's pytest (python is the --python flag, once
// parsed), asked only where a pytest option comes before "--".
func parseArgs(ctx context.Context, cmd *cobra.Command, args []string, python *string) (pytest []string, helped bool, err error) {
	fl := cmd.Flags()
	own, pytest, open := cmdline.Split(args, fl, nil)
	if err := fl.Parse(own); err != nil {
		return nil, false, flagError(cmd, err)
	}
	if h := fl.Lookup("help"); h != nil && h.Changed {
		return nil, true, cmd.Help()
	}
	if !open {
		return pytest, false, nil
	}
	if table := optionTable(ctx, *python); table != nil {
		own, pytest, _ = cmdline.Split(args, fl, table)
		if err := fl.Parse(own); err != nil {
			return nil, false, flagError(cmd, err)
		}
	}
	return pytest, false, nil
}

func flagError(cmd *cobra.Command, err error) error {
	return usageError(err.Error(), fmt.Sprintf("see 'shoal %s --help'", cmd.Name()))
}

// optionTable is pytest's option table for the interpreter the run will
// use; nil where it cannot be had, and then pytest itself judges the
// arguments as they come.
func optionTable(ctx context.Context, python string) cmdline.Table {
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	cfg, err := loadConfig(dir)
	if err != nil {
		return nil
	}
	choice, err := interp.Choose(python, os.Getenv, cfg.Python, cfg.File, dir)
	if err != nil {
		return nil
	}
	table, err := cmdline.Load(ctx, choice.Path, plugin.DefaultCacheDir())
	if err != nil {
		return nil
	}
	return table
}
