//go:build integration

// Package integration_test runs the shoal binary on the real pytest suites
// under testdata/suites and checks that it reports what plain pytest reports
// for them: exit codes, per-test outcomes, summary lines, JUnit files, fixture
// scopes and worker identity.
//
// The tests need a Python with pytest: $SHOAL_TEST_PYTHON, else the first of
// python3 on PATH and /usr/bin/python3 that imports pytest. Without one they
// skip, unless SHOAL_REQUIRE_PYTEST=1 makes that a failure (as CI sets it).
//
//	go test -count=1 -tags integration ./integration/
package integration_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	// shoalBin is the binary TestMain built from ./cmd/shoal.
	shoalBin string
	// repoRoot is the module's root directory.
	repoRoot string
	// python is an interpreter that imports pytest; pythonErr says why there is none.
	python    string
	pythonErr error
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "shoal-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot create a temporary directory:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	repoRoot, err = filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot find the module root:", err)
		return 1
	}
	shoalBin = filepath.Join(tmp, "shoal")
	build := exec.Command("go", "build", "-o", shoalBin, "./cmd/shoal")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot build shoal (go build -o %s ./cmd/shoal): %v\n%s", shoalBin, err, out)
		return 1
	}
	// Keep the unpacked plugin out of the user's cache.
	os.Setenv("SHOAL_CACHE_DIR", filepath.Join(tmp, "cache"))
	python, pythonErr = findPython()
	flag.Parse()
	if !flagGiven("test.parallel") {
		// A run's processes also wait (on each other, on sleeping tests, on
		// a hang timeout): more runs than cores keep the cores busy.
		_ = flag.Set("test.parallel", strconv.Itoa(max(4, runtime.GOMAXPROCS(0))))
	}
	return m.Run()
}

func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// findPython returns $SHOAL_TEST_PYTHON if it imports pytest, else the
// first of python3 on PATH and /usr/bin/python3 that does.
func findPython() (string, error) {
	if p := os.Getenv("SHOAL_TEST_PYTHON"); p != "" {
		if err := importsPytest(p); err != nil {
			return "", fmt.Errorf("SHOAL_TEST_PYTHON=%s: %w", p, err)
		}
		return p, nil
	}
	var tried []string
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, p := range candidates {
		err := importsPytest(p)
		if err == nil {
			return p, nil
		}
		tried = append(tried, fmt.Sprintf("%s: %v", p, err))
	}
	return "", errors.New("no interpreter imports pytest (set SHOAL_TEST_PYTHON): " + strings.Join(tried, "; "))
}

func importsPytest(p string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "-c", "import pytest").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// requirePython skips the test when there is no Python with pytest, or
// fails it when SHOAL_REQUIRE_PYTEST=1.
func requirePython(t *testing.T) {
	t.Helper()
	if pythonErr == nil {
		return
	}
	if os.Getenv("SHOAL_REQUIRE_PYTEST") == "1" {
		t.Fatalf("SHOAL_REQUIRE_PYTEST=1 but %v", pythonErr)
	}
	t.Skip(pythonErr)
}
