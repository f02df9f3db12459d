package history

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realStore writes a closed store holding a few hundred tests and returns
// its bytes.
func realStore(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := largeSuite(500)
	for i := 0; i < 3; i++ {
		if err := s.Record(largeRun(len(ids), i, ids)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// otherDatabase is a valid SQLite file that is not a shoal store.
func otherDatabase(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := openDB(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE notes (text TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// newerStore is a shoal store stamped with a schema version from the future.
func newerStore(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestUnusableFileIsMovedAside(t *testing.T) {
	random := make([]byte, 8192)
	rand.New(rand.NewSource(1)).Read(random)
	real := realStore(t)
	type testCase struct {
		name   string
		data   []byte
		reason string // in the warning
	}
	run := func(t *testing.T, tc testCase) {
		path := filepath.Join(t.TempDir(), "history.db")
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, warning, err := Open(path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		for _, w := range []string{path, tc.reason, path + ".corrupt", "hint: "} {
			if !strings.Contains(warning, w) {
				t.Errorf("warning does not mention %q: %s", w, warning)
			}
		}
		if strings.Contains(warning, "\n") {
			t.Errorf("warning is not one line: %q", warning)
		}
		moved, err := os.ReadFile(path + ".corrupt")
		if err != nil || !bytes.Equal(moved, tc.data) {
			t.Errorf("the old file was not kept as it was (%v)", err)
		}
		// The fresh store works.
		if err := s.Record(runAt(0, warm("a.py::t", 2))); err != nil {
			t.Fatal(err)
		}
		if got := s.Estimates([]string{"a.py::t"})[0]; got.Seconds != 2 {
			t.Errorf("fresh store estimates %+v", got)
		}
	}
	testCases := []testCase{
		{"empty file", nil, "is empty"},
		{"random bytes", random, "is not an SQLite database"},
		{"short text", []byte("hello\n"), "is not an SQLite database"},
		{"SQLite header then random bytes", append([]byte(sqliteMagic+"\x10\x00\x01\x01"), random...), "is corrupt"},
		{"truncated copy of a store", real[:len(real)/2], "is truncated"},
		{"store cut inside its header", real[:60], "is not an SQLite database"},
		{"store with a page overwritten", overwritePage(real, 3, random), "is corrupt"},
		{"another SQLite database", otherDatabase(t), "is not a shoal history store"},
		{"newer schema version", newerStore(t), "newer shoal"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

// overwritePage returns a copy of a store with one of its pages replaced by
// junk.
func overwritePage(store []byte, page int, junk []byte) []byte {
	out := append([]byte(nil), store...)
	const size = 4096
	copy(out[page*size:(page+1)*size], junk)
	return out
}

func TestReopenKeepsHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deep", "er", "history.db")
	s, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	record(t, s, runAt(0, warm("a.py::t", 3)))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, warning, err := Open(path)
	if err != nil || warning != "" {
		t.Fatalf("reopen: %v, warning %q", err, warning)
	}
	defer s.Close()
	if got := s.Estimates([]string{"a.py::t"})[0]; got.Seconds != 3 || got.Source != Measured {
		t.Errorf("after reopening: %+v", got)
	}
	if _, err := os.Stat(path + ".corrupt"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a good store was moved aside: %v", err)
	}
}

func TestUnwritableLocation(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"parent is a file":    filepath.Join(file, ".shoal", "history.db"),
		"path is a directory": dir,
	} {
		t.Run(name, func(t *testing.T) {
			s, _, err := Open(path)
			if err == nil {
				s.Close()
				t.Fatal("no error")
			}
			var he *Error
			if !errors.As(err, &he) || he.Hint == "" {
				t.Fatalf("error without a hint: %v", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name %s: %v", path, err)
			}
			if _, serr := os.Stat(path + ".corrupt"); serr == nil {
				t.Error("an unwritable location was taken for a corrupt file")
			}
		})
	}
}

func TestReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write any file")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	s, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if s, _, err := Open(path); err == nil {
		s.Close()
		t.Fatal("no error for a read-only store")
	}
	if _, err := os.Stat(path + ".corrupt"); err == nil {
		t.Error("a read-only store was moved aside")
	}
}

func TestDefaultPath(t *testing.T) {
	if got, want := DefaultPath("/proj"), filepath.Join("/proj", ".shoal", "history.db"); got != want {
		t.Errorf("DefaultPath = %s, want %s", got, want)
	}
}
