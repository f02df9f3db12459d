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
	tx     *sql.Tx
	stmts  []*sql.Stmt
	adds   map[string]map[string][]result // file → node ID → new results
	refs   map[int64]int                  // run → change in how many kept results it has
	intern map[string]string              // worker names read back

	insertRun, findRun, loadFile, saveFile, addRefs *sql.Stmt
}

func newBatch(ctx context.Context, tx *sql.Tx) (*batch, error) {
	b := &batch{tx: tx, adds: map[string]map[string][]result{}, refs: map[int64]int{}, intern: map[string]string{}}
	queries := []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&b.insertRun, `INSERT INTO runs (start, wall, workers, startup, overhead, finish, refs) VALUES (?, ?, ?, ?, ?, ?, 0)`},
		{&b.findRun, `SELECT id FROM runs WHERE start = ? AND wall = ? AND workers = ? LIMIT 1`},
		{&b.loadFile, `SELECT tests FROM files WHERE file = ?`},
		{&b.saveFile, saveFileSQL},
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

// saveFileSQL writes a file's row, new or not.
const saveFileSQL = `INSERT INTO files (file, extra, tests) VALUES (?, ?, ?)
	ON CONFLICT (file) DO UPDATE SET extra = excluded.extra, tests = excluded.tests`

// addRun stores a run's own figures (not its tests) and returns its ID.
func (b *batch) addRun(ctx context.Context, r Run) (int64, error) {
	res, err := b.insertRun.ExecContext(ctx, r.Start.UnixNano(), seconds(r.Wall), r.Workers, seconds(r.Startup), seconds(r.Overhead), seconds(r.Finish))
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

// mergeFile adds results to a file's tests, then refreshes the file's extra
// setup and the estimates that depend on it, and writes the file's row.
func (b *batch) mergeFile(ctx context.Context, file string, adds map[string][]result) error {
	tests, err := b.load(ctx, file)
	if err != nil {
		return err
	}
	index := make(map[string]int, len(tests))
	for i, t := range tests {
		index[t.name] = i
	}
	for nodeid, rs := range adds {
		name := nodeid[len(file):]
		i, ok := index[name]
		if !ok {
			i = len(tests)
			index[name] = i
			tests = append(tests, fileTest{name: name})
		}
		tests[i].results = mergeResults(tests[i].results, rs, b.refs)
	}
	return writeFile(ctx, b.saveFile, file, tests)
}

// writeFile stores a file's tests with the file's extra setup and the
// estimates that depend on it.
func writeFile(ctx context.Context, save *sql.Stmt, file string, tests []fileTest) error {
	extra := fileExtra(tests)
	for i := range tests {
		// A test only ever run cold is estimated from the file's extra
		// setup, so it may change without results of its own.
		tests[i].estimate = testEstimate(tests[i].results, extra)
	}
	slices.SortFunc(tests, func(a, b fileTest) int { return cmp.Compare(a.name, b.name) })
	_, err := save.ExecContext(ctx, file, extra, encodeFile(tests))
	return err
}

// load reads the kept results of every test of a file. Results that cannot
// be read are dropped rather than blocking every later run from recording
// the file.
func (b *batch) load(ctx context.Context, file string) ([]fileTest, error) {
	var blob []byte
	err := b.loadFile.QueryRowContext(ctx, file).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var tests []fileTest
	// One allocation for the file's results, which take some 25 bytes each
	// in the blob.
	slab := make([]result, 0, len(blob)/20)
	decodeFile(blob, func(name []byte, _ Estimate, encoded []byte) error {
		start := len(slab)
		slab, err = decodeResults(encoded, slab, b.intern)
		if err != nil {
			slab = slab[:start]
		}
		tests = append(tests, fileTest{name: string(name), results: slab[start:len(slab):len(slab)]})
		return nil
	})
	return tests, nil
}

// mergeResults adds new results to a test's kept ones (a result for a run
// already there replaces it), keeps the KeepRuns newest, newest first, and
// counts each run's gained and lost results in refs.
func mergeResults(kept, adds []result, refs map[int64]int) []result {
	if len(adds) == 1 && len(kept) == KeepRuns && newestFirst(adds[0], kept[0]) < 0 && runIndex(kept, adds[0].run) < 0 {
		// A run newer than all kept ones, as every run but an import is:
		// the oldest result makes room, in place.
		refs[kept[len(kept)-1].run]--
		copy(kept[1:], kept[:len(kept)-1])
		kept[0] = adds[0]
		refs[adds[0].run]++
		return kept
	}
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
func fileExtra(tests []fileTest) float64 {
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
