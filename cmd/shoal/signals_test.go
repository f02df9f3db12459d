package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestStopSignals(t *testing.T) {
	type testCase struct {
		name    string
		signals []os.Signal
		reason  string // the cause the run's context is cancelled with
		aborted bool
		exited  bool
		says    string
	}
	run := func(t *testing.T, tc testCase) {
		ctx, cancel := context.WithCancelCause(context.Background())
		var stderr bytes.Buffer
		exited := false
		s := signalState{stderr: &stderr, cancel: cancel, abort: make(chan struct{}), exit: func(int) { exited = true }}
		for _, sig := range tc.signals {
			s.got(sig)
		}
		if got := context.Cause(ctx); got == nil || got.Error() != tc.reason {
			t.Errorf("cause %v, want %q", got, tc.reason)
		}
		aborted := false
		select {
		case <-s.abort:
			aborted = true
		default:
		}
		if aborted != tc.aborted || exited != tc.exited {
			t.Errorf("aborted %v, exited %v; want %v, %v", aborted, exited, tc.aborted, tc.exited)
		}
		if !strings.Contains(stderr.String(), tc.says) {
			t.Errorf("stderr %q does not say %q", stderr.String(), tc.says)
		}
	}
	testCases := []testCase{
		{name: "Ctrl-C", signals: []os.Signal{os.Interrupt}, reason: "KeyboardInterrupt",
			says: "shoal: interrupted (SIGINT): stopping"},
		{name: "SIGTERM", signals: []os.Signal{syscall.SIGTERM}, reason: "Interrupted: terminated by SIGTERM",
			says: "terminated (SIGTERM)"},
		{name: "the terminal closes", signals: []os.Signal{syscall.SIGHUP}, reason: "Interrupted: hangup (SIGHUP)",
			says: "shoal: hangup (SIGHUP): stopping"},
		{name: "the reader of the output goes away", signals: []os.Signal{syscall.SIGPIPE}, reason: "Interrupted: broken pipe (SIGPIPE)",
			says: "broken pipe (SIGPIPE)"},
		{name: "every write to a closed pipe raises SIGPIPE: one counts",
			signals: []os.Signal{syscall.SIGPIPE, syscall.SIGPIPE, syscall.SIGPIPE, syscall.SIGPIPE},
			reason:  "Interrupted: broken pipe (SIGPIPE)"},
		{name: "a second signal ends the tests at once", signals: []os.Signal{syscall.SIGHUP, syscall.SIGTERM},
			reason: "Interrupted: hangup (SIGHUP)", aborted: true, says: "terminated (SIGTERM) again"},
		{name: "a broken pipe, then Ctrl-C twice", signals: []os.Signal{syscall.SIGPIPE, syscall.SIGPIPE, os.Interrupt, syscall.SIGPIPE, os.Interrupt},
			reason: "Interrupted: broken pipe (SIGPIPE)", aborted: true, exited: true, says: "a third time: exiting"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

// TestOutputLost: a pipe whose reader closed is lost output; one still
// read, and a file, are not (a SIGPIPE then came from a worker's
// connection, which must not stop the run).
func TestOutputLost(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if outputLost(int(w.Fd()), int(f.Fd())) {
		t.Errorf("a pipe still read and a file count as lost")
	}
	r.Close()
	if !outputLost(int(f.Fd()), int(w.Fd())) {
		t.Errorf("a pipe whose reader closed does not count as lost")
	}
}
