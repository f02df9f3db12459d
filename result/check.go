package result

import (
	"errors"
	"fmt"
)

// Check says whether a run's events keep the promises events.go makes,
// which reporters rely on: the session comes first and Finished last; tests
// start and finish only once collected, each finishes once, on the worker
// it started on; exclusive tests, and only they, start while a barrier is
// open; the collected tests are never changed; Finished's lists of tests
// that did not run or were killed agree with the tests' ends; each worker's
// replacements count up by one. The runner's tests hold it to them.
func Check(events []Event) error {
	c := checker{started: map[int]string{}, finished: map[int]*Test{}, restarts: map[string]int{}}
	for k, e := range events {
		if err := c.event(e, k == len(events)-1); err != nil {
			return fmt.Errorf("event %d (%T): %w", k, e, err)
		}
	}
	return c.end()
}

type checker struct {
	collected *Collected
	started   map[int]string // test → the worker it last started on
	finished  map[int]*Test
	restarts  map[string]int
	barrier   bool
	finish    *Finished
}

func (c *checker) event(e Event, last bool) error {
	switch e := e.(type) {
	case SessionStarted:
		if c.collected != nil {
			return errors.New("the session started after collection")
		}
	case Collected:
		if c.collected != nil {
			return errors.New("collected twice")
		}
		c.collected = &e
	case TestStarted:
		return c.testStarted(e)
	case TestSlow:
		if on, started := c.started[e.Test]; !started || on != e.Worker || c.finished[e.Test] != nil {
			return fmt.Errorf("test %d told slow on %s, where it was not running", e.Test, e.Worker)
		}
	case TestFinished:
		return c.testFinished(e)
	case Barrier:
		if e.Open == c.barrier {
			return fmt.Errorf("barrier open %v while it already was", e.Open)
		}
		c.barrier = e.Open
	case WorkerReplaced:
		c.restarts[e.Worker]++
		if e.Restarts != c.restarts[e.Worker] {
			return fmt.Errorf("%s replaced for the %d. time, the event says %d", e.Worker, c.restarts[e.Worker], e.Restarts)
		}
	case Finished:
		if !last {
			return errors.New("events after Finished")
		}
		c.finish = &e
	}
	return nil
}

func (c *checker) test(i int) (*Test, error) {
	if c.collected == nil || i < 0 || i >= len(c.collected.Tests) {
		return nil, fmt.Errorf("test %d was not collected", i)
	}
	return c.collected.Tests[i], nil
}

func (c *checker) testStarted(e TestStarted) error {
	t, err := c.test(e.Test)
	if err != nil {
		return err
	}
	if c.finished[e.Test] != nil {
		return fmt.Errorf("%s started after it finished", t.NodeID)
	}
	if exclusive := t.Marks != nil && t.Marks.Exclusive; exclusive != c.barrier {
		return fmt.Errorf("%s (exclusive %v) started while a barrier was open: %v", t.NodeID, exclusive, c.barrier)
	}
	c.started[e.Test] = e.Worker
	return nil
}

func (c *checker) testFinished(e TestFinished) error {
	t, err := c.test(e.Test)
	if err != nil {
		return err
	}
	if c.finished[e.Test] != nil {
		return fmt.Errorf("%s finished twice", t.NodeID)
	}
	c.finished[e.Test] = e.Ended
	if e.Ended.NodeID != t.NodeID || e.Ended.File != t.File || e.Ended.Pos != t.Pos {
		return fmt.Errorf("test %d is %s, it finished as %s", e.Test, t.NodeID, e.Ended.NodeID)
	}
	on, started := c.started[e.Test]
	if !started && !e.Ended.Killed {
		return fmt.Errorf("%s finished without having started", t.NodeID)
	}
	if started && on != e.Ended.Worker {
		return fmt.Errorf("%s started on %s and finished on %s", t.NodeID, on, e.Ended.Worker)
	}
	if !e.Ended.Ran() && !e.Ended.Killed {
		return fmt.Errorf("%s finished without reports", t.NodeID)
	}
	return nil
}

// end checks what only the whole run shows.
func (c *checker) end() error {
	if c.barrier {
		return errors.New("a barrier is still open at the end")
	}
	if c.collected == nil {
		return nil
	}
	var notRun, killed []int
	for i, t := range c.collected.Tests {
		if t.Ran() || t.Worker != "" || t.Killed {
			return fmt.Errorf("collected test %s was changed after it was emitted", t.NodeID)
		}
		if f := c.finished[i]; f == nil || f.Killed {
			notRun = append(notRun, i)
			if f != nil {
				killed = append(killed, i)
			}
		}
	}
	if c.finish != nil && (fmt.Sprint(notRun) != fmt.Sprint(c.finish.NotRun) || fmt.Sprint(killed) != fmt.Sprint(c.finish.Killed)) {
		return fmt.Errorf("finished with not run %v and killed %v; the tests' ends say %v and %v",
			c.finish.NotRun, c.finish.Killed, notRun, killed)
	}
	return nil
}
