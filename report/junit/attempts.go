package junit

import (
	"regexp"

	"shoal/result"
)

// A test that ran again (shoal run --retries) is one <testcase>, that of
// its last attempt, holding an element per failed earlier attempt, as
// Maven Surefire and cargo-nextest write them: <flakyFailure> (a failed
// call) or <flakyError> (a failed setup) where the test passed in the end,
// <rerunFailure> or <rerunError> where it failed every attempt. Each has
// the failure's message, its exception's type and pytest's report as text.

// addAttempts adds the failed attempts' elements; flaky: the test passed
// in the end.
func (c *testcase) addAttempts(attempts [][]result.Report, flaky bool) {
	if c == nil {
		return
	}
	prefix := "rerun"
	if flaky {
		prefix = "flaky"
	}
	for _, reports := range attempts {
		for i := range reports {
			r := &reports[i]
			if r.Outcome != "rerun" {
				continue
			}
			tag := prefix + "Failure"
			if r.When != "call" {
				tag = prefix + "Error"
			}
			msg := crashMessage(r)
			c.nodes = append(c.nodes, &element{tag: tag, attrs: []attr{
				{"message", binXMLEscape(msg)}, {"type", exceptionType(msg)},
			}, text: binXMLEscape(r.LongRepr)})
		}
	}
}

var exceptionName = regexp.MustCompile(`^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failed|Warning))\b`)

// exceptionType is the exception's name at the head of a crash message
// ("ValueError: bad" → "ValueError"); a plain assert's message names no
// exception, and pytest raised an AssertionError.
func exceptionType(msg string) string {
	if m := exceptionName.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return "AssertionError"
}
