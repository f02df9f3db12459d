package runner

import (
	"io"
	"testing"

	"shoal/worker"
)

func TestSomeoneWaits(t *testing.T) {
	c := worker.NewConn(io.Discard)
	busy := func(n int) *workerState { return &workerState{conn: c, outstanding: make([]int, n)} }
	type testCase struct {
		name    string
		workers []*workerState
		hurry   bool
	}
	run := func(t *testing.T, tc testCase) {
		r := &runState{order: tc.workers}
		if got := r.someoneWaits(); got != tc.hurry {
			t.Errorf("someoneWaits() = %v, want %v", got, tc.hurry)
		}
	}
	testCases := []testCase{
		{"all hold work", []*workerState{busy(5), busy(2)}, false},
		{"one idle", []*workerState{busy(5), busy(0)}, true},
		{"one holds its last test", []*workerState{busy(5), busy(1)}, true},
		{"idle but ended", []*workerState{busy(5), {conn: c, ended: true}}, false},
		{"idle but told to stop", []*workerState{busy(5), {conn: c, stopSent: true}}, false},
		{"not connected yet", []*workerState{busy(5), {}}, false},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
