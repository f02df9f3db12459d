package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs shoal in-process, in a fresh empty directory (so that no
// pyproject.toml above the repository changes the result), with the plugin
// cache in a temporary directory.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(t.TempDir())
	t.Setenv("SHOAL_CACHE_DIR", t.TempDir())
	return cliHere(t, args...)
}

// cliHere runs shoal in-process in the current directory.
func cliHere(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	stdout, stderr = out.String(), errOut.String()
	for _, crash := range []string{"panic:", "goroutine ", ".go:"} {
		if strings.Contains(stderr, crash) {
			t.Errorf("shoal %s printed a Go crash or stack trace:\n%s", strings.Join(args, " "), stderr)
		}
	}
	return code, stdout, stderr
}

func TestCommandLineUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"unknown root flag", []string{"--bogus"}, []string{"unknown flag: --bogus", "hint:", "--help"}},
		{"unknown command", []string{"bogus"}, []string{"unknown command", "hint:", "--help"}},
		{"zero workers to plan (run takes it: one process)", []string{"plan", "-n", "0"}, []string{`invalid number of workers "0"`, "hint:"}},
		{"workers not a number", []string{"run", "-n", "abc"}, []string{`invalid number of workers "abc"`, "hint:"}},
		{"negative workers", []string{"run", "--workers=-2"}, []string{`invalid number of workers "-2"`, "hint:"}},
		{"flag without value", []string{"run", "-n"}, []string{"flag needs an argument", "hint:"}},
		{"version takes no arguments", []string{"version", "extra"}, []string{"hint:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tc.args...)
			if code != 4 {
				t.Errorf("exit code %d, want 4\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestConfigErrorNamesFileAndKey(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("SHOAL_CACHE_DIR", t.TempDir())
	file := filepath.Join(dir, "pyproject.toml")
	if err := os.WriteFile(file, []byte("[project]\nname = \"x\"\n\n[tool.shoal]\nworkers = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cliHere(t, "run", "--python", "/nonexistent")
	if code != 4 {
		t.Errorf("exit code %d, want 4:\n%s", code, stderr)
	}
	// The file as shoal found it from the working directory.
	wd, _ := os.Getwd()
	for _, w := range []string{filepath.Join(wd, "pyproject.toml"), "workers", "hint:"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not mention %q:\n%s", w, stderr)
		}
	}
}

func TestMissingInterpreter(t *testing.T) {
	code, _, stderr := cli(t, "run", "--python", "/nonexistent/python3")
	if code != 4 {
		t.Errorf("exit code %d, want 4:\n%s", code, stderr)
	}
	for _, w := range []string{"/nonexistent/python3", "--python", "hint:"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not mention %q:\n%s", w, stderr)
		}
	}
}

// fakePython writes a shell script that fails the way a Python without
// pytest fails, whatever it is asked to run.
func fakePython(t *testing.T, message string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "python3")
	script := "#!/bin/sh\necho \"" + message + "\" >&2\nexit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInterpreterWithoutPytest(t *testing.T) {
	tests := []struct {
		name, message string
	}{
		{
			name:    "python -m pytest wording",
			message: "/usr/bin/python3: No module named pytest",
		},
		{
			name:    "ModuleNotFoundError wording",
			message: "ModuleNotFoundError: No module named 'pytest'",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			py := fakePython(t, tc.message)
			code, _, stderr := cli(t, "run", "-n", "2", "--python", py)
			if code != 4 {
				t.Errorf("exit code %d, want 4:\n%s", code, stderr)
			}
			for _, w := range []string{py, "pytest", "--python", "hint:"} {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := cli(t, "version")
	if code != 0 {
		t.Fatalf("exit code %d, want 0:\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "shoal ") || !strings.Contains(stdout, "protocol") {
		t.Errorf("unexpected version line %q", stdout)
	}
	if stderr != "" {
		t.Errorf("version wrote to stderr: %q", stderr)
	}
}
