package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sort"
	"syscall"

	"shoal/result"
	"shoal/worker"
)

// debugFlags are pytest's options that need the terminal: a debugger that
// reads stdin, as pytest-xdist refuses them with workers.
var debugFlags = []string{"--pdb", "--trace"}

// inlineWhy says why a run goes in one process in the foreground: -n 0,
// or a debugger's flag with workers; "" for a parallel run.
func inlineWhy(workers string, args []string) string {
	if workers == "0" {
		return "-n 0"
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if slices.Contains(debugFlags, a) {
			return a
		}
	}
	return ""
}

// runInline runs the suite as `pytest -n 0` does: one pytest process, in
// the foreground, with the terminal's stdin, stdout and stderr, in pytest's
// own order, with the resources of one worker. shoal only waits: Ctrl-C
// reaches pytest alone (a debugger's prompt takes it), SIGTERM and SIGHUP
// are handed on.
func runInline(ctx context.Context, f runFlags, why string, args []string, stdout, stderr io.Writer) error {
	if why != "-n 0" {
		fmt.Fprintf(stderr, "shoal: %s needs the terminal: running the suite in one process in the foreground, as -n 0 does\n", why)
	}
	if f.retries != "" && f.retries != "0" {
		fmt.Fprintln(stderr, "shoal: in one process pytest runs the tests itself: --retries does not apply (pytest-rerunfailures' --reruns does)")
	}
	if f.reportJSON != "" || f.html != "" || f.trace != "" {
		fmt.Fprintln(stderr, "shoal: in one process pytest runs the tests itself: no run record, HTML page or trace is written")
	}
	f.workers = "1"
	s, err := prepare(f, stderr)
	if err != nil {
		return err
	}
	defer s.history.close()
	env := append(os.Environ(), markersEnv(s.cfg)...)
	var extra []string
	if !infoOnly(args) {
		res, err := startProvision(ctx, s.cfg, 1, s.dir, env, stderr)
		if err != nil {
			return err
		}
		defer closeProvision(res, false, stderr)
		for k, v := range res.Env(0) {
			extra = append(extra, k+"="+v)
		}
		sort.Strings(extra)
	}
	cfg := worker.Config{Python: s.choice.Path, PluginDir: s.pluginDir, Args: args, Dir: s.dir, Env: env}
	cmd := cfg.Foreground(os.Stdin, stdout, stderr, extra...)
	if err := cmd.Start(); err != nil {
		return &exitError{code: result.ExitInternalError, msg: fmt.Sprintf("cannot start %s: %v", s.choice.Path, err)}
	}
	// Started first: an ignored signal stays ignored across exec.
	signal.Ignore(os.Interrupt, syscall.SIGQUIT)
	defer signal.Reset(os.Interrupt, syscall.SIGQUIT)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
		case <-done:
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return &exitError{code: exit.ExitCode()}
	case errors.As(err, &exit):
		return &exitError{code: result.ExitInterrupted, msg: "pytest ended by " + exit.String()}
	}
	return &exitError{code: result.ExitInternalError, msg: err.Error()}
}
