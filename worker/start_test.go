package worker

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"shoal/protocol"
)

// fakePython writes a shell script that stands in for the interpreter: it
// runs body with pytest's arguments in "$@".
func fakePython(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// nextExit waits for the next Exit on events.
func nextExit(t *testing.T, events <-chan Event) *Exit {
	t.Helper()
	for {
		select {
		case ev := <-events:
			if ev.Exit != nil {
				return ev.Exit
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no process ended within 30s")
		}
	}
}

func TestStartWorker(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "seen")
	python := fakePython(t, `echo "$@" > `+out+`.args; env > `+out+`.env; echo started; exit 3`)
	events := make(chan Event, 8)
	l := newLauncher(t, Config{
		Python: python, PluginDir: "/plugin", Args: []string{"-x", "tests"}, Dir: dir,
		Env:    []string{"PYTHONPATH=/theirs", "SHOAL_MODE=session", "SHOAL_SOCKET=/parent", "KEEP=1"},
		Socket: "/run/s", Timeout: 2.5,
	}, events, make(chan struct{}))
	files := FilesIn(dir, "gw1")
	if err := os.WriteFile(files.Log, []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := protocol.WorkerSpec{ID: "gw1", Count: 2, UID: "abc", Basetemp: "/bt/popen-gw1", Log: files.Log,
		Stacks: files.Stacks, Captured: files.Captured, Env: map[string]string{"TMPDIR": "/tmp/gw1", "A": "b"}}
	pid, err := l.StartWorker(spec)
	if err != nil {
		t.Fatal(err)
	}
	exit := nextExit(t, events)
	if *exit != (Exit{PID: pid, Status: "exit code 3", Code: 3}) {
		t.Errorf("exit %+v, want pid %d, exit code 3", *exit, pid)
	}
	args, _ := os.ReadFile(out + ".args")
	if got := strings.TrimSpace(string(args)); got != "-m pytest -p shoal_plugin -x tests" {
		t.Errorf("arguments %q", got)
	}
	envText, _ := os.ReadFile(out + ".env")
	env := strings.Split(strings.TrimSpace(string(envText)), "\n")
	for _, kv := range []string{
		"PYTHONPATH=/plugin:/theirs", "SHOAL_MODE=worker", "SHOAL_SOCKET=/run/s", "SHOAL_TIMEOUT=2.5", "KEEP=1",
		"SHOAL_WORKER=gw1", "SHOAL_WORKER_COUNT=2", "PYTEST_XDIST_TESTRUNUID=abc", "SHOAL_BASETEMP=/bt/popen-gw1",
		"SHOAL_STACKS=" + files.Stacks, "SHOAL_CAPTURED=" + files.Captured, "TMPDIR=/tmp/gw1", "A=b",
	} {
		if !slices.Contains(env, kv) {
			t.Errorf("the worker's environment lacks %s:\n%s", kv, envText)
		}
	}
	for _, stale := range []string{"SHOAL_MODE=session", "SHOAL_SOCKET=/parent"} {
		if slices.Contains(env, stale) {
			t.Errorf("the worker inherited %s", stale)
		}
	}
	if got := files.LogTail(5); got != "before\nstarted" {
		t.Errorf("log %q: the output goes on at the end of it", got)
	}
}

func TestStartSession(t *testing.T) {
	dir := t.TempDir()
	// Its own output goes to the files; fds 3 and 4 reach the run's
	// Stdout and Stderr (where the controller it becomes prints).
	python := fakePython(t, `echo "mode $SHOAL_MODE eager $SHOAL_EAGER"; echo oops >&2; echo header >&3; echo warning >&4`)
	events := make(chan Event, 8)
	var terminal, terminalErr bytes.Buffer
	l := newLauncher(t, Config{Python: python, Dir: dir, Stdout: &terminal, Stderr: &terminalErr}, events, make(chan struct{}))
	stdout, stderr := filepath.Join(dir, "session.out"), filepath.Join(dir, "session.err")
	pid, err := l.StartSession(stdout, stderr, "SHOAL_EAGER=1")
	if err != nil {
		t.Fatal(err)
	}
	if exit := nextExit(t, events); exit.PID != pid || exit.Code != 0 {
		t.Errorf("exit %+v", *exit)
	}
	l.Close()
	out, _ := os.ReadFile(stdout)
	errOut, _ := os.ReadFile(stderr)
	if string(out) != "mode session eager 1\n" || string(errOut) != "oops\n" {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}
	if terminal.String() != "header\n" || terminalErr.String() != "warning\n" {
		t.Errorf("the run's stdout got %q, its stderr %q", terminal.String(), terminalErr.String())
	}
}

// newLauncher is NewLauncher for a test, closed at its end.
func newLauncher(t *testing.T, cfg Config, events chan<- Event, done <-chan struct{}) *Launcher {
	t.Helper()
	l, err := NewLauncher(cfg, events, done)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func TestStartFails(t *testing.T) {
	dir := t.TempDir()
	l := newLauncher(t, Config{Python: filepath.Join(dir, "missing")}, make(chan Event, 1), make(chan struct{}))
	_, err := l.StartWorker(protocol.WorkerSpec{ID: "gw0", Log: filepath.Join(dir, "gw0.log")})
	if err == nil || !strings.HasPrefix(err.Error(), "cannot start worker gw0 with "+filepath.Join(dir, "missing")+": ") {
		t.Errorf("error %v", err)
	}
	_, err = l.StartSession(filepath.Join(dir, "no", "such", "out"), filepath.Join(dir, "err"))
	if err == nil || !strings.HasPrefix(err.Error(), "cannot create session log: ") {
		t.Errorf("error %v", err)
	}
}

func TestListenReadsLines(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "s")
	events := make(chan Event, 8)
	done := make(chan struct{})
	defer close(done)
	pace := NewPace()
	pace.Hurry(true)
	ln, err := Listen(socket, events, done, pace)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	nc, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(nc, `{"t":"hello","role":"session"}`+"\n"+`{"t":"bye"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var conn *Conn
	for len(kinds) < 2 {
		ev := <-events
		for _, m := range ev.Lines {
			kinds = append(kinds, m.T)
		}
		conn = ev.Conn
	}
	if !slices.Equal(kinds, []string{"hello", "bye"}) {
		t.Errorf("read %v", kinds)
	}
	conn.Send(protocol.Command{T: "exit"})
	line := make([]byte, 64)
	n, _ := nc.Read(line)
	if got := string(line[:n]); got != `{"t":"exit"}`+"\n" {
		t.Errorf("sent %q", got)
	}
	nc.Close()
	if ev := <-events; ev.Conn != conn || ev.Err != io.EOF {
		t.Errorf("after close: %+v, want the same connection ended by EOF", ev)
	}
}
