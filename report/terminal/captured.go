package terminal

import (
	"io"

	"shoal/result"
)

// captured prints one section of a test's captured output under its title,
// whole, as pytest does. It goes out as it is read, from its file where it
// has one: shoal holds no more of it than its output buffer.
func (r *Reporter) captured(s result.Section) {
	r.sep("-", s.Name, "")
	w := &lastByte{w: r.w}
	if _, err := s.WriteTo(w); err != nil {
		if w.last != '\n' && w.last != 0 {
			r.line("")
		}
		r.line("[shoal could not read the rest of this output: " + err.Error() + "]")
		return
	}
	if w.last != '\n' {
		r.line("")
	}
}

// lastByte passes writes on and remembers the last byte written.
type lastByte struct {
	w    io.Writer
	last byte
}

func (l *lastByte) Write(p []byte) (int, error) {
	if len(p) > 0 {
		l.last = p[len(p)-1]
	}
	return l.w.Write(p)
}
