package history

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Open opens or creates the store at path, creating parent directories. A
// file that is not a usable store (random bytes, truncated, empty, written
// by a newer shoal) is moved to path + ".corrupt" and a fresh store takes its
// place; warning then says so in one line with a hint. Only a location shoal
// cannot write is an error, an *Error.
func Open(path string) (s *Store, warning string, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, "", unwritable(path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, "", unwritable(abs, err)
	}
	// Another shoal may be creating or replacing the file at the same time;
	// each turn of the loop sees a newer state, so three are plenty.
	for try := 0; try < 3; try++ {
		if err := ensureFile(abs); err != nil {
			return nil, "", err
		}
		s, bad, err := openFile(abs)
		if err != nil {
			return nil, "", err
		}
		if bad == nil {
			return s, warning, nil
		}
		aside, err := moveAside(abs, bad.file)
		if err != nil {
			return nil, "", err
		}
		if aside != "" {
			warning = bad.warning(abs, aside)
		}
	}
	return nil, "", &Error{Op: "cannot open the history store", Path: abs,
		Err:  errors.New("another process keeps replacing it"),
		Hint: "hint: run shoal again once the other shoal runs have finished"}
}

// unusable says why an existing file cannot be used as a store.
type unusable struct {
	file   fs.FileInfo // the file as it was checked
	reason string
	hint   string // without the "hint: " prefix
}

func (u *unusable) warning(path, aside string) string {
	return fmt.Sprintf("history file %s %s; moved it to %s and started a fresh one (hint: %s)",
		path, u.reason, aside, u.hint)
}

func corrupt(info fs.FileInfo, reason string) *unusable {
	return &unusable{file: info, reason: reason,
		hint: "test durations are measured again from this run on; delete the moved file when you no longer need it"}
}

func unwritable(path string, err error) *Error {
	return &Error{Op: "cannot write the history store", Path: path, Err: err,
		Hint: "hint: make its directory writable, or point shoal at another history file"}
}

// dsn opens path with the settings every connection needs: wait for another
// shoal's write instead of failing, and BEGIN IMMEDIATE so that two writers
// queue up rather than deadlock upgrading a read lock.
func dsn(path string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	return u.String() + "?_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&_pragma=cache_size(-8192)"
}

func openDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, err
	}
	// One connection: a Store is used from one goroutine at a time, and a
	// second connection would only contend with the first for the file lock.
	db.SetMaxOpenConns(1)
	return db, nil
}

// ensureFile creates a fresh store at path when there is none. It is built
// under a temporary name and linked into place, so that another shoal never
// sees a half-made store (which it would take for a corrupt one).
func ensureFile(path string) error {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil // present, or a problem openFile reports
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".history-*.db")
	if err != nil {
		return unwritable(path, err)
	}
	name := tmp.Name()
	// A temporary file is private; the store is an ordinary project file.
	err = tmp.Chmod(0o644)
	tmp.Close()
	defer os.Remove(name)
	if err != nil {
		return unwritable(path, err)
	}
	if err := initStore(name); err != nil {
		return &Error{Op: "cannot create the history store", Path: path, Err: err,
			Hint: "hint: check free disk space, or give another file with --history"}
	}
	err = os.Link(name, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return nil // made, or another shoal made it first: both fine
	}
	// A file system without hard links: a rename cannot lose a store, at
	// worst it replaces another shoal's equally fresh one.
	if err := os.Rename(name, path); err != nil {
		return unwritable(path, err)
	}
	return nil
}

// initStore lays out an empty store in WAL mode and closes it cleanly, so
// that everything is in the main file.
func initStore(path string) error {
	db, err := openDB(path)
	if err != nil {
		return err
	}
	err = createSchema(context.Background(), db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// openFile opens an existing file and checks that it is a store this shoal
// can use. It returns either a store, or why the file is unusable, or an
// error when the file cannot be opened for writing at all.
func openFile(path string) (*Store, *unusable, error) {
	info, err := checkWritable(path)
	if err != nil {
		return nil, nil, err
	}
	if reason, err := checkHeader(path, info); err != nil {
		return nil, nil, unwritable(path, err)
	} else if reason != "" {
		return nil, corrupt(info, reason), nil
	}
	db, err := openDB(path)
	if err != nil {
		return nil, nil, unwritable(path, err)
	}
	bad, err := checkContent(db, info)
	if err == nil && bad == nil {
		err = migrate(context.Background(), db)
		if isCorrupt(err) {
			bad, err = corrupt(info, "is corrupt ("+oneLine(err.Error())+")"), nil
		}
	}
	if err != nil || bad != nil {
		db.Close()
		if err != nil {
			return nil, nil, unwritable(path, err)
		}
		return nil, bad, nil
	}
	return &Store{db: db, path: path}, nil, nil
}

func checkWritable(path string) (fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, unwritable(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, unwritable(path, err)
	}
	return info, nil
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader looks at the first 100 bytes, where SQLite keeps the page size
// and page count, to catch random bytes and a truncated copy before SQLite
// reads garbage. It returns why the file is unusable, or "".
func checkHeader(path string, info fs.FileInfo) (string, error) {
	if info.Size() == 0 {
		return "is empty", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var h [100]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[:16]) != sqliteMagic {
		return "is not an SQLite database", nil
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	// The page count is only current when its stamp matches the change
	// counter, and a write-ahead log may still hold pages the file lacks.
	current := pages > 0 && binary.BigEndian.Uint32(h[92:96]) == binary.BigEndian.Uint32(h[24:28])
	if current && !hasLog(path) && info.Size() < pageSize*pages {
		return fmt.Sprintf("is truncated (%d of %d bytes)", info.Size(), pageSize*pages), nil
	}
	return "", nil
}

func hasLog(path string) bool {
	info, err := os.Stat(path + "-wal")
	return err == nil && info.Size() > 0
}

// checkContent reads every page (quick_check) and the schema version. Only
// SQLite's verdict that the file is corrupt, or a version this shoal cannot
// read, makes the file unusable; anything else is an error.
func checkContent(db *sql.DB, info fs.FileInfo) (*unusable, error) {
	ctx := context.Background()
	var verdict string
	err := db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&verdict)
	if isCorrupt(err) {
		return corrupt(info, "is corrupt ("+oneLine(err.Error())+")"), nil
	}
	if err != nil {
		return nil, err
	}
	if verdict != "ok" {
		return corrupt(info, "is corrupt ("+oneLine(verdict)+")"), nil
	}
	version, ok, err := schemaVersion(ctx, db)
	switch {
	case isCorrupt(err):
		return corrupt(info, "is corrupt ("+oneLine(err.Error())+")"), nil
	case err != nil:
		return nil, err
	case !ok:
		return corrupt(info, "is not a shoal history store"), nil
	case version > SchemaVersion:
		return &unusable{file: info,
			reason: fmt.Sprintf("was written by a newer shoal (schema version %d; this shoal reads %d)", version, SchemaVersion),
			hint:   "upgrade shoal to use that history again"}, nil
	}
	return nil, nil
}

// oneLine shortens SQLite's integrity report, which can span lines, to
// fit the warning's one line.
func oneLine(report string) string {
	var parts []string
	for _, l := range strings.Split(report, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "***") {
			parts = append(parts, l)
		}
	}
	line := strings.Join(parts, "; ")
	if len(line) > 120 {
		line = line[:120] + "…"
	}
	return line
}

func isCorrupt(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
}

// moveAside renames the unusable file, and its log files, to path +
// ".corrupt". If the file at path is no longer the one that was checked,
// another shoal has replaced it already: nothing is moved and aside is "".
func moveAside(path string, checked fs.FileInfo) (aside string, err error) {
	now, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !os.SameFile(now, checked)) {
		return "", nil
	}
	aside = path + ".corrupt"
	if err := os.Rename(path, aside); err != nil {
		return "", unwritable(path, err)
	}
	// The log files belong to the old file: left behind, SQLite would
	// replay them into the fresh store.
	for _, suffix := range []string{"-wal", "-shm"} {
		err := os.Rename(path+suffix, aside+suffix)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", unwritable(path+suffix, err)
		}
	}
	return aside, nil
}
