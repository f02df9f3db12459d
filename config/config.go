// Package config loads shoal's settings from the [tool.shoal] table of
// pyproject.toml. It only reads and validates; the CLI decides what a setting
// means for a run.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// FileName is the file shoal reads its settings from.
const FileName = "pyproject.toml"

// Config is shoal's settings. Each field's default is what Default returns.
type Config struct {
	// Python is the interpreter to run pytest with, as written (key "python").
	// A relative path is relative to File's directory. Default "": the
	// interpreter is chosen from the environment.
	Python string

	// Workers is how many workers to start (key "workers"): "auto" or a
	// decimal integer ≥ 1, normalised to a string. Default "": not set, the
	// CLI decides.
	Workers string

	// Fork starts workers by forking the collected session where that is
	// safe (key "fork"). Default true.
	Fork bool

	// Ports is [tool.shoal.ports]: each worker's block of ports.
	Ports Ports

	// Database is [tool.shoal.database]: the template of each worker's
	// database. Default: none.
	Database Database

	// Services is [[tool.shoal.services]]: processes each worker gets its
	// own instance of. Default: none.
	Services []Service

	// File is the pyproject.toml the settings were read from, for messages.
	// Default "": no file.
	File string
}

// Default returns the settings used when pyproject.toml does not set them.
// It is the one place defaults live: Load starts from it and overwrites only
// the keys a file sets.
func Default() *Config {
	return &Config{Fork: true, Ports: Ports{Base: 20000, Size: 100}}
}

// Find returns the first pyproject.toml in dir or one of its parents, or ""
// when there is none.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cannot look for %s from %s: %w", FileName, dir, err)
	}
	for {
		path := filepath.Join(dir, FileName)
		info, err := os.Stat(path)
		switch {
		case err == nil && !info.IsDir():
			return path, nil
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("cannot look for %s: %w", FileName, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Load reads the [tool.shoal] table of the pyproject.toml at path. A path of
// "" or a file without the table gives the defaults. Errors are *Error.
func Load(path string) (*Config, error) {
	c := Default()
	if path == "" {
		return c, nil
	}
	c.File = path
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the file", Err: err,
			Hint: "hint: check that the file exists and is readable"}
	}
	if err := decode(c, path, data, settings); err != nil {
		return nil, err
	}
	return c, nil
}

// settings lists the keys of [tool.shoal]. To add one, add a field to Config
// with its default in Default, and a setting here; a nested table such as
// [tool.shoal.ports] is a setting with sub settings and no set, an array of
// tables such as [[tool.shoal.services]] one with each and start.
var settings = []setting{
	{key: "python", set: setPython},
	{key: "workers", set: setWorkers},
	{key: "fork", set: setFork},
	{key: "ports", sub: portSettings, check: checkPorts},
	{key: "database", sub: databaseSettings},
	{key: "services", each: serviceSettings, start: startService, check: checkService},
}

func setPython(c *Config, v any) *Error {
	s, ok := v.(string)
	if !ok || s == "" {
		return wrongValue("a path or command name such as \"python3.12\"", v)
	}
	c.Python = s
	return nil
}

func setWorkers(c *Config, v any) *Error {
	const want = `an integer ≥ 1 or "auto"`
	switch v := v.(type) {
	case int64:
		if v >= 1 {
			c.Workers = strconv.FormatInt(v, 10)
			return nil
		}
	case string:
		if v == "auto" {
			c.Workers = v
			return nil
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 1 {
			// Quoting a number is an easy slip; say exactly how to write it.
			e := wrongValue(want, v)
			e.Hint = fmt.Sprintf("hint: write the number without quotes: workers = %d", n)
			return e
		}
	}
	return wrongValue(want, v)
}

func setFork(c *Config, v any) *Error {
	b, ok := v.(bool)
	if !ok {
		return wrongValue("true or false", v)
	}
	c.Fork = b
	return nil
}
