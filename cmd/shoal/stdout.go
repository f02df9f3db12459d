package main

import (
	"fmt"
	"io"
	"os"

	"shoal/result"
)

// outputFile is shoal's standard output, remembering the first write that
// failed. A run whose tests all passed but whose report nobody could read
// (a full disk, /dev/full) is no pass; after a failure it stops writing,
// so that one full disk costs one failed write, not one per test.
type outputFile struct {
	f   *os.File
	err error
}

func (o *outputFile) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.f.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// Fd lets the terminal's width and colour be read from the file.
func (o *outputFile) Fd() uintptr { return o.f.Fd() }

// exitCode is code, unless a write failed where the run would otherwise
// exit 0: then it says so on stderr and is an internal error. Any other
// code already says the run did not pass.
func (o *outputFile) exitCode(code int, stderr io.Writer) int {
	if o.err == nil || code != result.ExitOK {
		return code
	}
	fmt.Fprintf(stderr, "shoal: error: cannot write to standard output: %v\n", o.err)
	fmt.Fprintln(stderr, "hint: the results are in the JUnit file and run record where they were asked for; free some space or send the output elsewhere")
	return result.ExitInternalError
}
