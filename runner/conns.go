package runner

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"shoal/protocol"
)

type event struct {
	conn *conn
	msgs []*protocol.Message
	err  error // the connection ended
	exit *exitEvent
	// timer is a test's timeout clock going off.
	timer *testTimer
}

type exitEvent struct {
	worker string // "" for the session process
	pid    int
	err    error
	state  *os.ProcessState
}

type conn struct {
	nc     net.Conn
	worker *workerState // nil for the session process
}

func (c *conn) send(cmd protocol.Command) {
	// A failed write means the process is gone; its reader reports that.
	_ = protocol.Encode(c.nc, cmd)
}

func (r *runState) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go r.read(&conn{nc: nc})
	}
}

// read hands a connection's messages to the run, several at once where
// they arrive together, which keeps shoal's share of the CPU small.
func (r *runState) read(c *conn) {
	defer c.nc.Close()
	dec := protocol.NewDecoder(c.nc)
	pause := time.NewTimer(coalesce)
	pause.Stop()
	for {
		m, err := dec.Decode()
		if err != nil {
			r.post(event{conn: c, err: err})
			return
		}
		batch := []*protocol.Message{m}
		for dec.More() && err == nil {
			if m, err = dec.Decode(); err == nil {
				batch = append(batch, m)
			}
		}
		r.post(event{conn: c, msgs: batch})
		if err != nil {
			r.post(event{conn: c, err: err})
			return
		}
		r.gather(pause)
	}
}

// coalesce is how long a reader waits between reads while every worker
// has work.
const coalesce = 4 * time.Millisecond

// gather lets results gather for a moment: one wake-up for several tests
// instead of one each, while every worker has more than enough to do (a
// worker is sent more while it still holds more than twice coalesce, half
// of schedule.DefaultWindow). When some worker waits, for a barrier or for
// its next test, results go on at once.
func (r *runState) gather(t *time.Timer) {
	r.wakeMu.Lock()
	wake := r.wake
	r.wakeMu.Unlock()
	t.Reset(coalesce)
	select {
	case <-t.C:
	case <-wake:
		t.Stop() // since Go 1.23 no stale tick is left behind
	}
}

// setHurry tells the readers whether some worker waits for work. Called
// from the run's loop after each event.
func (r *runState) setHurry() {
	hurry := false
	for _, w := range r.order {
		if w.conn != nil && !w.ended && !w.stopSent && len(w.outstanding) <= 1 {
			// Idle, or holding its last test until it hears what follows.
			hurry = true
			break
		}
	}
	if hurry == r.hurrying {
		return
	}
	r.hurrying = hurry
	r.wakeMu.Lock()
	if hurry {
		close(r.wake)
	} else {
		r.wake = make(chan struct{})
	}
	r.wakeMu.Unlock()
}

func (r *runState) onHello(c *conn, m *protocol.Message) error {
	if m.Role == "session" {
		if m.Protocol != protocol.Version {
			return fmt.Errorf("internal error: plugin speaks protocol %d, shoal %d", m.Protocol, protocol.Version)
		}
		r.session = c
		r.run.Header = m.Header
		r.run.Rootdir = m.Rootdir
		r.run.InvocationDir = m.InvocationDir
		r.run.PythonVersion = m.PythonVersion
		r.run.PytestVersion = m.PytestVersion
		if m.Options != nil {
			r.run.Options = *m.Options
		}
		return nil
	}
	w := r.workers[m.Worker]
	if w == nil {
		return fmt.Errorf("internal error: unknown worker %q said hello", m.Worker)
	}
	c.worker = w
	w.conn = c
	if w.pid == 0 {
		w.pid = m.PID
	}
	if m.Digest != "" && m.Digest != r.fileDigest {
		return fmt.Errorf("worker %s found other test files than the session: "+
			"the suite's collection is not deterministic; "+
			"hint: make collection stable, or let shoal fork its workers (remove threads started at import)", w.id)
	}
	if r.run.Options.MaxFail > 0 {
		c.send(protocol.Command{T: "gate"})
	}
	if r.sched == nil {
		r.feedCollect(w)
		return nil
	}
	r.feedAll()
	return nil
}

func (r *runState) onClosed(c *conn, err error) error {
	w := c.worker
	if w == nil {
		if c == r.session {
			r.sessionUp = false
		}
		return nil
	}
	w.ended = true
	if len(w.collecting) > 0 {
		if r.stopping {
			w.collecting = nil // nothing more runs: what it collected no longer matters
		} else {
			r.crashedCollecting(w)
		}
	}
	if len(w.outstanding) > 0 {
		r.crashed(w)
	}
	if !errors.Is(err, io.EOF) && !w.said {
		// A broken stream is a crash too; the reason shows in the crash report.
		w.status = err.Error()
	}
	return nil
}
