package main

import (
	"fmt"
	"io"
	"strings"

	"shoal/result"
)

// collectionFailed says why a run that only collects (shoal plan, shoal
// verify's first step) has no suite to show: pytest stopped with an
// internal error (a conftest's pytest_configure that raised), a usage
// error (a path that does not exist), or the session ended first. The
// internal error's whole text goes to stderr, as pytest prints it.
func collectionFailed(run *result.Run, stderr io.Writer) error {
	hint := "run `pytest --collect-only` with the same arguments to see it whole"
	switch {
	case len(run.InternalErrors) > 0:
		text := run.InternalErrors[0]
		for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			fmt.Fprintln(stderr, "INTERNALERROR> "+line)
		}
		return &exitError{code: result.ExitInternalError, msg: "pytest stopped before it collected the suite: " + lastLine(text), hint: hint}
	case run.UsageError != "":
		return usageError(lastLine(run.UsageError), "check the paths and options given to pytest")
	case run.Stopped != "" && len(run.Tests) == 0 && run.CollectionErrors() == 0:
		return &exitError{code: result.ExitInternalError, msg: "the suite was not collected: " + run.Stopped, hint: hint}
	}
	return nil
}

// lastLine is the last line of text that is not blank: a traceback's
// exception.
func lastLine(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
