// Package history stores how long each test took in recent runs, so that
// shoal can schedule the longest tests first. It is one SQLite file per
// project (DefaultPath), written once per run in a single transaction and
// safe to share between shoal runs that overlap.
//
// # What is kept
//
// For every test, its last KeepRuns results: setup, call and teardown
// seconds, CPU seconds, outcome, worker and whether it was the first test of
// its file on that worker ("cold": its setup paid for the module's
// fixtures). Durations are kept to the microsecond. For every run, its
// start, wall time, worker count, start-up time, per-test overhead and
// the time it went on after its last test ended; runs stay while a kept
// result belongs to them, and the last KeepStartups stay for Startup,
// Overhead and Finish.
//
// # Export format
//
// Export writes, and Import reads, one JSON object with one run or test a
// line:
//
//	{
//	  "format": "shoal-history",
//	  "version": 1,
//	  "runs": [
//	    {"start":"2025-01-02T03:04:05.123456789Z","wall":12.5,"workers":8,"startup":0.4,"overhead":0.0002,"finish":0.3}
//	  ],
//	  "tests": [
//	    {"nodeid":"tests/test_a.py::test_x","results":[{"run":0,"setup":0.01,"call":1.2,
//	      "teardown":0,"cpu":1.1,"outcome":"passed","worker":"gw3","cold":true}]}
//	  ]
//	}
//
// Runs are sorted by start (RFC 3339, UTC, to the nanosecond), then wall
// and workers; a result's "run" is its run's index in "runs". Tests are
// sorted by node ID, their results newest first. Durations are seconds; cpu
// 0 means unknown, and a run's "overhead" (what a test typically cost its
// worker besides its setup, call and teardown) and "finish" (how long the
// run went on after its last test ended) are left out where unknown.
// The same store always exports the same bytes.
//
// "format" and "version" are required; Import refuses a version newer than
// FormatVersion and ignores fields it does not know. Import merges: a run
// with the start, wall and workers of a stored run is that run and is
// skipped with its results, so importing a file twice changes nothing; each
// test then keeps its KeepRuns newest results.
package history

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
)

const (
	// KeepRuns is how many recent results are kept per test.
	KeepRuns = 10
	// KeepStartups is how many recent runs are kept for Startup.
	KeepStartups = 20
	// DefaultSeconds is the estimate for a test when nothing at all has
	// been measured.
	DefaultSeconds = 0.01
)

// Store is an open history file. Its methods may be called from one
// goroutine at a time.
type Store struct {
	db   *sql.DB
	path string
}

// DefaultPath is where a project's history lives: .shoal/history.db under
// its rootdir.
func DefaultPath(rootdir string) string {
	return filepath.Join(rootdir, ".shoal", "history.db")
}

// Path is the file the store was opened at.
func (s *Store) Path() string { return s.path }

// Close closes the file. In WAL mode the last connection to close folds the
// write-ahead log back into the main file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return &Error{Op: "cannot close the history store", Path: s.path, Err: err}
	}
	return nil
}

// Error is a history store failure the user can act on.
type Error struct {
	Op   string // what failed, such as "cannot create the history store"
	Path string // the history file, or the file being imported
	Err  error  // the cause, if any
	Hint string // what to do next, starting "hint: "; "" when none
}

// Error is one line: `cannot create the history store at PATH: CAUSE`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Path != "" {
		fmt.Fprintf(&b, " at %s", e.Path)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap gives the underlying cause.
func (e *Error) Unwrap() error { return e.Err }
