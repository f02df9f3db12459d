// Package cmdline splits a command line between shoal and pytest. pytest's
// options are not listed by hand: the interpreter's pytest is asked once for
// its parser's option table (pytest's own options and those of every plugin
// it loads at start-up), and the answer is kept until the interpreter or its
// installed packages change.
package cmdline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Arity is how many arguments an option takes after it.
type Arity int

const (
	// Unknown: an option pytest's table does not list (a conftest.py's own,
	// or a plugin loaded with -p); it goes to pytest as it is.
	Unknown  Arity = iota
	Flag           // no value
	Value          // exactly one value
	Optional       // one value if the next argument is no option (nargs="?")
	Many           // values up to the next option (nargs="*" or "+")
)

// Table is pytest's option table: each option string (-k, --tb) and what it takes.
type Table map[string]Arity

// tableScript prints pytest's option table and the directories whose
// contents decide it. pytest_addoption is a historic hook, so every plugin
// registered by the entry points below adds its options to the parser.
const tableScript = `
import json, os, sys
from _pytest.config import get_config
config = get_config()
pm = config.pluginmanager
if not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
    pm.load_setuptools_entrypoints("pytest11")
pm.consider_env()
kinds = {}
for action in config._parser._getparser()._actions:
    n = action.nargs
    kind = "flag" if n == 0 else "value" if n in (None, 1) else "optional" if n == "?" else "many"
    for name in action.option_strings:
        kinds[name] = kind
print(json.dumps({"options": kinds, "paths": [p for p in sys.path if p and os.path.isdir(p)]}))
`

// cached is the table as kept on disk, with what it was computed from.
type cached struct {
	Python  string               `json:"python"`
	Stamp   string               `json:"stamp"`
	Options map[string]string    `json:"options"`
	Paths   map[string]time.Time `json:"paths"`
}

// Load returns the option table of python's pytest, from cacheDir when the
// interpreter, the directories on its sys.path and the environment
// variables that choose plugins are as they were; else it asks python
// (about a second) and keeps the answer.
func Load(ctx context.Context, python, cacheDir string) (Table, error) {
	stamp, err := interpreterStamp(python)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(cacheDir, "options-"+key(python, stamp)+".json")
	if c, err := readCache(file); err == nil && c.fresh(python, stamp) {
		return c.table(), nil
	}
	c, err := ask(ctx, python)
	if err != nil {
		return nil, err
	}
	c.Python, c.Stamp = python, stamp
	if data, err := json.Marshal(c); err == nil && os.MkdirAll(cacheDir, 0o755) == nil {
		tmp := file + fmt.Sprintf(".%d", os.Getpid())
		if os.WriteFile(tmp, data, 0o644) == nil {
			_ = os.Rename(tmp, file)
		}
	}
	return c.table(), nil
}

// interpreterStamp changes when the interpreter file is replaced.
func interpreterStamp(python string) (string, error) {
	path, err := exec.LookPath(python)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %d %d", path, st.Size(), st.ModTime().UnixNano()), nil
}

// key names the cache file of one interpreter under one plugin environment.
func key(python, stamp string) string {
	h := sha256.New()
	for _, s := range []string{python, stamp, os.Getenv("PYTEST_PLUGINS"), os.Getenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")} {
		h.Write([]byte(s + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func readCache(file string) (*cached, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	c := &cached{}
	return c, json.Unmarshal(data, c)
}

// fresh: nothing was installed or removed since (a package's install adds
// or renames an entry of its site-packages directory, which changes the
// directory's modification time).
func (c *cached) fresh(python, stamp string) bool {
	if c.Python != python || c.Stamp != stamp || len(c.Options) == 0 {
		return false
	}
	for dir, mtime := range c.Paths {
		st, err := os.Stat(dir)
		if err != nil || !st.ModTime().Equal(mtime) {
			return false
		}
	}
	return true
}

func ask(ctx context.Context, python string) (*cached, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", tableScript)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("cannot read pytest's options from %s: %w: %s", python, err, strings.TrimSpace(stderr.String()))
	}
	var answer struct {
		Options map[string]string `json:"options"`
		Paths   []string          `json:"paths"`
	}
	if err := json.Unmarshal(out, &answer); err != nil {
		return nil, fmt.Errorf("cannot read pytest's options from %s: %w", python, err)
	}
	c := &cached{Options: answer.Options, Paths: map[string]time.Time{}}
	for _, dir := range answer.Paths {
		if st, err := os.Stat(dir); err == nil {
			c.Paths[dir] = st.ModTime()
		}
	}
	return c, nil
}

func (c *cached) table() Table {
	arity := map[string]Arity{"flag": Flag, "value": Value, "optional": Optional, "many": Many}
	t := Table{}
	for name, kind := range c.Options {
		t[name] = arity[kind]
	}
	return t
}
