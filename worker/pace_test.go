package worker

import (
	"testing"
	"time"
)

func TestPaceGathersUnlessHurried(t *testing.T) {
	for _, hurry := range []bool{false, true} {
		p := NewPace()
		p.Hurry(hurry)
		start := time.Now()
		p.gather(time.NewTimer(time.Hour))
		took := time.Since(start)
		if hurry && took >= coalesce {
			t.Errorf("gathered for %v while a worker waits", took)
		}
		if !hurry && took < coalesce {
			t.Errorf("gathered for %v, want at least %v", took, coalesce)
		}
	}
}

func TestHurryWakesAGatheringReader(t *testing.T) {
	p := NewPace()
	woke := make(chan struct{})
	go func() {
		p.gather(time.NewTimer(time.Hour))
		close(woke)
	}()
	p.Hurry(true)
	select {
	case <-woke:
	case <-time.After(time.Second):
		t.Fatal("a gathering reader did not wake when a worker ran out of work")
	}
	// Calm again: the next gather waits its full time.
	p.Hurry(false)
	start := time.Now()
	p.gather(time.NewTimer(time.Hour))
	if took := time.Since(start); took < coalesce {
		t.Errorf("gathered for %v after calming down, want at least %v", took, coalesce)
	}
}
