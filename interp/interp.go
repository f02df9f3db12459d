// Package interp chooses the Python interpreter that runs pytest and checks
// that it can import pytest, so a wrong choice fails early with a message
// that says where the choice came from.
package interp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Choice is an interpreter and where it was chosen from.
type Choice struct {
	Path string // absolute
	// Source says in words where Path came from: "--python", "SHOAL_PYTHON",
	// "[tool.shoal] python in <file>", "VIRTUAL_ENV", ".venv" or
	// "python3 on PATH".
	Source string
}

// pythonHint lists every way to choose an interpreter; each hint that says
// to choose another one ends with it.
const pythonHint = `shoal run --python /path/to/python, SHOAL_PYTHON=/path/to/python, or python = "/path/to/python" under [tool.shoal] in pyproject.toml`

// Choose picks the interpreter, first match wins: the --python flag, then
// SHOAL_PYTHON, then [tool.shoal] python (configPython, read from
// configFile), then the active virtualenv, then projectDir/.venv, then
// python3 on PATH. getenv stands in for os.Getenv.
//
// An explicit choice (the first three) that does not exist is an error rather
// than a reason to fall through: running some other interpreter would hide
// the mistake. A value without a slash is a command name looked up on PATH.
func Choose(flag string, getenv func(string) string, configPython, configFile, projectDir string) (Choice, error) {
	path := getenv("PATH")
	explicit := []struct {
		value, source, base string
	}{
		{flag, "--python", ""},
		{getenv("SHOAL_PYTHON"), "SHOAL_PYTHON", ""},
		{configPython, fmt.Sprintf("[tool.shoal] python in %s", configFile), filepath.Dir(configFile)},
	}
	for _, e := range explicit {
		if e.value != "" {
			return resolve(e.value, e.source, e.base, path)
		}
	}
	// Unix layout only: shoal talks to workers over Unix sockets.
	if venv := getenv("VIRTUAL_ENV"); venv != "" {
		if p := filepath.Join(venv, "bin", "python"); isExecutable(p) {
			return Choice{Path: abs(p), Source: "VIRTUAL_ENV"}, nil
		}
	}
	if projectDir != "" {
		if p := filepath.Join(projectDir, ".venv", "bin", "python"); isExecutable(p) {
			return Choice{Path: abs(p), Source: ".venv"}, nil
		}
	}
	if p, ok := lookPath("python3", path); ok {
		return Choice{Path: p, Source: "python3 on PATH"}, nil
	}
	tried := "--python, SHOAL_PYTHON, [tool.shoal] python, VIRTUAL_ENV, "
	if projectDir != "" {
		tried += filepath.Join(projectDir, ".venv") + ", "
	}
	return Choice{}, &Error{
		Op:   "no Python interpreter found",
		Err:  fmt.Errorf("tried %spython3 on PATH", tried),
		Hint: "hint: install Python 3 with pytest, or choose an interpreter: " + pythonHint,
	}
}

// resolve turns an explicit value into a path: a command name through PATH,
// a relative path against base (the config file's directory) or the working
// directory.
func resolve(value, source, base, pathEnv string) (Choice, error) {
	c := Choice{Path: value, Source: source}
	if !strings.ContainsRune(value, filepath.Separator) {
		p, ok := lookPath(value, pathEnv)
		if !ok {
			return Choice{}, notFound(c, fmt.Errorf("no executable %s on PATH", value))
		}
		c.Path = p
		return c, nil
	}
	if !filepath.IsAbs(value) && base != "" {
		value = filepath.Join(base, value)
	}
	c.Path = abs(value)
	if err := usable(c.Path); err != nil {
		return Choice{}, notFound(c, err)
	}
	return c, nil
}

func notFound(c Choice, err error) *Error {
	return &Error{Op: "cannot find interpreter", Python: c.Path, Source: c.Source, Err: err,
		Hint: "hint: check the path, or choose another interpreter: " + pythonHint}
}

// abs makes a path absolute so it still holds after a chdir. It does not
// resolve symlinks: a virtualenv's python is a symlink to the base
// interpreter, and following it would leave the virtualenv behind.
func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// usable says why path cannot be run, or nil.
func usable(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file")
	case err != nil:
		return err
	case info.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case info.Mode()&0o111 == 0:
		return fmt.Errorf("%s is not executable (mode %v)", path, info.Mode().Perm())
	}
	return nil
}

func isExecutable(path string) bool { return usable(path) == nil }

// lookPath finds a command on the given PATH rather than the process's, so
// that Choose depends only on its arguments. Like os/exec it will not find a
// command through an empty or relative entry, which points into whatever the
// working directory is and could run a file planted there.
func lookPath(name, pathEnv string) (string, bool) {
	for _, dir := range filepath.SplitList(pathEnv) {
		if !filepath.IsAbs(dir) {
			continue
		}
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, true
		}
	}
	return "", false
}
