package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"shoal/replay"
	"shoal/result"
)

// bisect runs test after the tests before it, and, when it does again what
// it did in the record, cuts those down to the fewest it needs to.
func (r *replaying) bisect(ctx context.Context, before []string, test, outcome string, stdout io.Writer) error {
	failed := replay.Failed(outcome)
	runs := 0
	// fails runs part, then the test, and tells whether the test failed.
	fails := func(ctx context.Context, part []string) (bool, error) {
		runs++
		tests := append(slices.Clone(part), test)
		got, err := r.vr.Run(ctx, r.batch(tests))
		if err != nil {
			return false, err
		}
		last := got[len(tests)-1]
		if !last.Ran {
			return false, &exitError{code: result.ExitInternalError, msg: "the replay did not run " + test}
		}
		fmt.Fprintf(stdout, "shoal replay: run %d: after %d test%s, %s %s\n", runs, len(part), plural(len(part)), test, word(last.Failed))
		return last.Failed, nil
	}
	same := func(ctx context.Context, part []string) (bool, error) {
		f, err := fails(ctx, part)
		return f == failed, err
	}
	fmt.Fprintf(stdout, "shoal replay: %s %s on %s after %d test%s\n", test, outcome, workerName(r.worker), len(before), plural(len(before)))
	again, err := same(ctx, before)
	if err != nil {
		return err
	}
	if !again {
		fmt.Fprintf(stdout, "shoal replay: did not reproduce: after the same %d tests, %s %s\n", len(before), test, word(!failed))
		return nil
	}
	alone, err := same(ctx, nil)
	if err != nil {
		return err
	}
	if alone {
		fmt.Fprintf(stdout, "shoal replay: %s %s alone as well: it needs none of the tests before it\n", test, word(failed))
		return exitFor(failed)
	}
	need, _, err := replay.Minimize(ctx, before, same)
	if err != nil {
		return err
	}
	role := "needs (it fails without them)"
	if failed {
		role = "fails after (its polluters)"
	}
	fmt.Fprintf(stdout, "\n%s %s, found in %d runs:\n", test, role, runs)
	for _, n := range need {
		fmt.Fprintf(stdout, "  %s\n", n)
	}
	fmt.Fprintf(stdout, "reproduce: %s -m pytest -p no:randomly %s\n", r.vr.suite.choice.Path, shellWords(append(slices.Clone(need), test)))
	return exitFor(failed)
}

func word(failed bool) string {
	if failed {
		return "failed"
	}
	return "passed"
}

// exitFor is 1 when the failure reproduced.
func exitFor(failed bool) error {
	if failed {
		return &exitError{code: result.ExitTestsFailed}
	}
	return nil
}
