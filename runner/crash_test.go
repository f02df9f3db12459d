package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		crash   crash
		message string
		has     []string // in the text, in this order
		hasNot  []string
	}
	run := func(t *testing.T, tc testCase) {
		if got := tc.crash.message(); got != tc.message {
			t.Errorf("message %q, want %q", got, tc.message)
		}
		text := tc.crash.text()
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
			crash:   crash{worker: "gw1", nodeid: "t.py::a", status: "exit code 3", output: "some\nlines"},
			message: "worker 'gw1' crashed while running 't.py::a'",
			has:     []string{"crashed while running 't.py::a'\nexit code 3\n", "last lines of its output:\nsome\nlines"},
		},
		{
			name:    "status unknown yet",
			crash:   crash{worker: "gw0", nodeid: "t.py::a"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			hasNot:  []string{"exit code", "output"},
		},
		{
			name:    "killed from outside",
			crash:   crash{worker: "gw0", nodeid: "t.py::a", status: "signal 9 (killed)"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			has:     []string{"signal 9 (killed); ", "out-of-memory killer"},
		},
		{
			name:    "killed by shoal",
			crash:   crash{worker: "gw0", nodeid: "t.py::a", status: "signal 9 (killed)", endedByShoal: true},
			message: "worker 'gw0' crashed while running 't.py::a'",
			has:     []string{"signal 9 (killed); shoal sent it: the worker's connection to shoal closed"},
			hasNot:  []string{"out-of-memory"},
		},
		{
			name:    "captured output hides pytest's progress",
			crash:   crash{worker: "gw0", nodeid: "t.py::a", status: "exit code 3", output: "t.py .", stderr: "boom"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			hasNot:  []string{"last lines"},
		},
		{
			name:    "a fatal error report shows anyway",
			crash:   crash{worker: "gw0", nodeid: "t.py::a", output: "Fatal Python error: Segmentation fault\n  File x", stderr: "boom"},
			message: "worker 'gw0' crashed while running 't.py::a'",
			has:     []string{"last lines of its output:\nFatal Python error: Segmentation fault"},
		},
		{
			name:    "timeout",
			crash:   crash{worker: "gw0", nodeid: "t.py::a", status: "exit code 1", timeout: 2.5, stacks: "Timeout (0:00:02.500000)!", output: "noise"},
			message: "Failed: Timeout (>2.5s)",
			has:     []string{"Failed: Timeout (>2.5s) while running 't.py::a' on worker 'gw0'\n", "process group", "stacks of its threads at the timeout (faulthandler):\nTimeout (0:00:02.500000)!"},
			hasNot:  []string{"exit code", "noise", "did not write"},
		},
		{
			name:    "timeout without stacks",
			crash:   crash{worker: "gw0", nodeid: "t.py::a", timeout: 1, signal: 38, output: "Fatal Python error: Aborted"},
			message: "Failed: Timeout (>1s)",
			has:     []string{"did not write its threads' stacks within 2s of signal 38", "process group", "last lines of its output:\nFatal Python error"},
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestCrashSections(t *testing.T) {
	c := crash{stdout: "out", stderr: "err"}
	got := c.sections()
	if len(got) != 2 || got[0] != [2]string{"Captured stdout until the worker crashed", "out"} || got[1][0] != "Captured stderr until the worker crashed" {
		t.Errorf("sections %q", got)
	}
	c = crash{timeout: 1, stderr: "err"}
	if got := c.sections(); len(got) != 1 || got[0][0] != "Captured stderr until the timeout" {
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
	if got := readStacks(stacks); got != dump {
		t.Errorf("stacks: %q", got)
	}
	if _, err := os.Stat(stacks); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stacks file is still there: %v", err)
	}
}

func TestInterruptReason(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := interruptReason(ctx); got != "KeyboardInterrupt" {
		t.Errorf("plain cancel: %q", got)
	}
	ctx, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(errors.New("Interrupted: terminated by SIGTERM"))
	if got := interruptReason(ctx); got != "Interrupted: terminated by SIGTERM" {
		t.Errorf("with a cause: %q", got)
	}
}

func TestFormatSeconds(t *testing.T) {
	for in, want := range map[float64]string{2: "2", 0.5: "0.5", 1.25: "1.25", 300: "300"} {
		if got := formatSeconds(in); got != want {
			t.Errorf("formatSeconds(%v) = %q, want %q", in, got, want)
		}
	}
}
