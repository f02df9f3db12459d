package history

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// version1Schema is the layout shoal wrote before schema version 2: one row
// per test, its results behind a version byte 1.
const version1Schema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE runs (id INTEGER PRIMARY KEY, start INTEGER NOT NULL, wall REAL NOT NULL,
	workers INTEGER NOT NULL, startup REAL NOT NULL, refs INTEGER NOT NULL);
CREATE INDEX runs_by_start ON runs (start, wall, workers);
CREATE TABLE tests (id INTEGER PRIMARY KEY, nodeid TEXT NOT NULL UNIQUE, file TEXT NOT NULL,
	results BLOB NOT NULL, seconds REAL NOT NULL, cpu REAL NOT NULL);
CREATE INDEX tests_by_file ON tests (file);
CREATE TABLE files (file TEXT PRIMARY KEY, extra REAL NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
`

// version1Store writes, as the older shoal did, the runs and results that
// goldenStore records.
func version1Store(t *testing.T, golden *Store) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(version1Schema); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ATTACH DATABASE ? AS golden`, golden.path); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO runs SELECT id, start, wall, workers, startup, refs FROM golden.runs`); err != nil {
		t.Fatal(err)
	}
	rows, err := golden.db.Query(`SELECT file, tests FROM files`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var file string
		var blob []byte
		if err := rows.Scan(&file, &blob); err != nil {
			t.Fatal(err)
		}
		err := decodeFile(blob, func(name []byte, e Estimate, encoded []byte) error {
			_, err := db.Exec(`INSERT INTO tests (nodeid, file, results, seconds, cpu) VALUES (?, ?, ?, ?, ?)`,
				file+string(name), file, append([]byte{1}, encoded...), e.Seconds, e.CPU)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// migrated opens a version 1 copy of golden without a warning and checks
// that it exports what golden does.
func migrated(t *testing.T, golden *Store) *Store {
	t.Helper()
	s, warning, err := Open(version1Store(t, golden))
	if err != nil || warning != "" {
		t.Fatalf("open: %v, warning %q", err, warning)
	}
	t.Cleanup(func() { s.Close() })
	if got, want := export(t, s), export(t, golden); !bytes.Equal(got, want) {
		t.Errorf("export after migration:\n%s\nwant:\n%s", got, want)
	}
	return s
}

func TestVersion1StoreIsBroughtUpToDate(t *testing.T) {
	golden := goldenStore(t)
	s := migrated(t, golden)
	ids := []string{"tests/test_b.py::test_slow", "tests/test_a.py::test_err", "tests/test_c.py::test_new"}
	if got, want := s.Estimates(ids), golden.Estimates(ids); !equalEstimates(got, want) {
		t.Errorf("estimates %+v, want %+v", got, want)
	}
	files := []string{"tests/test_a.py", "tests/test_b.py"}
	if got, want := s.FileSetup(files), golden.FileSetup(files); got[0] != want[0] || got[1] != want[1] {
		t.Errorf("file setup %v, want %v", got, want)
	}
	if version, _, err := schemaVersion(t.Context(), s.db); err != nil || version != SchemaVersion {
		t.Errorf("schema version %d (%v), want %d", version, err, SchemaVersion)
	}
	record(t, s, runAt(10, warm("tests/test_a.py::test_err", 4)))
	if got := s.Estimates(ids[1:2])[0]; !near(got.Seconds, 4) {
		t.Errorf("after recording into the migrated store: %+v, want 4 s", got)
	}
}

func TestVersion1FileApartFromItsTests(t *testing.T) {
	golden := openTemp(t)
	record(t, golden, runAt(0, warm("a.py", 1), warm("a.py-b.py::t", 2), warm("a.py::t", 3)))
	migrated(t, golden)
}

// openOlder writes a store of an older schema version, from golden's runs
// and files: tables lays it out, runs names the runs columns it has, and
// version is its stamp. It opens it (so migrates it), checks that it
// exports as golden does, and returns it.
func openOlder(t *testing.T, golden *Store, version int, tables, runs string) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		tables,
		fmt.Sprintf(`INSERT INTO meta (key, value) VALUES ('schema_version', '%d')`, version),
		`ATTACH DATABASE '` + golden.path + `' AS golden`,
		`INSERT INTO runs SELECT ` + runs + ` FROM golden.runs`,
		`INSERT INTO files SELECT * FROM golden.files`,
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, warning, err := Open(path)
	if err != nil || warning != "" {
		t.Fatalf("open: %v, warning %q", err, warning)
	}
	t.Cleanup(func() { s.Close() })
	if got, want := export(t, s), export(t, golden); !bytes.Equal(got, want) {
		t.Errorf("export after migration:\n%s\nwant:\n%s", got, want)
	}
	return s
}

// runsBefore is the meta and runs tables of schema versions 1 and 2.
const runsBefore = `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
	CREATE TABLE runs (id INTEGER PRIMARY KEY, start INTEGER NOT NULL, wall REAL NOT NULL,
		workers INTEGER NOT NULL, startup REAL NOT NULL, refs INTEGER NOT NULL`

// TestVersion4StoreGetsFinish: a store from before runs kept how long they
// went on after their last test reads as it did, then keeps that of new
// runs.
func TestVersion4StoreGetsFinish(t *testing.T) {
	s := openOlder(t, goldenStore(t), 4, runsBefore+`, overhead REAL NOT NULL DEFAULT 0);
		CREATE INDEX runs_by_start ON runs (start, wall, workers);`+filesSchema+verdictsSchema,
		"id, start, wall, workers, startup, refs, overhead")
	if _, ok := s.Finish(); ok {
		t.Error("finish known before any run measured it")
	}
	r := runAt(10, warm("tests/test_a.py::test_err", 4))
	r.Finish = 0.35
	record(t, s, r)
	if got, ok := s.Finish(); !ok || !near(got, 0.35) {
		t.Errorf("Finish = %v, %v after recording into the migrated store; want 0.35, true", got, ok)
	}
}

// TestVersion2StoreGetsOverhead: a store from before runs kept their
// per-test overhead reads as it did, then keeps the overhead of new runs.
func TestVersion2StoreGetsOverhead(t *testing.T) {
	s := openOlder(t, goldenStore(t), 2, runsBefore+`);
		CREATE INDEX runs_by_start ON runs (start, wall, workers);`+filesSchema,
		"id, start, wall, workers, startup, refs")
	if _, ok := s.Overhead(); ok {
		t.Error("overhead known before any run measured it")
	}
	r := runAt(10, warm("tests/test_a.py::test_err", 4))
	r.Overhead = 0.00025
	record(t, s, r)
	if got, ok := s.Overhead(); !ok || !near(got, 0.00025) {
		t.Errorf("Overhead = %v, %v after recording into the migrated store; want 0.00025, true", got, ok)
	}
	if err := s.SaveVerdicts(map[string]Verdict{"a.py::t": {Class: "flaky"}}, nil); err != nil {
		t.Errorf("verdicts in the migrated store: %v", err)
	}
}
