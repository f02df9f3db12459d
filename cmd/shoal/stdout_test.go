package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputFileExitCode(t *testing.T) {
	type testCase struct {
		name     string
		fail     bool // stdout is /dev/full
		code     int
		want     int
		complain bool
	}
	run := func(t *testing.T, tc testCase) {
		path := filepath.Join(t.TempDir(), "out")
		if tc.fail {
			path = "/dev/full"
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			t.Skipf("cannot open %s: %v", path, err)
		}
		defer f.Close()
		out := &outputFile{f: f}
		for range 3 {
			_, _ = out.Write([]byte("a line\n"))
		}
		var stderr bytes.Buffer
		if got := out.exitCode(tc.code, &stderr); got != tc.want {
			t.Errorf("exit code %d, want %d", got, tc.want)
		}
		if said := strings.Contains(stderr.String(), "cannot write to standard output"); said != tc.complain {
			t.Errorf("stderr %q; want a complaint: %v", stderr.String(), tc.complain)
		}
	}
	for _, tc := range []testCase{
		{name: "written, passed", code: 0, want: 0},
		{name: "written, failed", code: 1, want: 1},
		{name: "full, passed", fail: true, code: 0, want: 3, complain: true},
		{name: "full, failed", fail: true, code: 1, want: 1},
		{name: "full, interrupted", fail: true, code: 2, want: 2},
	} {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
