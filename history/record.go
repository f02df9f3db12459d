package history

import (
	"context"
	"math"
	"time"
)

// TestRun is one test's result in one run.
type TestRun struct {
	NodeID                string
	Setup, Call, Teardown float64 // seconds
	CPU                   float64 // seconds of process CPU time the test used; 0: unknown
	Outcome               string  // passed, failed, skipped, error, xfailed, xpassed
	Worker                string  // "gw0"...
	Cold                  bool    // first test of its file on its worker: its setup paid the module's fixtures
}

// Run is one finished run of the suite.
type Run struct {
	Start   time.Time
	Wall    float64 // seconds of the whole run
	Workers int
	Startup float64 // seconds from shoal's start to the first test starting; 0: unknown
	// Overhead is what a test typically cost its worker besides its own
	// setup, call and teardown (hooks, reports, the protocol); 0: unknown.
	Overhead float64
	// Finish is how long the run went on after its last test ended
	// (workers and pytest ending, reports); 0: unknown.
	Finish float64
	Tests  []TestRun
}

// Record adds a run in one transaction and forgets each of its tests'
// results beyond the KeepRuns most recent. A zero Start means now. Negative
// or non-finite seconds are stored as 0 (unknown).
func (s *Store) Record(r Run) error {
	if r.Start.IsZero() {
		r.Start = time.Now()
	}
	err := s.write(func(ctx context.Context, b *batch) error {
		run, err := b.addRun(ctx, r)
		if err != nil {
			return err
		}
		for _, t := range r.Tests {
			if err := b.addResult(t.NodeID, newResult(run, r.Start, t)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return &Error{Op: "cannot record the run in the history store", Path: s.path, Err: err,
			Hint: "hint: the run itself is unaffected; move the file aside if this keeps happening"}
	}
	return nil
}

func newResult(run int64, start time.Time, t TestRun) result {
	return result{run: run, start: start.UnixNano(),
		setup: seconds(t.Setup), call: seconds(t.Call), teardown: seconds(t.Teardown), cpu: seconds(t.CPU),
		outcome: t.Outcome, worker: t.Worker, cold: t.Cold}
}

// write runs f on a batch in one immediate transaction, then finishes the
// batch: another shoal writing at the same time waits for it (busy_timeout)
// instead of interleaving.
func (s *Store) write(f func(context.Context, *batch) error) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	b, err := newBatch(ctx, tx)
	if err == nil {
		err = f(ctx, b)
		if err == nil {
			err = b.finish(ctx)
		}
		b.close()
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// seconds stores a measurement, with 0 for one that makes no sense.
func seconds(v float64) float64 {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
