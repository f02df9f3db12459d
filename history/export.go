package history

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// FormatName is the "format" of every export.
	FormatName = "shoal-history"
	// FormatVersion is the "version" Export writes and the newest Import reads.
	FormatVersion = 1
)

type exportRun struct {
	Start   string  `json:"start"`
	Wall    float64 `json:"wall"`
	Workers int     `json:"workers"`
	Startup float64 `json:"startup"`
	// Overhead is left out where unknown, so stores from before it export
	// as they did.
	Overhead float64 `json:"overhead,omitempty"`
	// Finish too.
	Finish float64 `json:"finish,omitempty"`
}

type exportTest struct {
	NodeID  string         `json:"nodeid"`
	Results []exportResult `json:"results"`
}

type exportResult struct {
	Run      *int    `json:"run"`
	Setup    float64 `json:"setup"`
	Call     float64 `json:"call"`
	Teardown float64 `json:"teardown"`
	CPU      float64 `json:"cpu"`
	Outcome  string  `json:"outcome"`
	Worker   string  `json:"worker"`
	Cold     bool    `json:"cold"`
}

type exportDoc struct {
	Format  string       `json:"format"`
	Version int          `json:"version"`
	Runs    []exportRun  `json:"runs"`
	Tests   []exportTest `json:"tests"`
}

// Export writes the whole store as JSON (see the package documentation),
// from one consistent snapshot even while another shoal records.
func (s *Store) Export(w io.Writer) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.exportError(err)
	}
	defer tx.Rollback()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n  \"format\": %q,\n  \"version\": %d,\n  \"runs\": [", FormatName, FormatVersion)
	index, err := exportRuns(ctx, tx, bw)
	if err != nil {
		return s.exportError(err)
	}
	bw.WriteString("\n  ],\n  \"tests\": [")
	if err := exportTests(ctx, tx, bw, index); err != nil {
		return s.exportError(err)
	}
	bw.WriteString("\n  ]\n}\n")
	if err := bw.Flush(); err != nil {
		return &Error{Op: "cannot write the export", Err: err}
	}
	return nil
}

func (s *Store) exportError(err error) error {
	return &Error{Op: "cannot read the history store", Path: s.path, Err: err}
}

// exportRuns writes the runs, one a line, and returns each run's index.
func exportRuns(ctx context.Context, tx *sql.Tx, w *bufio.Writer) (map[int64]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, start, wall, workers, startup, overhead, finish FROM runs
		ORDER BY start, wall, workers, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	index := map[int64]int{}
	for rows.Next() {
		var id, start int64
		var r exportRun
		if err := rows.Scan(&id, &start, &r.Wall, &r.Workers, &r.Startup, &r.Overhead, &r.Finish); err != nil {
			return nil, err
		}
		r.Start = time.Unix(0, start).UTC().Format(time.RFC3339Nano)
		writeLine(w, len(index), "    ", r)
		index[id] = len(index)
	}
	return index, rows.Err()
}

// exportTests writes the tests by node ID, one a line, each with its kept
// results newest first.
func exportTests(ctx context.Context, tx *sql.Tx, w *bufio.Writer, index map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT file, tests FROM files`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var tests []exportTest
	intern := map[string]string{}
	for rows.Next() {
		var file string
		var blob []byte
		if err := rows.Scan(&file, &blob); err != nil {
			return err
		}
		err := decodeFile(blob, func(name []byte, _ Estimate, encoded []byte) error {
			t := exportTest{NodeID: file + string(name)}
			rs, err := decodeResults(encoded, nil, intern)
			if err != nil {
				return fmt.Errorf("%s: %w", t.NodeID, err)
			}
			t.Results = exportResults(rs, index)
			tests = append(tests, t)
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortFunc(tests, func(a, b exportTest) int { return strings.Compare(a.NodeID, b.NodeID) })
	for n, t := range tests {
		writeLine(w, n, "    ", t)
	}
	return nil
}

func exportResults(rs []result, index map[int64]int) []exportResult {
	out := make([]exportResult, 0, len(rs))
	for _, r := range rs {
		i, ok := index[r.run]
		if !ok {
			continue // cannot happen: a run with kept results is kept
		}
		out = append(out, exportResult{Run: &i, Setup: r.setup, Call: r.call, Teardown: r.teardown,
			CPU: r.cpu, Outcome: r.outcome, Worker: r.worker, Cold: r.cold})
	}
	return out
}

// writeLine writes v as the n-th element of an array, on a line of its own.
func writeLine(w *bufio.Writer, n int, indent string, v any) {
	if n > 0 {
		w.WriteByte(',')
	}
	w.WriteString("\n" + indent)
	data, _ := json.Marshal(v) // plain structs of strings and numbers
	w.Write(data)
}

// Import merges an export into the store in one transaction. Runs already
// stored (same start, wall and workers) are skipped with their results;
// every test then keeps its KeepRuns newest results. Input that is not a
// valid export is an *InvalidExportError, and nothing is imported.
func (s *Store) Import(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return &Error{Op: "cannot read the export", Err: err}
	}
	doc, err := parseExport(data)
	if err != nil {
		return &InvalidExportError{Err: err}
	}
	err = s.write(func(ctx context.Context, b *batch) error { return importDoc(ctx, b, doc) })
	if err != nil {
		return &Error{Op: "cannot import into the history store", Path: s.path, Err: err}
	}
	return nil
}

// InvalidExportError is Import's answer to input that is not a valid export:
// Err says where (line and column, or the element) and what is wrong.
type InvalidExportError struct {
	Err error
}

func (e *InvalidExportError) Error() string {
	return "not a valid shoal history export: " + e.Err.Error()
}

func (e *InvalidExportError) Unwrap() error { return e.Err }

// parsed is an export after validation.
type parsed struct {
	runs  []Run
	tests []exportTest
}

func parseExport(data []byte) (*parsed, error) {
	var doc exportDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(data, err)
	}
	switch {
	case doc.Format != FormatName:
		return nil, fmt.Errorf(`"format" is %q, want %q`, doc.Format, FormatName)
	case doc.Version < 1:
		return nil, errors.New(`"version" is missing`)
	case doc.Version > FormatVersion:
		return nil, fmt.Errorf("version %d was written by a newer shoal; this one reads version %d", doc.Version, FormatVersion)
	}
	p := &parsed{tests: doc.Tests}
	for i, r := range doc.Runs {
		run, err := parseRun(r)
		if err != nil {
			return nil, fmt.Errorf("runs[%d]: %w", i, err)
		}
		p.runs = append(p.runs, run)
	}
	for i, t := range doc.Tests {
		if err := checkTest(t, len(p.runs)); err != nil {
			if t.NodeID != "" {
				return nil, fmt.Errorf("tests[%d] (%s): %w", i, t.NodeID, err)
			}
			return nil, fmt.Errorf("tests[%d]: %w", i, err)
		}
	}
	return p, nil
}

func parseRun(r exportRun) (Run, error) {
	start, err := time.Parse(time.RFC3339Nano, r.Start)
	if err != nil {
		return Run{}, fmt.Errorf(`"start" %q is not an RFC 3339 time`, r.Start)
	}
	if r.Wall < 0 || r.Startup < 0 || r.Overhead < 0 || r.Finish < 0 || r.Workers < 0 {
		return Run{}, errors.New(`"wall", "startup", "overhead", "finish" and "workers" cannot be negative`)
	}
	return Run{Start: start, Wall: r.Wall, Workers: r.Workers, Startup: r.Startup, Overhead: r.Overhead, Finish: r.Finish}, nil
}

func checkTest(t exportTest, runs int) error {
	if t.NodeID == "" {
		return errors.New(`"nodeid" is missing`)
	}
	for j, r := range t.Results {
		switch {
		case r.Run == nil:
			return fmt.Errorf(`results[%d]: "run" is missing`, j)
		case *r.Run < 0 || *r.Run >= runs:
			return fmt.Errorf(`results[%d]: "run" %d is not an index into "runs", which holds %d`, j, *r.Run, runs)
		case r.Setup < 0 || r.Call < 0 || r.Teardown < 0 || r.CPU < 0:
			return fmt.Errorf("results[%d]: durations cannot be negative", j)
		}
	}
	return nil
}

// importDoc adds the runs not stored yet, then the results that belong to
// them.
func importDoc(ctx context.Context, b *batch, p *parsed) error {
	ids := make([]int64, len(p.runs)) // 0: stored already, skip
	for i, r := range p.runs {
		has, err := b.hasRun(ctx, r)
		if err != nil {
			return err
		}
		if !has {
			if ids[i], err = b.addRun(ctx, r); err != nil {
				return err
			}
		}
	}
	for _, t := range p.tests {
		for _, r := range t.Results {
			id := ids[*r.Run]
			if id == 0 {
				continue
			}
			run := p.runs[*r.Run]
			tr := TestRun{NodeID: t.NodeID, Setup: r.Setup, Call: r.Call, Teardown: r.Teardown,
				CPU: r.CPU, Outcome: r.Outcome, Worker: r.Worker, Cold: r.Cold}
			if err := b.addResult(t.NodeID, newResult(id, run.Start, tr)); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonError says where in data the JSON went wrong, as line and column, and
// what was wrong in a user's words rather than Go's.
func jsonError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%s: %s", position(data, syntax.Offset), syntax.Error())
	case errors.As(err, &typ):
		what := "the export"
		if typ.Field != "" {
			what = strconv.Quote(typ.Field)
		}
		return fmt.Errorf("%s: %s should be %s, not %s", position(data, typ.Offset), what, kind(typ.Type), typ.Value)
	}
	return err
}

// position turns the decoder's offset, which counts the offending byte, into
// that byte's line and column.
func position(data []byte, offset int64) string {
	offset = min(max(offset-1, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

func kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Pointer:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}

// Durations reads an export (as Export writes it) and gives each test's
// mean duration, setup, call and teardown together, over its results.
// Shards balance their split by it: every machine reads the same file.
func Durations(data []byte) (map[string]float64, error) {
	doc, err := parseExport(data)
	if err != nil {
		return nil, &InvalidExportError{Err: err}
	}
	out := make(map[string]float64, len(doc.tests))
	for _, t := range doc.tests {
		if len(t.Results) == 0 {
			continue
		}
		sum := 0.0
		for _, r := range t.Results {
			sum += r.Setup + r.Call + r.Teardown
		}
		out[t.NodeID] = sum / float64(len(t.Results))
	}
	return out, nil
}
