package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// migrate brings a store written by an older shoal up to SchemaVersion, in
// one transaction: another shoal opening the same store at the same time
// waits for it, then finds nothing left to do.
func migrate(ctx context.Context, db *sql.DB) error {
	// Most opens find the store up to date: no write lock for them.
	if version, _, err := schemaVersion(ctx, db); err != nil || version >= SchemaVersion {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	version, _, err := schemaVersion(ctx, tx)
	if err != nil || version >= SchemaVersion {
		return err
	}
	if version == 1 {
		if err := fromVersion1(ctx, tx); err != nil {
			return fmt.Errorf("cannot bring the store from schema version 1 to %d: %w", SchemaVersion, err)
		}
	}
	if version < 3 {
		if _, err := tx.ExecContext(ctx, runsOverhead); err != nil {
			return fmt.Errorf("cannot bring the store from schema version %d to %d: %w", version, SchemaVersion, err)
		}
	}
	if version < 4 {
		if _, err := tx.ExecContext(ctx, verdictsSchema); err != nil {
			return fmt.Errorf("cannot bring the store from schema version %d to %d: %w", version, SchemaVersion, err)
		}
	}
	if version < 5 {
		if _, err := tx.ExecContext(ctx, runsFinish); err != nil {
			return fmt.Errorf("cannot bring the store from schema version %d to %d: %w", version, SchemaVersion, err)
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'schema_version'`, strconv.Itoa(SchemaVersion))
	if err != nil {
		return err
	}
	return tx.Commit()
}

// fromVersion1 moves the tests from version 1's row per test (a version
// byte, then the results as appendResults packs them) into a row per file,
// one file at a time. Results that cannot be read are dropped, as a record
// would drop them.
func fromVersion1(ctx context.Context, tx *sql.Tx) error {
	newFiles := strings.Replace(filesSchema, "TABLE files", "TABLE files_new", 1)
	if _, err := tx.ExecContext(ctx, newFiles); err != nil {
		return err
	}
	save, err := tx.PrepareContext(ctx, strings.Replace(saveFileSQL, "INTO files", "INTO files_new", 1))
	if err != nil {
		return err
	}
	defer save.Close()
	rows, err := tx.QueryContext(ctx, `SELECT nodeid, results FROM tests ORDER BY nodeid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	byFile := map[string][]fileTest{}
	intern := map[string]string{}
	for rows.Next() {
		var nodeid string
		var blob []byte
		if err := rows.Scan(&nodeid, &blob); err != nil {
			return err
		}
		var rs []result
		if len(blob) > 0 && blob[0] == 1 {
			if rs, err = decodeResults(blob[1:], nil, intern); err != nil {
				rs = nil
			}
		}
		file := fileOf(nodeid)
		byFile[file] = append(byFile[file], fileTest{name: nodeid[len(file):], results: rs})
		if len(byFile) > 1 {
			// Sorted by node ID, a file's tests come together: write
			// out the file before to keep memory small.
			for f, tests := range byFile {
				if f != file {
					if err := mergeInto(ctx, tx, save, f, tests); err != nil {
						return err
					}
					delete(byFile, f)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for f, tests := range byFile {
		if err := mergeInto(ctx, tx, save, f, tests); err != nil {
			return err
		}
	}
	rows.Close()
	_, err = tx.ExecContext(ctx, `DROP TABLE tests; DROP TABLE files; ALTER TABLE files_new RENAME TO files;`)
	return err
}

// mergeInto writes a file's tests into the new files table, joining those
// already written there: a node ID that is a file's path itself sorts
// apart from the file's other tests ("a.py" < "a.py-b.py::t" < "a.py::t").
func mergeInto(ctx context.Context, tx *sql.Tx, save *sql.Stmt, file string, tests []fileTest) error {
	var blob []byte
	err := tx.QueryRowContext(ctx, `SELECT tests FROM files_new WHERE file = ?`, file).Scan(&blob)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if blob != nil {
		decodeFile(blob, func(name []byte, _ Estimate, encoded []byte) error {
			rs, _ := decodeResults(encoded, nil, nil)
			tests = append(tests, fileTest{name: string(name), results: rs})
			return nil
		})
	}
	return writeFile(ctx, save, file, tests)
}
