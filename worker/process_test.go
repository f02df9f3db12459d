package worker

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"shoal/protocol"
)

func TestExitDescribed(t *testing.T) {
	type testCase struct {
		body   string
		status string
		code   int
	}
	run := func(t *testing.T, tc testCase) {
		events := make(chan Event, 1)
		l := newLauncher(t, Config{Python: fakePython(t, tc.body)}, events, make(chan struct{}))
		if _, err := l.StartWorker(protocol.WorkerSpec{ID: "gw0", Log: filepath.Join(t.TempDir(), "log")}); err != nil {
			t.Fatal(err)
		}
		exit := nextExit(t, events)
		if exit.Status != tc.status || exit.Code != tc.code {
			t.Errorf("%q, code %d; want %q, code %d", exit.Status, exit.Code, tc.status, tc.code)
		}
	}
	testCases := []testCase{
		{"exit 0", "exit code 0", 0},
		{"exit 4", "exit code 4", 4},
		{"kill -SEGV $$", "signal 11 (segmentation fault)", -1},
		{"kill -KILL $$", "signal 9 (killed)", -1},
	}
	for _, tc := range testCases {
		t.Run(tc.body, func(t *testing.T) { run(t, tc) })
	}
}

func TestStatusText(t *testing.T) {
	code, sig := 2, 6
	for _, tc := range []struct {
		status *protocol.ExitStatus
		want   string
	}{
		{nil, "unknown status"},
		{&protocol.ExitStatus{}, "unknown status"},
		{&protocol.ExitStatus{Code: &code}, "exit code 2"},
		{&protocol.ExitStatus{Signal: &sig}, "signal 6 (aborted)"},
	} {
		if got := StatusText(tc.status); got != tc.want {
			t.Errorf("StatusText(%+v) = %q, want %q", tc.status, got, tc.want)
		}
	}
}

// startFamily starts a worker that starts a child in its group, and
// returns both pids once the child runs.
func startFamily(t *testing.T, l *Launcher) (leader, child int) {
	t.Helper()
	dir := t.TempDir()
	l.cfg.Python = fakePython(t, "sleep 60 & echo $! > "+dir+"/child; wait")
	leader, err := l.StartWorker(protocol.WorkerSpec{ID: "gw0", Log: filepath.Join(dir, "log")})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); child == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the child did not start within 30s")
		}
		data, _ := os.ReadFile(dir + "/child")
		child, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	return leader, child
}

func TestKillEndsTheGroup(t *testing.T) {
	events := make(chan Event, 1)
	l := newLauncher(t, Config{}, events, make(chan struct{}))
	leader, child := startFamily(t, l)
	if l.Gone(leader) {
		t.Fatal("a running worker counts as gone")
	}
	l.Kill(leader)
	if exit := nextExit(t, events); exit.PID != leader || exit.Status != "signal 9 (killed)" {
		t.Errorf("exit %+v", *exit)
	}
	if !l.Gone(child) {
		t.Error("the worker's child lives on")
	}
}

func TestKillChildrenSparesTheWorker(t *testing.T) {
	events := make(chan Event, 1)
	l := newLauncher(t, Config{}, events, make(chan struct{}))
	leader, child := startFamily(t, l)
	l.KillChildren(leader)
	// Its wait returns once its child is gone; it then exits by itself, unharmed.
	if exit := nextExit(t, events); exit.PID != leader || exit.Status != "exit code 0" {
		t.Errorf("exit %+v: the worker should outlive its child and report its end", *exit)
	}
	if !l.Gone(child) {
		t.Error("the child lives on")
	}
}
