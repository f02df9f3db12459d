package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"shoal/plugin"
	"shoal/protocol"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print shoal's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := version
			if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			fmt.Fprintf(stdout, "shoal %s (protocol %d, plugin %s)\n", v, protocol.Version, plugin.Digest())
			return nil
		},
	}
}
