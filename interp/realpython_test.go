//go:build integration

package interp

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestCheckRealPython runs the check script through whatever python3 this
// machine has. Whether it has pytest is not known, so either answer passes;
// what fails is any other, such as the script not being valid Python.
func TestCheckRealPython(t *testing.T) {
	var found []string
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(name); err == nil {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		t.Skip("no python3 here")
	}
	for _, py := range found {
		info, err := Check(context.Background(), Choice{Path: py, Source: "test"})
		var e *Error
		switch {
		case err == nil:
			if !strings.HasPrefix(info.Python, "3.") || info.Pytest == "" || info.Executable == "" {
				t.Errorf("%s: implausible %+v", py, info)
			}
		case errors.As(err, &e) && e.Op == "cannot import pytest with":
			if strings.Contains(e.Error(), "\n") {
				t.Errorf("%s: error is more than one line: %q", py, e.Error())
			}
		default:
			t.Errorf("%s: %v", py, err)
		}
		t.Logf("%s: %+v %v", py, info, err)
	}
}
