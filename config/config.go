// Package config loads shoal's settings from the [tool.shoal] table of
// pyproject.toml. It only reads and validates; the CLI decides what a setting
// means for a run.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
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

	// ThreadPools sizes the thread pools of numerical libraries in each
	// worker (key "thread_pools"): "auto" (the CPUs shared out among the
	// workers), "inherit" (the environment as it is) or a decimal integer
	// ≥ 1 of threads per worker, normalised to a string. Default "": not
	// set, the CLI decides.
	ThreadPools string

	// Markers renames shoal's markers ([tool.shoal.markers]): role
	// ("isolation", "resource", "heavy", "xdist_group") → the marker name
	// the suite uses. Default: empty, each marker is called by its role.
	Markers map[string]string

	// Locks are the per-key limits of the locks that resource markers take
	// ([tool.shoal.resources]): how many tests holding the key may run at
	// once. Default: empty, every key has a limit of 1.
	Locks map[string]int
	// Timeout is how many seconds one test may run before shoal ends it
	// (key "timeout"), a number ≥ 0. Default 0: no limit.
	Timeout float64

	// SessionTimeout is how many seconds the whole run may take before shoal
	// interrupts it (key "session_timeout"), a number ≥ 0. Default 0: no limit.
	SessionTimeout float64

	// Retries is how many more times shoal run runs a test whose setup or
	// call failed (key "retries"), an integer ≥ 0. Default 0: none.
	Retries int

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
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the file", Err: err,
			Hint: "hint: check that the file exists and is readable"}
	}
	return parse(path, data)
}

// parse is Load of the file at path holding data.
func parse(path string, data []byte) (*Config, error) {
	c := Default()
	c.File = path
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
	{key: "workers", set: countOr("workers", func(c *Config) *string { return &c.Workers }, "auto")},
	{key: "fork", set: setFork},
	{key: "thread_pools", set: countOr("thread_pools", func(c *Config) *string { return &c.ThreadPools }, "auto", "inherit")},
	{key: "timeout", set: seconds("timeout", func(c *Config) *float64 { return &c.Timeout })},
	{key: "session_timeout", set: seconds("session_timeout", func(c *Config) *float64 { return &c.SessionTimeout })},
	{key: "retries", set: setRetries},
	{key: "markers", sub: []setting{
		{key: "isolation", set: setMarker("isolation")},
		{key: "resource", set: setMarker("resource")},
		{key: "heavy", set: setMarker("heavy")},
		{key: "xdist_group", set: setMarker("xdist_group")},
	}},
	{key: "resources", named: setLockLimit},
	{key: "ports", sub: portSettings, check: checkPorts},
	{key: "database", sub: databaseSettings},
	{key: "services", each: serviceSettings, start: startService, check: checkService},
}

func setMarker(role string) func(c *Config, v any) *Error {
	return func(c *Config, v any) *Error {
		s, ok := v.(string)
		if !ok || !isIdentifier(s) {
			return wrongValue("a marker name such as \"serial\" (letters, digits, _)", v)
		}
		if c.Markers == nil {
			c.Markers = map[string]string{}
		}
		c.Markers[role] = s
		return nil
	}
}

func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func setLockLimit(c *Config, name string, v any) *Error {
	n, ok := v.(int64)
	if !ok || n < 1 {
		return wrongValue("the number of tests holding the key that may run at once, an integer ≥ 1", v)
	}
	if c.Locks == nil {
		c.Locks = map[string]int{}
	}
	c.Locks[name] = int(n)
	return nil
}

func setPython(c *Config, v any) *Error {
	s, ok := v.(string)
	if !ok || s == "" {
		return wrongValue("a path or command name such as \"python3.12\"", v)
	}
	c.Python = s
	return nil
}

// countOr sets a key whose value is an integer ≥ 1 or one of words,
// normalised to a string.
func countOr(key string, field func(*Config) *string, words ...string) func(*Config, any) *Error {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = strconv.Quote(w)
	}
	want := "an integer ≥ 1"
	for i, q := range quoted {
		sep := ", "
		if i == len(quoted)-1 {
			sep = " or "
		}
		want += sep + q
	}
	return func(c *Config, v any) *Error {
		switch v := v.(type) {
		case int64:
			if v >= 1 {
				*field(c) = strconv.FormatInt(v, 10)
				return nil
			}
		case string:
			if slices.Contains(words, v) {
				*field(c) = v
				return nil
			}
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 1 {
				// Quoting a number is an easy slip; say exactly how to write it.
				e := wrongValue(want, v)
				e.Hint = fmt.Sprintf("hint: write the number without quotes: %s = %d", key, n)
				return e
			}
		}
		return wrongValue(want, v)
	}
}

func setRetries(c *Config, v any) *Error {
	n, ok := v.(int64)
	if !ok || n < 0 || n > 100 {
		e := wrongValue("an integer from 0 to 100", v)
		if _, isString := v.(string); isString {
			e.Hint = "hint: write the number without quotes: retries = 2"
		}
		return e
	}
	c.Retries = int(n)
	return nil
}

func setFork(c *Config, v any) *Error {
	b, ok := v.(bool)
	if !ok {
		return wrongValue("true or false", v)
	}
	c.Fork = b
	return nil
}

// seconds sets a duration in seconds: an integer or a float, ≥ 0, where 0
// means no limit.
func seconds(key string, field func(c *Config) *float64) func(c *Config, v any) *Error {
	const want = "a number of seconds ≥ 0 (0: no limit)"
	return func(c *Config, v any) *Error {
		var s float64
		switch v := v.(type) {
		case int64:
			s = float64(v)
		case float64:
			s = v
		case string:
			e := wrongValue(want, v)
			e.Hint = fmt.Sprintf("hint: write the seconds as a number, without quotes or units: %s = 300", key)
			return e
		default:
			return wrongValue(want, v)
		}
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return wrongValue(want, v)
		}
		*field(c) = s
		return nil
	}
}
