//go:build integration

package integration_test

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// A debugging session through a pipe: shoal run -n 0 (or a debugger's flag
// with workers) runs pytest in the foreground, and what the test writes to
// its stdin reaches pdb as it would at a terminal.
func TestDebugMode(t *testing.T) {
	requirePython(t)
	t.Parallel()
	type step struct{ wait, send string }
	type testCase struct {
		name, suite string
		args        []string // shoal's command line after run
		steps       []step
		code        int
		want        []string // in the output, at the end
	}
	cases := []testCase{{
		name: "-n 0 -- --pdb", suite: "exitfirst", args: []string{"-n", "0", "--", "--pdb"},
		steps: []step{{"(Pdb) ", "p 6 * 7\n"}, {"42", "c\n"}}, code: 1,
		want: []string{"1 failed, 1 passed"},
	}, {
		name: "--pdb with workers", suite: "exitfirst", args: []string{"-n", "2", "--pdb"},
		steps: []step{{"(Pdb) ", "c\n"}}, code: 1,
		want: []string{"shoal: --pdb needs the terminal: running the suite in one process in the foreground, as -n 0 does", "1 failed, 1 passed"},
	}, {
		name: "breakpoint()", suite: "debug", args: []string{"-n", "0", "-k", "test_break"},
		steps: []step{{"(Pdb) ", "p answer\n"}, {"41", "c\n"}}, code: 0,
		want: []string{"1 passed, 1 deselected"},
	}, {
		name: "no record in one process", suite: "exitfirst", args: []string{"-n", "0", "--report-json", "run.json"}, code: 1,
		want: []string{"shoal: in one process pytest runs the tests itself: no run record, HTML page or trace is written", "1 failed, 1 passed"},
	}, {
		name: "no retries in one process", suite: "exitfirst", args: []string{"-n", "0", "--retries", "2"}, code: 1,
		want: []string{"shoal: in one process pytest runs the tests itself: --retries does not apply", "1 failed, 1 passed"},
	}, {
		name: "-s", suite: "debug", args: []string{"-n", "0", "-k", "test_prints", "--", "-s"}, code: 0,
		want: []string{"printed while running", "1 passed, 1 deselected"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, tc.suite)
			argv := append([]string{"run", "--python", python, "--no-history"}, tc.args...)
			if !slices.Contains(tc.args, "--") {
				argv = append(argv, "--")
			}
			argv = append(argv, "-p", "no:cacheprovider")
			s := startPiped(t, dir, argv...)
			for _, st := range tc.steps {
				s.waitFor(t, st.wait)
				s.send(t, st.send)
			}
			code := s.wait(t)
			out := s.text()
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// piped is a shoal whose stdin the test writes and whose output it reads.
type piped struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   bytes.Buffer
	read  chan struct{} // closed when the output ends
	err   error         // how shoal ended, once read is closed
	seen  int           // how far waitFor has matched
}

func startPiped(t *testing.T, dir string, args ...string) *piped {
	t.Helper()
	s := &piped{cmd: exec.Command(shoalBin, args...), read: make(chan struct{})}
	s.cmd.Dir, s.cmd.Env = dir, append(baseEnv(), "TMPDIR="+privateTmp(t))
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	r, w := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = w, w
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				close(s.read)
				return
			}
		}
	}()
	go func() {
		s.err = s.cmd.Wait()
		w.Close() // after s.err is set: the reader then closes read
	}()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	return s
}

func (s *piped) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// waitFor waits until the output, past what was matched before, holds want.
func (s *piped) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(commandTimeout)
	for time.Now().Before(deadline) {
		text := s.text()
		if i := strings.Index(text[s.seen:], want); i >= 0 {
			s.seen += i + len(want)
			return
		}
		select {
		case <-s.read:
			t.Fatalf("shoal ended before %q:\n%s", want, s.text())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %q within %v:\n%s", want, commandTimeout, s.text())
}

func (s *piped) send(t *testing.T, text string) {
	t.Helper()
	if _, err := io.WriteString(s.stdin, text); err != nil {
		t.Fatalf("cannot write %q: %v", text, err)
	}
}

func (s *piped) wait(t *testing.T) int {
	t.Helper()
	s.stdin.Close()
	select {
	case <-s.read:
	case <-time.After(commandTimeout):
		t.Fatalf("shoal did not end within %v:\n%s", commandTimeout, s.text())
	}
	var exit *exec.ExitError
	if errors.As(s.err, &exit) {
		return exit.ExitCode()
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	return 0
}
