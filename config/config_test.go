package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadValid(t *testing.T) {
	type testCase struct {
		name string
		text string
		// want changes the defaults to what the file sets; File is filled in by run.
		want func(c *Config)
	}
	run := func(t *testing.T, tc testCase) {
		path := writeFile(t, t.TempDir(), FileName, tc.text)
		got, err := Load(path)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		want := Default()
		want.File = path
		if tc.want != nil {
			tc.want(want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", *got, *want)
		}
	}
	testCases := []testCase{
		{
			name: "no table gives defaults",
			text: "[project]\nname = \"demo\"\n",
		},
		{
			name: "empty file gives defaults",
			text: "",
		},
		{
			name: "every key",
			text: "[tool.shoal]\npython = \".venv/bin/python\"\nworkers = 4\nfork = false\n",
			want: func(c *Config) { c.Python, c.Workers, c.Fork = ".venv/bin/python", "4", false },
		},
		{
			name: "timeouts",
			text: "[tool.shoal]\ntimeout = 300\nsession_timeout = 1.5\n",
			want: func(c *Config) { c.Timeout, c.SessionTimeout = 300, 1.5 },
		},
		{
			name: "no timeout",
			text: "[tool.shoal]\ntimeout = 0\n",
		},
		{
			name: "retries",
			text: "[tool.shoal]\nretries = 2\n",
			want: func(c *Config) { c.Retries = 2 },
		},
		{
			name: "workers auto",
			text: "[tool.shoal]\nworkers = \"auto\"\n",
			want: func(c *Config) { c.Workers = "auto" },
		},
		{
			name: "thread pools number",
			text: "[tool.shoal]\nthread_pools = 2\n",
			want: func(c *Config) { c.ThreadPools = "2" },
		},
		{
			name: "thread pools inherit",
			text: "[tool.shoal]\nthread_pools = \"inherit\"\n",
			want: func(c *Config) { c.ThreadPools = "inherit" },
		},
		{
			name: "other tables are not shoal's",
			text: `[project]
name = "demo"

[tool.pytest.ini_options]
addopts = "-q"

[tool.shoal]
workers = 2

[tool.other]
workers = "lots"
`,
			want: func(c *Config) { c.Workers = "2" },
		},
		{
			name: "inline table",
			text: "[tool]\nshoal = { workers = 3, fork = false }\n",
			want: func(c *Config) { c.Workers, c.Fork = "3", false },
		},
		{
			name: "dotted keys at top level",
			text: "tool.shoal.python = \"python3.12\"\n",
			want: func(c *Config) { c.Python = "python3.12" },
		},
		{
			name: "empty table",
			text: "[tool.shoal]\n",
		},
		{
			name: "markers and resources",
			text: "[tool.shoal.markers]\nisolation = \"serial\"\nxdist_group = \"group\"\n\n[tool.shoal.resources]\ndb = 2\n\"redis-1\" = 1\n",
			want: func(c *Config) {
				c.Markers = map[string]string{"isolation": "serial", "xdist_group": "group"}
				c.Locks = map[string]int{"db": 2, "redis-1": 1}
			},
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestLoadNoPath(t *testing.T) {
	got, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("got %+v, want the defaults %+v", *got, *Default())
	}
}

func TestLoadErrors(t *testing.T) {
	type testCase struct {
		name string
		text string
		// want is Error() with FILE for the file's path; with prefix, only
		// its start, for messages worded by go-toml.
		want   string
		prefix bool
		key    string
		line   int
		col    int
		hint   string // a part of the hint
	}
	run := func(t *testing.T, tc testCase) {
		path := writeFile(t, t.TempDir(), FileName, tc.text)
		c, err := Load(path)
		if err == nil {
			t.Fatalf("Load gave %+v, want an error", *c)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error is %T, want *Error: %v", err, err)
		}
		want := strings.ReplaceAll(tc.want, "FILE", path)
		if got := err.Error(); got != want && !(tc.prefix && strings.HasPrefix(got, want)) {
			t.Errorf("error\n got: %s\nwant: %s", err, want)
		}
		if e.File != path || e.Key != tc.key || e.Line != tc.line || e.Col != tc.col {
			t.Errorf("got File=%q Key=%q at %d:%d, want %q %q at %d:%d",
				e.File, e.Key, e.Line, e.Col, path, tc.key, tc.line, tc.col)
		}
		if !strings.HasPrefix(e.Hint, "hint: ") || !strings.Contains(e.Hint, tc.hint) {
			t.Errorf("hint %q, want one starting \"hint: \" and containing %q", e.Hint, tc.hint)
		}
	}
	testCases := []testCase{
		{
			name: "workers boolean",
			text: "[project]\nname = \"demo\"\n\n[tool.shoal]\npython = \"python3\"\n\nworkers = true\n",
			want: `FILE:7:11: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got a boolean`,
			key:  "workers", line: 7, col: 11, hint: "remove the key",
		},
		{
			name: "thread pools quoted number",
			text: "[tool.shoal]\nthread_pools = \"2\"\n",
			want: `FILE:2:16: [tool.shoal] thread_pools: expected an integer ≥ 1, "auto" or "inherit", got "2"`,
			key:  "thread_pools", line: 2, col: 16, hint: "write the number without quotes: thread_pools = 2",
		},
		{
			name: "thread pools zero",
			text: "[tool.shoal]\nthread_pools = 0\n",
			want: `FILE:2:16: [tool.shoal] thread_pools: expected an integer ≥ 1, "auto" or "inherit", got 0`,
			key:  "thread_pools", line: 2, col: 16, hint: "remove the key",
		},
		{
			name: "workers zero",
			text: "[tool.shoal]\nworkers = 0\n",
			want: `FILE:2:11: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got 0`,
			key:  "workers", line: 2, col: 11, hint: "remove the key",
		},
		{
			name: "workers negative",
			text: "[tool.shoal]\nworkers = -2\n",
			want: `FILE:2:11: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got -2`,
			key:  "workers", line: 2, col: 11, hint: "remove the key",
		},
		{
			name: "workers quoted number",
			text: "[tool.shoal]\nworkers = \"8\"\n",
			want: `FILE:2:11: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got "8"`,
			key:  "workers", line: 2, col: 11, hint: "workers = 8",
		},
		{
			name: "workers float",
			text: "[tool.shoal]\nworkers = 2.5\n",
			want: `FILE:2:11: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got a float`,
			key:  "workers", line: 2, col: 11, hint: "remove the key",
		},
		{
			name: "workers other string",
			text: "[tool.shoal]\n  workers   =   \"all\"\n",
			want: `FILE:2:17: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got "all"`,
			key:  "workers", line: 2, col: 17, hint: "remove the key",
		},
		{
			name: "python not a string",
			text: "[tool.shoal]\npython = 3\n",
			want: `FILE:2:10: [tool.shoal] python: expected a path or command name such as "python3.12", got 3`,
			key:  "python", line: 2, col: 10, hint: "remove the key",
		},
		{
			name: "python empty",
			text: "[tool.shoal]\npython = ''\n",
			want: `FILE:2:10: [tool.shoal] python: expected a path or command name such as "python3.12", got ""`,
			key:  "python", line: 2, col: 10, hint: "remove the key",
		},
		{
			name: "fork not a boolean",
			text: "[tool.shoal]\nfork = \"yes\"\n",
			want: `FILE:2:8: [tool.shoal] fork: expected true or false, got "yes"`,
			key:  "fork", line: 2, col: 8, hint: "remove the key",
		},
		{
			name: "fork an array",
			text: "[tool.shoal]\nfork = [true]\n",
			want: `FILE:2:8: [tool.shoal] fork: expected true or false, got an array`,
			key:  "fork", line: 2, col: 8, hint: "remove the key",
		},
		{
			name: "unknown key",
			text: "[tool.shoal]\nworkers = 2\nnumprocesses = 4\n",
			want: `FILE:3:1: [tool.shoal] numprocesses: unknown key; known keys are python, workers, fork, thread_pools, timeout, session_timeout, retries, markers, resources, ports, database, services`,
			key:  "numprocesses", line: 3, col: 1, hint: "spelling",
		},
		{
			name: "resource limit zero",
			text: "[tool.shoal.resources]\ndb = 0\n",
			want: `FILE:2:6: [tool.shoal] resources.db: expected the number of tests holding the key that may run at once, an integer ≥ 1, got 0`,
			key:  "resources.db", line: 2, col: 6, hint: "remove the key",
		},
		{
			name: "resources not a table",
			text: "[tool.shoal]\nresources = 3\n",
			want: `FILE:2:13: [tool.shoal] resources: expected a table, got 3`,
			key:  "resources", line: 2, col: 13, hint: "remove the key",
		},
		{
			name: "marker name with a dash",
			text: "[tool.shoal.markers]\nisolation = \"run-alone\"\n",
			want: `FILE:2:13: [tool.shoal] markers.isolation: expected a marker name such as "serial" (letters, digits, _), got "run-alone"`,
			key:  "markers.isolation", line: 2, col: 13, hint: "remove the key",
		},
		{
			name: "unknown marker role",
			text: "[tool.shoal.markers]\nslow = \"slow\"\n",
			want: `FILE:2:1: [tool.shoal] markers.slow: unknown key; known keys are isolation, resource, heavy, xdist_group`,
			key:  "markers.slow", line: 2, col: 1, hint: "spelling",
		},
		{
			name: "first error in file order",
			text: "[tool.shoal]\nzzz = 1\nfork = 1\naaa = 2\n",
			want: `FILE:2:1: [tool.shoal] zzz: unknown key; known keys are python, workers, fork, thread_pools, timeout, session_timeout, retries, markers, resources, ports, database, services`,
			key:  "zzz", line: 2, col: 1, hint: "spelling",
		},
		{
			name: "retries quoted",
			text: "[tool.shoal]\nretries = \"2\"\n",
			want: `FILE:2:11: [tool.shoal] retries: expected an integer from 0 to 100, got "2"`,
			key:  "retries", line: 2, col: 11, hint: "retries = 2",
		},
		{
			name: "retries negative",
			text: "[tool.shoal]\nretries = -1\n",
			want: `FILE:2:11: [tool.shoal] retries: expected an integer from 0 to 100, got -1`,
			key:  "retries", line: 2, col: 11, hint: "remove the key",
		},
		{
			name: "timeout quoted",
			text: "[tool.shoal]\ntimeout = \"5m\"\n",
			want: `FILE:2:11: [tool.shoal] timeout: expected a number of seconds ≥ 0 (0: no limit), got "5m"`,
			key:  "timeout", line: 2, col: 11, hint: "timeout = 300",
		},
		{
			name: "session timeout negative",
			text: "[tool.shoal]\nsession_timeout = -1\n",
			want: `FILE:2:19: [tool.shoal] session_timeout: expected a number of seconds ≥ 0 (0: no limit), got -1`,
			key:  "session_timeout", line: 2, col: 19, hint: "remove the key",
		},
		{
			name: "timeout infinite",
			text: "[tool.shoal]\ntimeout = inf\n",
			want: `FILE:2:11: [tool.shoal] timeout: expected a number of seconds ≥ 0 (0: no limit), got a float`,
			key:  "timeout", line: 2, col: 11, hint: "remove the key",
		},
		{
			name: "timeout a boolean",
			text: "[tool.shoal]\ntimeout = true\n",
			want: `FILE:2:11: [tool.shoal] timeout: expected a number of seconds ≥ 0 (0: no limit), got a boolean`,
			key:  "timeout", line: 2, col: 11, hint: "remove the key",
		},
		{
			name: "key in an inline table",
			text: "[tool]\nshoal = { fork = true, workers = false }\n",
			want: `FILE:2:34: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got a boolean`,
			key:  "workers", line: 2, col: 34, hint: "remove the key",
		},
		{
			name: "quoted key",
			text: "[tool.shoal]\n\"workers\" = true\n",
			want: `FILE:2:13: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got a boolean`,
			key:  "workers", line: 2, col: 13, hint: "remove the key",
		},
		{
			name: "spaced dotted key",
			text: "tool . shoal . workers=true\n",
			want: `FILE:1:24: [tool.shoal] workers: expected an integer ≥ 1 or "auto", got a boolean`,
			key:  "workers", line: 1, col: 24, hint: "remove the key",
		},
		{
			name: "table is not a table",
			text: "[tool]\nshoal = 3\n",
			want: `FILE:2:9: [tool.shoal] must be a table, got 3`,
			line: 2, col: 9, hint: "fix the value",
		},
		{
			name: "unparsable file",
			text: "[project]\nname = \"demo\"\n[tool.shoal\nworkers = 2\n",
			want: `FILE:3:12: invalid TOML: `, prefix: true,
			line: 3, col: 12, hint: "TOML syntax",
		},
		{
			name: "duplicate key",
			text: "[tool.shoal]\nworkers = 2\nworkers = 3\n",
			want: `FILE:3:1: invalid TOML: `, prefix: true,
			line: 3, col: 1, hint: "TOML syntax",
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestLoadUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an *Error wrapping fs.ErrNotExist", err)
	}
	if e.File != path || !strings.HasPrefix(err.Error(), path+": cannot read the file: ") {
		t.Errorf("error %q does not name the file first", err)
	}
}

// TestNestedTable checks the path a later nested table such as
// [tool.shoal.resources] will take, with settings made up for the test.
func TestNestedTable(t *testing.T) {
	known := []setting{
		{key: "fork", set: setFork},
		{key: "resources", sub: []setting{{key: "workers", set: countOr("workers", func(c *Config) *string { return &c.Workers }, "auto")}}},
	}
	type testCase struct {
		name string
		text string
		want string // Error() with FILE for the path; "" for success
	}
	run := func(t *testing.T, tc testCase) {
		c := Default()
		err := decode(c, "FILE", []byte(tc.text), known)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("error\n got: %s\nwant: %s", got, tc.want)
		}
	}
	testCases := []testCase{
		{
			name: "valid",
			text: "[tool.shoal]\nfork = true\n[tool.shoal.resources]\nworkers = 2\n",
		},
		{
			name: "bad value in nested table",
			text: "[tool.shoal]\nfork = true\n[tool.shoal.resources]\nworkers = 0\n",
			want: `FILE:4:11: [tool.shoal] resources.workers: expected an integer ≥ 1 or "auto", got 0`,
		},
		{
			name: "dotted key into nested table",
			text: "[tool.shoal]\nresources.gpu = 1\n",
			want: `FILE:2:11: [tool.shoal] resources.gpu: unknown key; known keys are workers`,
		},
		{
			name: "nested key not a table",
			text: "[tool.shoal]\nresources = 4\n",
			want: `FILE:2:13: [tool.shoal] resources: expected a table, got 4`,
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "proj/pyproject.toml", "")
	writeFile(t, root, "proj/sub/deep/.keep", "")
	writeFile(t, root, "proj/nested/pyproject.toml", "")
	// A directory with the name is not the file.
	if err := os.MkdirAll(filepath.Join(root, "proj/dirnamed/pyproject.toml"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Above the temp dir there should be no pyproject.toml, but whatever is
	// there is what a start with none below it must find.
	above, err := Find(filepath.Dir(root))
	if err != nil {
		t.Fatal(err)
	}

	type testCase struct {
		name  string
		start string // relative to root
		want  string // relative to root; "" means whatever is above root
	}
	run := func(t *testing.T, tc testCase) {
		got, err := Find(filepath.Join(root, tc.start))
		if err != nil {
			t.Fatal(err)
		}
		want := above
		if tc.want != "" {
			want = filepath.Join(root, tc.want)
		}
		if got != want {
			t.Errorf("Find(%s) = %q, want %q", tc.start, got, want)
		}
	}
	testCases := []testCase{
		{name: "in the directory", start: "proj", want: "proj/pyproject.toml"},
		{name: "walks up", start: "proj/sub/deep", want: "proj/pyproject.toml"},
		{name: "nearest wins", start: "proj/nested", want: "proj/nested/pyproject.toml"},
		{name: "skips a directory of that name", start: "proj/dirnamed", want: "proj/pyproject.toml"},
		{name: "none", start: "."},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestFindRelative(t *testing.T) {
	root := t.TempDir()
	want := writeFile(t, root, FileName, "")
	writeFile(t, root, "a/.keep", "")
	t.Chdir(filepath.Join(root, "a"))
	got, err := Find(".")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Find(.) = %q, want the absolute %q", got, want)
	}
}
