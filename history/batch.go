package history

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// batch collects the runs and results of one transaction, then merges them
// into the stored tests file by file: each touched file is read once and
// its tests written back once, with their medians and the file's extra
// setup brought up to date.
type batch struct {
	tx    *sql.Tx
	stmts []*sql.Stmt
	adds  map[string]map[string][]result // file → node ID → new results
	refs  map[int64]int                  // run → change in how many kept results it has

	insertRun, findRun, loadFile, insertTest, updateTest, upsertFile, addRefs *sql.Stmt
}

func newBatch(ctx context.Context, tx *sql.Tx) (*batch, error) {
	b := &batch{tx: tx, adds: map[string]map[string][]result{}, refs: map[int64]int{}}
	queries := []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&b.insertRun, `INSERT INTO runs (start, wall, workers, startup, refs) VALUES (?, ?, ?, ?, 0)`},
		{&b.findRun, `SELECT id FROM runs WHERE start = ? AND wall = ? AND workers = ? LIMIT 1`},
		{&b.loadFile, `SELECT id, nodeid, results, seconds, cpu FROM tests WHERE file = ?`},
		{&b.insertTest, `INSERT INTO tests (results, seconds, cpu, nodeid, file) VALUES (?, ?, ?, ?, ?)`},
		{&b.updateTest, `UPDATE tests SET results = ?, seconds = ?, cpu = ? WHERE id = ?`},
		{&b.upsertFile, `INSERT OR REPLACE INTO files (file, extra) VALUES (?, ?)`},
		{&b.addRefs, `UPDATE runs SET refs = refs + ? WHERE id = ?`},
	}
	for _, q := range queries {
		stmt, err := tx.PrepareContext(ctx, q.sql)
		if err != nil {
			b.close()
			return nil, fmt.Errorf("cannot prepare the statements: %w", err)
		}
		*q.stmt = stmt
		b.stmts = append(b.stmts, stmt)
	}
	return b, nil
}

func (b *batch) close() {
	for _, s := range b.stmts {
		s.Close()
	}
}

// addRun stores a run's own figures (not its tests) and returns its ID.
func (b *batch) addRun(ctx context.Context, r Run) (int64, error) {
	res, err := b.insertRun.ExecContext(ctx, r.Start.UnixNano(), seconds(r.Wall), r.Workers, seconds(r.Startup))
	if err != nil {
		return 0, fmt.Errorf("cannot add the run: %w", err)
	}
	return res.LastInsertId()
}

// hasRun finds a stored run with the same start, wall time and workers.
func (b *batch) hasRun(ctx context.Context, r Run) (bool, error) {
	var id int64
	err := b.findRun.QueryRowContext(ctx, r.Start.UnixNano(), seconds(r.Wall), r.Workers).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// addResult queues a result; finish stores it.
func (b *batch) addResult(nodeid string, r result) error {
	if nodeid == "" {
		return errors.New("a test without a node ID")
	}
	file := fileOf(nodeid)
	if b.adds[file] == nil {
		b.adds[file] = map[string][]result{}
	}
	b.adds[file][nodeid] = append(b.adds[file][nodeid], r)
	return nil
}

// finish merges the queued results into their files, then settles the
// runs' reference counts and forgets runs nothing needs.
func (b *batch) finish(ctx context.Context) error {
	for file, adds := range b.adds {
		if err := b.mergeFile(ctx, file, adds); err != nil {
			return fmt.Errorf("cannot update the tests of %s: %w", file, err)
		}
	}
	for run, n := range b.refs {
		if _, err := b.addRefs.ExecContext(ctx, n, run); err != nil {
			return fmt.Errorf("cannot count the results of run %d: %w", run, err)
		}
	}
	return forgetRuns(ctx, b.tx)
}

// stored is a test as a file's tests are read: its row (0: not stored
// yet), its kept results and the estimate stored with them.
type stored struct {
	id       int64
	results  []result
	estimate Estimate
	changed  bool
}

// mergeFile adds results to a file's tests, then refreshes the file's extra
// setup and the estimates that depend on it.
func (b *batch) mergeFile(ctx context.Context, file string, adds map[string][]result) error {
	tests, err := b.load(ctx, file)
	if err != nil {
		return err
	}
	for nodeid, rs := range adds {
		t := tests[nodeid]
		t.results = mergeResults(t.results, rs, b.refs)
		t.changed = true
		tests[nodeid] = t
	}
	extra := fileExtra(tests)
	for nodeid, t := range tests {
		// A test only ever run cold is estimated from the file's extra
		// setup, so it may change without results of its own.
		e := testEstimate(t.results, extra)
		if t.changed || e != t.estimate {
			t.estimate = e
			if err := b.save(ctx, nodeid, file, t); err != nil {
				return err
			}
		}
	}
	_, err = b.upsertFile.ExecContext(ctx, file, extra)
	return err
}

// save writes a test's results and estimate.
func (b *batch) save(ctx context.Context, nodeid, file string, t stored) error {
	args := []any{encodeResults(t.results), t.estimate.Seconds, t.estimate.CPU}
	var err error
	if t.id == 0 {
		_, err = b.insertTest.ExecContext(ctx, append(args, nodeid, file)...)
	} else {
		_, err = b.updateTest.ExecContext(ctx, append(args, t.id)...)
	}
	return err
}

// load reads the kept results of every test of a file.
func (b *batch) load(ctx context.Context, file string) (map[string]stored, error) {
	rows, err := b.loadFile.QueryContext(ctx, file)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tests := map[string]stored{}
	for rows.Next() {
		var nodeid string
		var blob []byte
		var t stored
		if err := rows.Scan(&t.id, &nodeid, &blob, &t.estimate.Seconds, &t.estimate.CPU); err != nil {
			return nil, err
		}
		// Results that cannot be read are dropped rather than blocking
		// every later run from recording this test.
		t.results, _ = decodeResults(blob)
		tests[nodeid] = t
	}
	return tests, rows.Err()
}

// mergeResults adds new results to a test's kept ones (a result for a run
// already there replaces it), keeps the KeepRuns newest, newest first, and
// counts each run's gained and lost results in refs.
func mergeResults(kept, adds []result, refs map[int64]int) []result {
	out := append([]result(nil), kept...)
	for _, a := range adds {
		if i := runIndex(out, a.run); i >= 0 {
			out[i] = a
			continue
		}
		out = append(out, a)
		refs[a.run]++
	}
	slices.SortStableFunc(out, newestFirst)
	if len(out) <= KeepRuns {
		return out
	}
	for _, r := range out[KeepRuns:] {
		refs[r.run]--
	}
	return out[:KeepRuns]
}

func newestFirst(a, b result) int {
	if c := cmp.Compare(b.start, a.start); c != 0 {
		return c
	}
	return cmp.Compare(b.run, a.run)
}

func runIndex(rs []result, run int64) int {
	for i, r := range rs {
		if r.run == run {
			return i
		}
	}
	return -1
}

// fileExtra is FileSetup's answer from the kept results of a file's tests.
func fileExtra(tests map[string]stored) float64 {
	var cold, warm []float64
	for _, t := range tests {
		for _, r := range t.results {
			if r.cold {
				cold = append(cold, r.setup)
			} else {
				warm = append(warm, r.setup)
			}
		}
	}
	return extraSetup(cold, warm)
}

// forgetRuns drops runs no kept result belongs to, beyond the last
// KeepStartups.
func forgetRuns(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE refs <= 0
		AND id NOT IN (SELECT id FROM runs ORDER BY start DESC, id DESC LIMIT ?)`, KeepStartups)
	if err != nil {
		return fmt.Errorf("cannot forget old runs: %w", err)
	}
	return nil
}
