package worker

import (
	"io"

	"shoal/protocol"
)

// Conn is a pytest process's connection to shoal, on which shoal sends it
// commands. Only the run's own goroutine sends.
type Conn struct {
	w io.Writer
	// closeRead stops reading once what was written is read; nil where
	// there is nothing to stop (a connection of the runner's tests).
	closeRead func() error
}

// NewConn is a connection whose commands go to w, one JSON line each.
// Where w can stop its reading side (a Unix socket), Finish does.
func NewConn(w io.Writer) *Conn {
	c := &Conn{w: w}
	if r, ok := w.(interface{ CloseRead() error }); ok {
		c.closeRead = r.CloseRead
	}
	return c
}

// Send writes one command. A failed write means the process is gone; its
// reader reports that.
func (c *Conn) Send(cmd protocol.Command) {
	_ = protocol.Encode(c.w, cmd)
}

// Finish ends the connection of a process that has exited: what it wrote
// is still read, then the reader reports the end. Without it the end would
// wait for every process holding a copy of the socket, such as a child a
// test forked and left running.
func (c *Conn) Finish() {
	if c.closeRead != nil {
		_ = c.closeRead()
	}
}
