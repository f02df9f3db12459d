package history

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindRootdir(t *testing.T) {
	type testCase struct {
		name  string
		files map[string]string // path under the temporary directory → content
		start string            // where FindRootdir starts, under the temporary directory
		want  string            // expected rootdir, under the temporary directory
	}
	run := func(t *testing.T, tc testCase) {
		base := t.TempDir()
		for path, text := range tc.files {
			full := filepath.Join(base, path)
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		start := filepath.Join(base, tc.start)
		if err := os.MkdirAll(start, 0o755); err != nil {
			t.Fatal(err)
		}
		if got, want := FindRootdir(start), filepath.Join(base, tc.want); got != want {
			t.Errorf("FindRootdir(%s) = %s, want %s", start, got, want)
		}
	}
	testCases := []testCase{
		{
			name:  "no configuration: the start directory",
			files: map[string]string{"proj/tests/test_a.py": ""},
			start: "proj/tests", want: "proj/tests",
		},
		{
			name:  "empty pytest.ini counts",
			files: map[string]string{"proj/pytest.ini": ""},
			start: "proj/tests/unit", want: "proj",
		},
		{
			name:  ".pytest.ini counts",
			files: map[string]string{"proj/.pytest.ini": "[pytest]\n"},
			start: "proj/tests", want: "proj",
		},
		{
			name:  "pyproject.toml with the pytest table",
			files: map[string]string{"proj/pyproject.toml": "[project]\nname = \"x\"\n\n[tool.pytest.ini_options]\naddopts = \"-q\"\n"},
			start: "proj/tests", want: "proj",
		},
		{
			name:  "empty pytest table counts",
			files: map[string]string{"proj/pyproject.toml": "[tool.pytest.ini_options]\n"},
			start: "proj", want: "proj",
		},
		{
			name: "pyproject.toml without the pytest table is passed over",
			files: map[string]string{
				"proj/sub/pyproject.toml": "[tool.shoal]\nworkers = 2\n",
				"proj/tox.ini":            "[tox]\nenvlist = py3\n\n[pytest]\naddopts = -q\n",
			},
			start: "proj/sub", want: "proj",
		},
		{
			name:  "invalid pyproject.toml is passed over",
			files: map[string]string{"proj/pyproject.toml": "[tool.pytest.ini_options\n"},
			start: "proj", want: "proj",
		},
		{
			name:  "tox.ini without [pytest] is passed over",
			files: map[string]string{"proj/tox.ini": "[tox]\n", "pytest.ini": ""},
			start: "proj", want: "",
		},
		{
			name:  "setup.cfg with [tool:pytest]",
			files: map[string]string{"proj/setup.cfg": "[metadata]\nname = x\n\n  [tool:pytest]  \ntestpaths = tests\n"},
			start: "proj/tests", want: "proj",
		},
		{
			name:  "setup.cfg with only [pytest] is passed over",
			files: map[string]string{"proj/setup.cfg": "[pytest]\n"},
			start: "proj", want: "proj",
		},
		{
			name: "the nearest directory wins",
			files: map[string]string{
				"pytest.ini":          "",
				"proj/inner/tox.ini":  "[pytest]\n",
				"proj/inner/a/b/x.py": "",
			},
			start: "proj/inner/a/b", want: "proj/inner",
		},
		{
			name: "pytest.ini before pyproject.toml in one directory",
			files: map[string]string{
				"proj/pytest.ini":     "",
				"proj/pyproject.toml": "[tool.pytest.ini_options]\n",
			},
			start: "proj", want: "proj",
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestFindRootdirRelative(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	got := FindRootdir(".")
	// The temporary directory may sit under a symbolic link.
	if !filepath.IsAbs(got) || !sameDir(t, got, dir) {
		t.Errorf("FindRootdir(.) = %s, want %s", got, dir)
	}
}

func sameDir(t *testing.T, a, b string) bool {
	t.Helper()
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
