package worker

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets this package's test binary act as the watchdog, as shoal's
// binary does, for TestWatchdog.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == WatchdogArg {
		RunWatchdog()
		return
	}
	os.Exit(m.Run())
}

func TestGuard(t *testing.T) {
	type testCase struct {
		name, input string
		killed      []int
	}
	run := func(t *testing.T, tc testCase) {
		var killed []int
		Guard(strings.NewReader(tc.input), func(pgid int) { killed = append(killed, pgid) })
		if !slices.Equal(killed, tc.killed) {
			t.Errorf("killed %v, want %v", killed, tc.killed)
		}
	}
	testCases := []testCase{
		{name: "shoal is gone: every group goes", input: "100\n200\n300\n", killed: []int{100, 200, 300}},
		{name: "shoal ended them itself", input: "100\n200\nend\n"},
		{name: "a line cut short by shoal's death", input: "100\n20", killed: []int{100, 20}},
		{name: "nothing that is not a group of its own", input: "0\n1\n-5\nx\n7\n", killed: []int{7}},
		{name: "nothing to guard", input: ""},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

// TestWatchdog runs the watchdog as its own process and a group for it to
// guard: ended normally, it leaves the group alone; once its input ends
// without "end", as when shoal is killed, it kills the group.
func TestWatchdog(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	for _, shoalDies := range []bool{false, true} {
		l := newLauncher(t, Config{}, make(chan Event, 1), make(chan struct{}))
		leader, child := startFamily(t, l)
		w, err := StartWatchdog(self)
		if err != nil {
			t.Fatal(err)
		}
		w.Watch(leader)
		if shoalDies {
			_ = w.in.Close() // what the kernel does when shoal dies
			_ = w.cmd.Wait()
		} else {
			w.Close()
		}
		// The watchdog has exited: whatever it was to do is done.
		gone := !processAlive(child)
		if shoalDies {
			gone = waitGone(child, 10*time.Second) // the kernel may take a moment to reap it
		}
		if gone != shoalDies {
			t.Errorf("shoal died: %v; the group's child gone: %v", shoalDies, gone)
		}
		l.Kill(leader)
	}
}

// waitGone waits up to limit for pid to end.
func waitGone(pid int, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !processAlive(pid) {
			return true
		}
	}
	return false
}
