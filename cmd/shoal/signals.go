package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

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

// handleSignals turns SIGINT and SIGTERM into a graceful stop: the first
// cancels the returned context, with the reason the summary shows; the
// second closes the abort channel in the context. stop undoes it.
func handleSignals(ctx context.Context, stderr io.Writer) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	abort := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		count := 0
		for {
			select {
			case sig := <-sigs:
				count++
				switch count {
				case 1:
					fmt.Fprintf(stderr, "\nshoal: %s: stopping; running tests may finish (send it again to end them now)\n", signalName(sig))
					cancel(interruptCause(sig))
				case 2:
					fmt.Fprintf(stderr, "\nshoal: %s again: ending every test process now\n", signalName(sig))
					close(abort)
				default:
					// Ending the processes did not end shoal: leave now.
					fmt.Fprintf(stderr, "\nshoal: %s a third time: exiting\n", signalName(sig))
					os.Exit(result.ExitInterrupted)
				}
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

func signalName(sig os.Signal) string {
	if sig == os.Interrupt {
		return "interrupted (SIGINT)"
	}
	return "terminated (SIGTERM)"
}

// interruptCause is why the run stopped, as its summary says: pytest's word
// for Ctrl-C, or the signal.
func interruptCause(sig os.Signal) error {
	if sig == os.Interrupt {
		return errors.New("KeyboardInterrupt")
	}
	return errors.New("Interrupted: terminated by SIGTERM")
}
