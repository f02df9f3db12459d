package interp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// write makes a file under root, executable when mode says so.
func write(t *testing.T, root, name, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(root, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestChoose(t *testing.T) {
	root := t.TempDir()
	const sh = "#!/bin/sh\n"
	for _, name := range []string{
		"bin/python3", "other/python3.12", "venv/bin/python", "proj/.venv/bin/python",
		"proj/tools/py", "rel/python3", "emptyvenv/bin/.keep",
	} {
		write(t, root, name, sh, 0o755)
	}
	write(t, root, "noexec/python3", sh, 0o644)
	if err := os.Mkdir(filepath.Join(root, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	at := func(name string) string { return filepath.Join(root, name) }
	configFile := at("proj/pyproject.toml")
	fromConfig := "[tool.shoal] python in " + configFile
	pathEnv := at("other") + string(filepath.ListSeparator) + at("bin")
	// The working directory is root, so relative paths and PATH entries
	// would find root/rel/python3 if they were used.
	t.Chdir(root)

	type testCase struct {
		name         string
		flag         string
		env          map[string]string
		configPython string
		projectDir   string
		want         Choice
		wantErr      string // Error(), with ROOT for root; "" for success
	}
	run := func(t *testing.T, tc testCase) {
		getenv := func(k string) string { return tc.env[k] }
		got, err := Choose(tc.flag, getenv, tc.configPython, configFile, tc.projectDir)
		if tc.wantErr != "" {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %+v, %v; want an *Error", got, err)
			}
			if want := strings.ReplaceAll(tc.wantErr, "ROOT", root); err.Error() != want {
				t.Errorf("error\n got: %s\nwant: %s", err, want)
			}
			if !strings.HasPrefix(e.Hint, "hint: ") || !strings.Contains(e.Hint, "--python") {
				t.Errorf("hint %q does not say how to choose", e.Hint)
			}
			return
		}
		if err != nil {
			t.Fatalf("Choose: %v", err)
		}
		if got != tc.want {
			t.Errorf("got %+v, want %+v", got, tc.want)
		}
	}
	all := map[string]string{"PATH": pathEnv, "SHOAL_PYTHON": at("other/python3.12"), "VIRTUAL_ENV": at("venv")}
	testCases := []testCase{
		{
			name: "flag wins", flag: at("bin/python3"), env: all, configPython: "tools/py", projectDir: at("proj"),
			want: Choice{Path: at("bin/python3"), Source: "--python"},
		},
		{
			name: "flag command name is looked up on PATH", flag: "python3.12", env: all,
			want: Choice{Path: at("other/python3.12"), Source: "--python"},
		},
		{
			name: "flag relative path is from the working directory", flag: "rel/python3", env: all,
			want: Choice{Path: at("rel/python3"), Source: "--python"},
		},
		{
			name: "flag missing does not fall through", flag: at("nope/python"), env: all, projectDir: at("proj"),
			wantErr: "cannot find interpreter ROOT/nope/python (--python): no such file",
		},
		{
			name: "flag command not on PATH", flag: "python9", env: all,
			wantErr: "cannot find interpreter python9 (--python): no executable python9 on PATH",
		},
		{
			name: "flag not executable", flag: at("noexec/python3"), env: all,
			wantErr: "cannot find interpreter ROOT/noexec/python3 (--python): ROOT/noexec/python3 is not executable (mode -rw-r--r--)",
		},
		{
			name: "flag a directory", flag: at("adir"), env: all,
			wantErr: "cannot find interpreter ROOT/adir (--python): ROOT/adir is a directory",
		},
		{
			name: "SHOAL_PYTHON before config", env: all, configPython: "tools/py",
			want: Choice{Path: at("other/python3.12"), Source: "SHOAL_PYTHON"},
		},
		{
			name: "config relative to its file", env: map[string]string{"PATH": pathEnv, "VIRTUAL_ENV": at("venv")},
			configPython: "tools/py", projectDir: at("proj"),
			want: Choice{Path: at("proj/tools/py"), Source: fromConfig},
		},
		{
			name: "config dot-relative", env: map[string]string{"PATH": pathEnv},
			configPython: "./.venv/bin/python",
			want:         Choice{Path: at("proj/.venv/bin/python"), Source: fromConfig},
		},
		{
			name: "config command name", env: map[string]string{"PATH": pathEnv},
			configPython: "python3.12",
			want:         Choice{Path: at("other/python3.12"), Source: fromConfig},
		},
		{
			name: "config missing", env: map[string]string{"PATH": pathEnv},
			configPython: "missing/python",
			wantErr:      "cannot find interpreter ROOT/proj/missing/python ([tool.shoal] python in ROOT/proj/pyproject.toml): no such file",
		},
		{
			name: "VIRTUAL_ENV before .venv", env: map[string]string{"PATH": pathEnv, "VIRTUAL_ENV": at("venv")},
			projectDir: at("proj"),
			want:       Choice{Path: at("venv/bin/python"), Source: "VIRTUAL_ENV"},
		},
		{
			name: "VIRTUAL_ENV without python is skipped", env: map[string]string{"PATH": pathEnv, "VIRTUAL_ENV": at("emptyvenv")},
			projectDir: at("proj"),
			want:       Choice{Path: at("proj/.venv/bin/python"), Source: ".venv"},
		},
		{
			name: ".venv", env: map[string]string{"PATH": pathEnv}, projectDir: at("proj"),
			want: Choice{Path: at("proj/.venv/bin/python"), Source: ".venv"},
		},
		{
			name: "python3 on PATH", env: map[string]string{"PATH": pathEnv}, projectDir: at("other"),
			want: Choice{Path: at("bin/python3"), Source: "python3 on PATH"},
		},
		{
			name: "PATH skips empty and relative entries",
			env:  map[string]string{"PATH": strings.Join([]string{"", ".", "rel", at("noexec"), at("bin")}, string(filepath.ListSeparator))},
			want: Choice{Path: at("bin/python3"), Source: "python3 on PATH"},
		},
		{
			name: "nothing found", env: map[string]string{"PATH": at("other")}, projectDir: at("other"),
			wantErr: "no Python interpreter found: tried --python, SHOAL_PYTHON, [tool.shoal] python, VIRTUAL_ENV, ROOT/other/.venv, python3 on PATH",
		},
		{
			name: "nothing found without a project", env: map[string]string{},
			wantErr: "no Python interpreter found: tried --python, SHOAL_PYTHON, [tool.shoal] python, VIRTUAL_ENV, python3 on PATH",
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
