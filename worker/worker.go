// Package worker is the Go side of one pytest process of a run: it starts
// the process in its own process group with the command line and
// environment shoal gives it, reads what it says on shoal's socket, sends it
// commands, signals and ends it with everything its tests started, keeps a
// test's timeout clock, and says how the process ended and what it left
// behind when it crashed.
//
// It knows nothing of the run: what it learns goes back as values it
// returns and as Events on a channel the caller owns.
package worker

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"shoal/protocol"
)

// Event is something a run's processes did. One of Lines, Stray, Err,
// Exit and Timeout says what.
type Event struct {
	// Conn is the connection Lines or Stray came on, or that ended with Err.
	Conn  *Conn
	Lines []*protocol.Message
	// Stray is a line on Conn that is no message, quoted: something other
	// than the plugin wrote to the connection. Reading goes on after it.
	Stray string
	Err   error
	// Exit: a process the Launcher started has ended.
	Exit *Exit
	// Timeout: a test's clock went off (the caller posts these).
	Timeout *Timeout
	// Refused: shoal could not accept a connection (out of file
	// descriptors): no more connections will come.
	Refused error
	// Lingering: the process of this pid had ended its session a while
	// ago and had not exited (the caller posts these).
	Lingering int
	// Slow: a test may still run a while after it started (the caller
	// posts these).
	Slow *Slow
}

// Slow names a test that started at Since on the process of PID; Test is
// the caller's index of it.
type Slow struct {
	PID   int
	Test  int
	Since float64
}

// Exit is how a process ended.
type Exit struct {
	PID int
	// Status is how it ended in words: "exit code 3", "signal 11 (segmentation fault)".
	Status string
	// Code is its exit code, -1 when a signal ended it.
	Code int
}

// post hands an event to the run, unless the run is over.
func post(events chan<- Event, done <-chan struct{}, ev Event) {
	select {
	case events <- ev:
	case <-done:
	}
}

// Listener accepts the connections of a run's pytest processes on shoal's
// socket and reads them.
type Listener struct {
	ln     net.Listener
	events chan<- Event
	done   <-chan struct{}
	pace   *Pace
}

// Listen opens shoal's socket. Every message read from a connection goes to
// events, several at once where they arrive together, at the pace pace sets.
func Listen(socket string, events chan<- Event, done <-chan struct{}, pace *Pace) (*Listener, error) {
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return nil, err
	}
	l := &Listener{ln: ln, events: events, done: done, pace: pace}
	go l.accept()
	return l, nil
}

// Close stops accepting connections; those accepted stay open until their
// process closes them.
func (l *Listener) Close() error { return l.ln.Close() }

func (l *Listener) accept() {
	for {
		nc, err := l.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			post(l.events, l.done, Event{Refused: refused(err)})
			return
		}
		go l.read(nc, NewConn(nc))
	}
}

// read hands a connection's messages to the run, several at once where
// they arrive together, which keeps shoal's share of the CPU small.
func (l *Listener) read(nc net.Conn, c *Conn) {
	defer nc.Close()
	dec := protocol.NewDecoder(nc)
	pause := time.NewTimer(coalesce)
	pause.Stop()
	for {
		m, err := dec.Decode()
		if err != nil {
			if l.ended(c, err) {
				return
			}
			continue
		}
		batch := []*protocol.Message{m}
		for dec.More() && err == nil {
			if m, err = dec.Decode(); err == nil {
				batch = append(batch, m)
			}
		}
		post(l.events, l.done, Event{Conn: c, Lines: batch})
		if err != nil {
			if l.ended(c, err) {
				return
			}
			continue
		}
		l.pace.gather(pause)
	}
}

// ended hands the run a decoding error: a stray line, after which the
// connection goes on, or its end.
func (l *Listener) ended(c *Conn, err error) bool {
	var stray *protocol.StrayError
	if errors.As(err, &stray) {
		post(l.events, l.done, Event{Conn: c, Stray: stray.Line})
		return false
	}
	post(l.events, l.done, Event{Conn: c, Err: err})
	return true
}

// refused says why a connection could not be accepted.
func refused(err error) error {
	if err := outOfFiles(err, "take the connections of its workers"); err != nil {
		return err
	}
	return fmt.Errorf("shoal cannot accept its pytest processes' connections: %w", err)
}

// outOfFiles is err as the user should hear it where shoal ran out of file
// descriptors and so cannot do what: the limit, and what to do; nil for
// any other error.
func outOfFiles(err error, what string) error {
	if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
		return nil
	}
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return fmt.Errorf("shoal ran out of file descriptors (at most %d open files) and cannot %s; "+
		"raise the limit (ulimit -n) or run fewer workers (-n)", lim.Cur, what)
}
