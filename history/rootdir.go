package history

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// rootdirFiles are the files that make a directory pytest's rootdir, in the
// order pytest looks for them in each directory, with what each must hold.
var rootdirFiles = []struct {
	name  string
	match func(data []byte) bool
}{
	{"pytest.ini", func([]byte) bool { return true }},
	{".pytest.ini", func([]byte) bool { return true }},
	{"pyproject.toml", hasPytestTable},
	{"tox.ini", hasSection("pytest")},
	{"setup.cfg", hasSection("tool:pytest")},
}

// FindRootdir returns the directory pytest takes as its rootdir when run
// without arguments in dir: the nearest of dir and its parents holding
// pytest.ini, .pytest.ini, a pyproject.toml with [tool.pytest.ini_options],
// a tox.ini with [pytest] or a setup.cfg with [tool:pytest]; else dir
// itself. The result is absolute.
func FindRootdir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, f := range rootdirFiles {
			data, err := os.ReadFile(filepath.Join(d, f.name))
			if err == nil && f.match(data) {
				return d
			}
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// hasPytestTable reports whether a pyproject.toml configures pytest. One
// that does not parse does not: pytest itself will say what is wrong.
func hasPytestTable(data []byte) bool {
	var doc struct {
		Tool struct {
			Pytest struct {
				IniOptions map[string]any `toml:"ini_options"`
			} `toml:"pytest"`
		} `toml:"tool"`
	}
	return toml.Unmarshal(data, &doc) == nil && doc.Tool.Pytest.IniOptions != nil
}

// hasSection returns a matcher for an INI file with a [name] section.
func hasSection(name string) func([]byte) bool {
	header := "[" + name + "]"
	return func(data []byte) bool {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == header {
				return true
			}
		}
		return false
	}
}
