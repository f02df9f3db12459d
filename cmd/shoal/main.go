// Command shoal runs a pytest suite on parallel workers and reports exactly
// what pytest would. main only parses, runs and maps errors to exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"shoal/result"
	"shoal/worker"
)

// memoryLimit is where the garbage collector starts working harder, unless
// GOMEMLIMIT says otherwise: below it, collections are as rare as Go's
// default makes them (cheap CPU on small suites); near it, they keep a
// 100,000-test run's peak in bounds.
const memoryLimit = 96 << 20

// watchdog is the program that runs as a run's watchdog: this binary, when
// it runs as shoal (tests that call run directly start none).
var watchdog string

func main() {
	if len(os.Args) == 2 && os.Args[1] == worker.WatchdogArg {
		worker.RunWatchdog()
		return
	}
	watchdog, _ = os.Executable()
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// One event loop does shoal's work; a second processor would only
		// spin looking for work each time a worker's results wake shoal,
		// on the cores the tests need (a quarter of shoal's CPU on a
		// suite of tiny tests).
		runtime.GOMAXPROCS(1)
	}
	ctx, stop := handleSignals(context.Background(), os.Stderr)
	endProfile := startCPUProfile()
	stdout := &outputFile{f: os.Stdout}
	code := stdout.exitCode(run(ctx, os.Args[1:], stdout, os.Stderr), os.Stderr)
	stop()
	endProfile()
	writeSelfStats()
	os.Exit(code)
}

// exitError carries an exit code and, for the user, one line and a hint.
type exitError struct {
	code int
	msg  string
	hint string
}

func (e *exitError) Error() string { return e.msg }

func usageError(msg, hint string) error {
	return &exitError{code: result.ExitUsageError, msg: msg, hint: hint}
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(ctx, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return result.ExitOK
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.msg != "" {
			fmt.Fprintf(stderr, "shoal: error: %s\n", exit.msg)
		}
		if exit.hint != "" {
			fmt.Fprintf(stderr, "hint: %s\n", exit.hint)
		}
		return exit.code
	}
	// Anything else comes from parsing the command line.
	fmt.Fprintf(stderr, "shoal: error: %s\n", err)
	fmt.Fprintln(stderr, "hint: see 'shoal --help' and 'shoal run --help'")
	return result.ExitUsageError
}
