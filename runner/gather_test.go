package runner

import (
	"testing"
	"time"
)

func TestReadersHurryWhileAWorkerWaits(t *testing.T) {
	c := &conn{}
	busy := func(n int) *workerState { return &workerState{conn: c, outstanding: make([]int, n)} }
	cases := []struct {
		name    string
		workers []*workerState
		hurry   bool
	}{
		{"all hold work", []*workerState{busy(5), busy(2)}, false},
		{"one idle", []*workerState{busy(5), busy(0)}, true},
		{"one holds its last test", []*workerState{busy(5), busy(1)}, true},
		{"idle but ended", []*workerState{busy(5), {conn: c, ended: true}}, false},
		{"idle but told to stop", []*workerState{busy(5), {conn: c, stopSent: true}}, false},
		{"not connected yet", []*workerState{busy(5), {}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &runState{wake: make(chan struct{}), order: tc.workers}
			r.setHurry()
			if r.hurrying != tc.hurry {
				t.Fatalf("hurrying %v, want %v", r.hurrying, tc.hurry)
			}
			pause := time.NewTimer(time.Hour)
			start := time.Now()
			r.gather(pause)
			took := time.Since(start)
			if tc.hurry && took >= coalesce {
				t.Errorf("gathered for %v while a worker waits", took)
			}
			if !tc.hurry && took < coalesce {
				t.Errorf("gathered for %v, want at least %v", took, coalesce)
			}
		})
	}
}

func TestHurryWakesAGatheringReader(t *testing.T) {
	c := &conn{}
	w := &workerState{conn: c, outstanding: []int{1, 2, 3}}
	r := &runState{wake: make(chan struct{}), order: []*workerState{w}}
	r.setHurry()
	woke := make(chan struct{})
	go func() {
		r.gather(time.NewTimer(time.Hour))
		close(woke)
	}()
	w.outstanding = w.outstanding[:0]
	r.setHurry()
	select {
	case <-woke:
	case <-time.After(time.Second):
		t.Fatal("a gathering reader did not wake when a worker ran out of work")
	}
	// Calm again: the next gather waits its full time.
	w.outstanding = []int{1, 2, 3}
	r.setHurry()
	if r.hurrying {
		t.Fatal("still hurrying with every worker busy")
	}
}
