package worker

import (
	"io"

	"shoal/protocol"
)

// Conn is a pytest process's connection to shoal, on which shoal sends it
// commands. Only the run's own goroutine sends.
type Conn struct {
	w io.Writer
}

// NewConn is a connection whose commands go to w, one JSON line each.
func NewConn(w io.Writer) *Conn { return &Conn{w: w} }

// Send writes one command. A failed write means the process is gone; its
// reader reports that.
func (c *Conn) Send(cmd protocol.Command) {
	_ = protocol.Encode(c.w, cmd)
}
