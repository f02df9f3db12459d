// Package footprint holds what each test touched while it ran, as shoal
// audit traces it, in the JSON form that other commands read.
//
// The plugin's trace mode writes one JSON object per test to a file per
// worker (see plugin/shoal_plugin/trace.py); ReadTrace turns those into
// Tests. shoal audit keeps the result in .shoal/footprints.json under the
// rootdir (DefaultPath), which Write and Read handle:
//
//	{"version": 1, "tests": [{
//	  "nodeid": "tests/test_api.py::test_serve",
//	  "worker": "gw1", "start": 1733328000.12, "stop": 1733328000.34,
//	  "files": [{"path": "/tmp/app.sock", "ops": ["bind"], "at": "tests/test_api.py:14"}],
//	  "ports": [{"op": "bind", "proto": "tcp", "port": 8080, "host": "127.0.0.1", "at": "…"}],
//	  "tables": [{"database": "localhost:5432/app", "table": "users", "access": "write", "at": "…"}],
//	  "env": [{"name": "APP_MODE", "restored": true, "at": "…"}],
//	  "cwd": {"restored": false, "at": "…"},
//	  "processes": [{"command": "redis-server --port 6400", "at": "…"}],
//	  "leaks": [{"kind": "env", "what": "APP_MODE"}, {"kind": "thread", "what": "Thread-3 (serve)", "by": ["server"]}],
//	  "private": {"tmp_path": 4, "own port": 1},
//	  "fixtures": ["server"],
//	  "sites": [{"path": "/src/app/tests/test_api.py", "scope": "function", "line": 12, …}]
//	}]}
//
// Paths are absolute. Only what is shared is listed: files under the
// worker's own directories (tmp_path, worker_tmp_path, its TMPDIR) and
// ports of its own block are only counted in "private". "ops" are read,
// list (a directory listed), write, mkdir, remove (also a rename's source
// and shutil.rmtree), chmod (also chown, utime), sqlite (a SQLite database
// opened), bind and connect (a Unix socket). Ports are those bound or
// connected to other than port 0 and the worker's own block. Tables come
// from the statements sent through psycopg2 to databases other than the
// worker's own; "access" is read or write (DDL counts as a write). "at" is
// the nearest line of the project on the stack when it happened, else the
// nearest outside the standard library; "" where the hook could not see
// one. "env" lists variables set or removed and whether the test put them
// back; "leaks" is what it left changed in its worker (kind env, cwd,
// module, sys, thread or process; "by" names the module, class or session
// fixtures set up or torn down in the same test, which may be the cause).
// "fixtures" are the non-function fixtures whose set-up footprint is
// included. "sites" says where the test's isolation marker is written, for
// --fix. "error", where present, says why the tracer could not follow the
// test (its outcome is not affected); nothing else is known of it then.
package footprint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Version is the version of the file format Write writes.
const Version = 1

// Test is what one test touched.
type Test struct {
	NodeID    string         `json:"nodeid"`
	Worker    string         `json:"worker,omitempty"`
	Start     float64        `json:"start,omitempty"`
	Stop      float64        `json:"stop,omitempty"`
	Files     []File         `json:"files,omitempty"`
	Ports     []Port         `json:"ports,omitempty"`
	Tables    []Table        `json:"tables,omitempty"`
	Env       []Env          `json:"env,omitempty"`
	Cwd       *Cwd           `json:"cwd,omitempty"`
	Processes []Process      `json:"processes,omitempty"`
	Leaks     []Leak         `json:"leaks,omitempty"`
	Private   map[string]int `json:"private,omitempty"`
	Fixtures  []string       `json:"fixtures,omitempty"`
	Sites     []Site         `json:"sites,omitempty"`
	// Error says why the trace of this test is incomplete; the rest is
	// then empty.
	Error string `json:"error,omitempty"`
}

// File is one path a test used.
type File struct {
	Path string   `json:"path"`
	Ops  []string `json:"ops"`
	At   string   `json:"at"`
}

// Port is one port a test bound or connected to.
type Port struct {
	Op    string `json:"op"` // bind or connect
	Proto string `json:"proto"`
	Port  int    `json:"port"`
	Host  string `json:"host"`
	At    string `json:"at"`
}

// Table is one database table a test read or wrote.
type Table struct {
	Database string `json:"database"`
	Table    string `json:"table"`
	Access   string `json:"access"` // read or write
	At       string `json:"at"`
}

// Env is one environment variable a test set or removed.
type Env struct {
	Name     string `json:"name"`
	Restored bool   `json:"restored"`
	At       string `json:"at"`
}

// Cwd says that a test changed the working directory.
type Cwd struct {
	Restored bool   `json:"restored"`
	At       string `json:"at"`
}

// Process is a program a test started.
type Process struct {
	Command string `json:"command"`
	At      string `json:"at"`
}

// Leak is process state a test left changed.
type Leak struct {
	Kind string   `json:"kind"`
	What string   `json:"what"`
	By   []string `json:"by,omitempty"`
}

// Site is where an isolation marker of the test is written. Lines count
// from 1, columns are byte offsets in the line, as Python's ast gives them;
// the span is the decorator's expression, without its "@". NameEnd is
// where the marker's name ends (its call's "(" would follow). Keys are its
// arguments; nil for one that is not a plain string. Scope is function,
// class, or elsewhere (pytestmark, pytest.param), which only has Path.
type Site struct {
	Path    string    `json:"path"`
	Scope   string    `json:"scope"`
	Line    int       `json:"line,omitempty"`
	Col     int       `json:"col,omitempty"`
	EndLine int       `json:"end_line,omitempty"`
	EndCol  int       `json:"end_col,omitempty"`
	NameEnd [2]int    `json:"name_end,omitempty"`
	Keys    []*string `json:"keys,omitempty"`
}

// File is the footprints file.
type file struct {
	Version int     `json:"version"`
	Tests   []*Test `json:"tests"`
}

// DefaultPath is where shoal audit keeps the footprints of the suite under rootdir.
func DefaultPath(rootdir string) string {
	return filepath.Join(rootdir, ".shoal", "footprints.json")
}

// Write writes tests to path, replacing what was there.
func Write(path string, tests []*Test) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot write footprints: %w", err)
	}
	data, err := json.MarshalIndent(file{Version: Version, Tests: tests}, "", " ")
	if err != nil {
		return fmt.Errorf("cannot write footprints: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write footprints: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cannot write footprints: %w", err)
	}
	return nil
}

// Read reads a footprints file that Write wrote.
func Read(path string) ([]*Test, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read footprints: %w", err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("cannot read footprints %s: %w", path, err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("footprints %s have version %d; this shoal reads version %d: run shoal audit again", path, f.Version, Version)
	}
	return f.Tests, nil
}
