package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"shoal/result"
)

// abortKey holds, in the context given to run, the channel that closes on a
// second interrupt: end every process at once.
type abortKey struct{}

func withAbort(ctx context.Context, abort <-chan struct{}) context.Context {
	return context.WithValue(ctx, abortKey{}, abort)
}

// abortOf is the channel withAbort stored; nil (never closes) without one.
func abortOf(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(abortKey{}).(<-chan struct{})
	return ch
}

// stopSignal is how shoal names a signal that stops a run: in the line it
// prints when the signal comes, and as the reason the summary gives.
type stopSignal struct {
	name, reason string
}

// stopSignals end a run as Ctrl-C does. A closed terminal or SSH session
// sends SIGHUP; a reader that went away (shoal run | head) makes the next
// write to the pipe raise SIGPIPE. Either way the run still writes its
// JUnit file and run record and ends every process it started.
var stopSignals = map[os.Signal]stopSignal{
	os.Interrupt:    {"interrupted (SIGINT)", "KeyboardInterrupt"},
	syscall.SIGTERM: {"terminated (SIGTERM)", "Interrupted: terminated by SIGTERM"},
	syscall.SIGHUP:  {"hangup (SIGHUP)", "Interrupted: hangup (SIGHUP)"},
	syscall.SIGPIPE: {"broken pipe (SIGPIPE)", "Interrupted: broken pipe (SIGPIPE)"},
}

// handleSignals turns the stop signals into a graceful stop: the first
// cancels the returned context, with the reason the summary shows; the
// second closes the abort channel in the context; a third exits at once.
// stop undoes it.
func handleSignals(ctx context.Context, stderr io.Writer) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	abort := make(chan struct{})
	sigs := make(chan os.Signal, 4)
	for sig := range stopSignals {
		signal.Notify(sigs, sig)
	}
	done := make(chan struct{})
	go func() {
		s := signalState{stderr: stderr, cancel: cancel, abort: abort, exit: os.Exit}
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGPIPE && !outputLost(1, 2) {
					// A write to a worker's connection after the worker
					// died, or to a service's pipe: that write fails with
					// EPIPE, and the run handles it where it wrote.
					continue
				}
				s.got(sig)
			case <-done:
				return
			}
		}
	}()
	return withAbort(ctx, abort), func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// signalState counts the stop signals that came.
type signalState struct {
	stderr io.Writer
	cancel context.CancelCauseFunc
	abort  chan struct{}
	exit   func(code int)
	count  int
	piped  bool
}

func (s *signalState) got(sig os.Signal) {
	if sig == syscall.SIGPIPE {
		// Every later write to the closed pipe raises it again: only the
		// first one counts.
		if s.piped {
			return
		}
		s.piped = true
	}
	name := stopSignals[sig].name
	s.count++
	switch s.count {
	case 1:
		fmt.Fprintf(s.stderr, "\nshoal: %s: stopping; running tests get KeyboardInterrupt (send it again to end them now)\n", name)
		s.cancel(errors.New(stopSignals[sig].reason))
	case 2:
		fmt.Fprintf(s.stderr, "\nshoal: %s again: ending every test process now\n", name)
		close(s.abort)
	default:
		// Ending the processes did not end shoal: leave now.
		fmt.Fprintf(s.stderr, "\nshoal: %s a third time: exiting\n", name)
		s.exit(result.ExitInterrupted)
	}
}

// outputLost tells whether any of the descriptors fds, shoal's standard
// output and error, lost its reader: the only SIGPIPE that stops a run.
// Where it cannot tell, it says so, and the run stops as before.
func outputLost(fds ...int) bool {
	polls := make([]unix.PollFd, len(fds))
	for i, fd := range fds {
		polls[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLOUT}
	}
	if _, err := unix.Poll(polls, 0); err != nil {
		return true
	}
	for _, p := range polls {
		if p.Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
			return true
		}
	}
	return false
}
