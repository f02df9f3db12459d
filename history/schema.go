package history

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// SchemaVersion is the layout of the tables below. A file with a newer
// version was written by a newer shoal: it is moved aside, not read. An
// older one is brought up to date when it is opened (see migrate).
const SchemaVersion = 5

// schema creates a fresh store. A file's tests, each with its kept results
// and the estimate made from them, live in one blob in the file's row (see
// encodeFile), so that recording a run reads and writes one row per file,
// and estimating reads one row per file.
const schema = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE runs (
	id      INTEGER PRIMARY KEY,
	start   INTEGER NOT NULL, -- Unix nanoseconds
	wall    REAL NOT NULL,
	workers INTEGER NOT NULL,
	startup REAL NOT NULL,    -- 0: unknown
	refs    INTEGER NOT NULL, -- how many kept results belong to the run
	overhead REAL NOT NULL DEFAULT 0, -- per test, besides its phases; 0: unknown
	finish  REAL NOT NULL DEFAULT 0  -- after the last test; 0: unknown
);
CREATE INDEX runs_by_start ON runs (start, wall, workers);
` + filesSchema + verdictsSchema

// runsOverhead is the runs column that schema version 3 brought.
const runsOverhead = `ALTER TABLE runs ADD COLUMN overhead REAL NOT NULL DEFAULT 0`

// runsFinish is the runs column that schema version 5 brought.
const runsFinish = `ALTER TABLE runs ADD COLUMN finish REAL NOT NULL DEFAULT 0`

// filesSchema is the files table, which schema version 2 brought.
const filesSchema = `
CREATE TABLE files (
	id    INTEGER PRIMARY KEY,
	file  TEXT NOT NULL UNIQUE,
	extra REAL NOT NULL, -- FileSetup's answer
	tests BLOB NOT NULL  -- encodeFile
);
`

// verdictsSchema is the verdicts table, which schema version 4 brought:
// what shoal verify found of each test that is not stable.
const verdictsSchema = `
CREATE TABLE IF NOT EXISTS verdicts (
	nodeid   TEXT PRIMARY KEY,
	class    TEXT NOT NULL, -- flaky, order-dependent, conflict, failing
	partners TEXT NOT NULL, -- JSON list of node ids: polluters or conflicting tests
	at       INTEGER NOT NULL -- Unix nanoseconds
) WITHOUT ROWID;
`

// createSchema lays out an empty store and stamps its version.
func createSchema(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("cannot create the tables: %w", err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('schema_version', ?)`,
		strconv.Itoa(SchemaVersion))
	if err != nil {
		return fmt.Errorf("cannot stamp the schema version: %w", err)
	}
	return nil
}

// querier is a database or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion reads the version stamp; ok is false when the file has no
// meta table or no stamp, that is, when it is not a shoal history store.
func schemaVersion(ctx context.Context, db querier) (version int, ok bool, err error) {
	var n int
	err = db.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).Scan(&n)
	if err != nil || n == 0 {
		return 0, false, err
	}
	var v string
	err = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	version, convErr := strconv.Atoi(v)
	if convErr != nil {
		return 0, false, nil
	}
	return version, true, nil
}
