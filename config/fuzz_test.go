package config

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad loads arbitrary bytes as pyproject.toml. Load must give settings
// or an *Error that names the file, is placed inside it and has a hint;
// never a panic.
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 3s ./config/
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"",
		"[project]\nname = \"demo\"\n",
		"[tool.shoal]\npython = \".venv/bin/python\"\nworkers = 4\nfork = false\ntimeout = 30\nsession_timeout = 600.5\n",
		"[tool.shoal]\nworkers = \"auto\"\n",
		"[tool]\nshoal = { workers = 3, fork = false }\n",
		"tool.shoal.python = \"python3.12\"\n",
		"tool . shoal . workers=true\n",
		"[tool.shoal]\nworkers = \"8\"\n",
		"[tool.shoal]\ntimeout = \"5m\"\n",
		"[tool.shoal]\nzzz = 1\nfork = 1\n",
		"[tool]\nshoal = 3\n",
		"[[tool.shoal]]\nworkers = 2\n",
		"[tool.shoal\nworkers = 2\n",
		"[tool.shoal]\nworkers = 2\nworkers = 3\n",
		"[tool.shoal]\n\"wor\\u006bers\" = [1, {a = 2}]\n",
		"[tool.shoal]\nfork = 1979-05-27T07:32:00Z\n",
		"\xff\xfe[tool.shoal]\n",
		"a = '''\n[tool.shoal]\n'''\n",
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join("project", FileName)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse(path, data)
		if err == nil {
			if c == nil {
				t.Fatal("neither settings nor an error")
			}
			if c.Timeout < 0 || c.SessionTimeout < 0 {
				t.Fatalf("a negative timeout was accepted: %+v", c)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %T, want *Error: %v", err, err)
		}
		if e.File != path || !strings.HasPrefix(err.Error(), path) {
			t.Fatalf("the error does not name the file: %v", err)
		}
		if !strings.HasPrefix(e.Hint, "hint: ") {
			t.Fatalf("error without a hint: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		if e.Line < 0 || e.Line > lines || e.Col < 0 {
			t.Fatalf("error placed at %d:%d in a file of %d lines: %v", e.Line, e.Col, lines, err)
		}
	})
}
