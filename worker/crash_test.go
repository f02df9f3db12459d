package worker

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shoal/protocol"
)

const dump = `Timeout (0:00:02)!
Thread 0x00007f8657cfe6c0 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 975 in run
  File "/usr/lib/python3.11/threading.py", line 995 in _bootstrap

Thread 0x00007f86599872c0 (most recent call first):
  File "/tmp/s/test_hang.py", line 11 in test_sleeps
  File "/usr/lib/python3/dist-packages/_pytest/python.py", line 195 in pytest_pyfunc_call
  File "/usr/lib/python3/dist-packages/pluggy/_callers.py", line 39 in _multicall
  File "/tmp/s/conftest.py", line 3 in pytest_runtest_call
  File "/usr/lib/python3/dist-packages/_pytest/runner.py", line 167 in pytest_runtest_call
  File "/cache/plugin-1/shoal_plugin/loop.py", line 165 in _run_one
  File "/usr/lib/python3/dist-packages/pytest/__main__.py", line 5 in <module>
  File "<frozen runpy>", line 88 in _run_code`

func TestTrimStacks(t *testing.T) {
	got := trimStacks(dump)
	want := `Timeout (0:00:02)!
Thread 0x00007f8657cfe6c0 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 975 in run
  File "/usr/lib/python3.11/threading.py", line 995 in _bootstrap

Thread 0x00007f86599872c0 (most recent call first):
  File "/tmp/s/test_hang.py", line 11 in test_sleeps
  File "/usr/lib/python3/dist-packages/_pytest/python.py", line 195 in pytest_pyfunc_call
  File "/usr/lib/python3/dist-packages/pluggy/_callers.py", line 39 in _multicall
  File "/tmp/s/conftest.py", line 3 in pytest_runtest_call
  (4 frames of pytest below)`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCrashText(t *testing.T) {
	type testCase struct {
		name    string
		crash   Crash
		message string
		has     []string // in the text, in this order
		hasNot  []string
	}
	run := func(t *testing.T, tc testCase) {
		if got := tc.crash.Message(); got != tc.message {
			t.Errorf("message %q, want %q", got, tc.message)
		}
		text := tc.crash.Text()
		at := 0
		for _, s := range tc.has {
			i := strings.Index(text[at:], s)
			if i < 0 {
				t.Fatalf("the text does not say %q after position %d:\n%s", s, at, text)
			}
			at += i + len(s)
		}
		for _, s := range tc.hasNot {
			if strings.Contains(text, s) {
				t.Errorf("the text says %q:\n%s", s, text)
			}
		}
	}
	testCases := []testCase{
		{
			name:    "exit",
			crash:   Crash{Worker: "gw1", NodeID: "t.py::a", Status: "exit code 3", Output: "some\nlines"},
			message: "worker 'gw1' crashed while running 't.py::a'",
			has:     []string{"crashed while running 't.py::a'\nexit code 3\n", "last lines of its output:\nsome\nlines"},
		},
		{
			name:    "status unknown yet",
			crash:   Crash{Worker: "gw0", NodeID: "t.py::a"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			hasNot:  []string{"exit code", "output"},
		},
		{
			name:    "killed from outside",
			crash:   Crash{Worker: "gw0", NodeID: "t.py::a", Status: "signal 9 (killed)"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			has:     []string{"signal 9 (killed); ", "out-of-memory killer"},
		},
		{
			name:    "killed by shoal",
			crash:   Crash{Worker: "gw0", NodeID: "t.py::a", Status: "signal 9 (killed)", EndedByShoal: true},
			message: "worker 'gw0' crashed while running 't.py::a'",
			has:     []string{"signal 9 (killed); shoal sent it: the worker's connection to shoal closed"},
			hasNot:  []string{"out-of-memory"},
		},
		{
			name:    "captured output hides pytest's progress",
			crash:   Crash{Worker: "gw0", NodeID: "t.py::a", Status: "exit code 3", Output: "t.py .", Stderr: "boom"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			hasNot:  []string{"last lines"},
		},
		{
			name:    "a fatal error report shows anyway",
			crash:   Crash{Worker: "gw0", NodeID: "t.py::a", Output: "Fatal Python error: Segmentation fault\n  File x", Stderr: "boom"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			has:     []string{"last lines of its output:\nFatal Python error: Segmentation fault"},
		},
		{
			name:    "timeout",
			crash:   Crash{Worker: "gw0", NodeID: "t.py::a", Status: "exit code 1", Timeout: 2.5, Stacks: "Timeout (0:00:02.500000)!", Output: "noise"},
			message: "Failed: Timeout (>2.5s)",
			has:     []string{"Failed: Timeout (>2.5s) while running 't.py::a' on worker 'gw0'\n", "process group", "stacks of its threads at the timeout (faulthandler):\nTimeout (0:00:02.500000)!"},
			hasNot:  []string{"exit code", "noise", "did not write"},
		},
		{
			name:    "timeout without stacks",
			crash:   Crash{Worker: "gw0", NodeID: "t.py::a", Timeout: 1, Signal: 38, Output: "Fatal Python error: Aborted"},
			message: "Failed: Timeout (>1s)",
			has:     []string{"did not write its threads' stacks within 2s of signal 38", "process group", "last lines of its output:\nFatal Python error"},
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestCrashSections(t *testing.T) {
	c := Crash{Stdout: "out", Stderr: "err"}
	got := c.Sections()
	if len(got) != 2 || got[0] != (protocol.Section{Name: "Captured stdout until the worker crashed", Text: "out"}) || got[1].Name != "Captured stderr until the worker crashed" {
		t.Errorf("sections %q", got)
	}
	c = Crash{Timeout: 1, Stderr: "err"}
	if got := c.Sections(); len(got) != 1 || got[0].Name != "Captured stderr until the timeout" {
		t.Errorf("sections %q", got)
	}
}

func TestCrashOutput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var many []string
	for i := 0; i < 50; i++ {
		many = append(many, "line")
	}
	many = append(many, "last")
	if got := crashOutput(write("plain", strings.Join(many, "\n")+"\n")); strings.Count(got, "\n") != 29 || !strings.HasSuffix(got, "last") {
		t.Errorf("plain: %d lines, ending %q", strings.Count(got, "\n")+1, got[len(got)-4:])
	}
	fatal := "header\nFatal Python error: Aborted\n\n" + dump + "\n"
	if got := crashOutput(write("fatal", fatal)); !strings.HasPrefix(got, "Fatal Python error: Aborted") || !strings.Contains(got, "frames of pytest below") {
		t.Errorf("fatal:\n%s", got)
	}
	if got := crashOutput(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("missing: %q", got)
	}
	stacks := write("gw0.stacks", dump+"\n")
	if got := strings.TrimRight(takeFile(stacks, 1<<20), "\n"); got != dump {
		t.Errorf("stacks: %q", got)
	}
	if _, err := os.Stat(stacks); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stacks file is still there: %v", err)
	}
}

func TestFormatSeconds(t *testing.T) {
	for in, want := range map[float64]string{2: "2", 0.5: "0.5", 1.25: "1.25", 300: "300"} {
		if got := formatSeconds(in); got != want {
			t.Errorf("formatSeconds(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestFilesCrash(t *testing.T) {
	type testCase struct {
		name    string
		timeout *Timeout
		want    Crash
	}
	run := func(t *testing.T, tc testCase) {
		f := FilesIn(t.TempDir(), "gw3")
		for path, text := range map[string]string{
			f.Log: "t.py .\n", f.Stacks: dump + "\n", f.Captured + ".out": "out", f.Captured + ".err": "err",
		} {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got := f.Crash("gw3", "t.py::b", tc.timeout)
		if *got != tc.want {
			t.Errorf("crash\n%+v\nwant\n%+v", *got, tc.want)
		}
		for _, path := range []string{f.Stacks, f.Captured + ".out", f.Captured + ".err"} {
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s is left for the replacement: %v", filepath.Base(path), err)
			}
		}
	}
	plain := Crash{Worker: "gw3", NodeID: "t.py::b", Output: "t.py .", Stdout: "out", Stderr: "err"}
	timedOut := plain
	timedOut.Timeout, timedOut.Signal, timedOut.Stacks = 2, 10, trimStacks(dump)
	testCases := []testCase{
		{"crash", nil, plain},
		{"timeout", &Timeout{Seconds: 2, Signal: 10}, timedOut},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestLateCrashKeepsTheStacksFile(t *testing.T) {
	f := FilesIn(t.TempDir(), "gw0")
	if err := os.WriteFile(f.Stacks, []byte(dump+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := f.LateCrash("gw0", "t.py::a", &Timeout{Seconds: 1, Signal: 10})
	if !c.Late || c.Stacks != trimStacks(dump) || c.Message() != "Failed: Timeout (>1s)" {
		t.Errorf("late crash %+v", *c)
	}
	if f.StacksSize() != 0 {
		t.Error("the stacks file was not emptied")
	}
	if _, err := os.Stat(f.Stacks); err != nil {
		t.Errorf("the stacks file is gone, the worker still writes to it: %v", err)
	}
}
