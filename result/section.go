package result

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// Section is one part of a test's captured output or logs, as pytest names
// it ("Captured stdout call"). Its text is Text, or, where it was too large
// to travel in a message, the file File, which lasts as long as the run:
// output that large is read from disk when it is shown, never held whole.
type Section struct {
	Name string
	Text string
	File string
}

// open is the section's text as a reader at any offset, its size, and
// what closes it.
func (s Section) open() (io.ReaderAt, int64, func(), error) {
	if s.File == "" {
		return strings.NewReader(s.Text), int64(len(s.Text)), func() {}, nil
	}
	f, err := os.Open(s.File)
	if err != nil {
		return nil, 0, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return f, info.Size(), func() { f.Close() }, nil
}

// Size is how many bytes the section holds; -1 where its file is gone.
func (s Section) Size() int64 {
	_, size, done, err := s.open()
	if err != nil {
		return -1
	}
	done()
	return size
}

// WriteTo copies the whole text to w, a piece at a time.
func (s Section) WriteTo(w io.Writer) (int64, error) {
	r, size, done, err := s.open()
	if err != nil {
		return 0, err
	}
	defer done()
	return io.Copy(w, io.NewSectionReader(r, 0, size))
}

// Clipped is a section shortened to its two ends.
type Clipped struct {
	// Head and Tail are the ends kept; where nothing was cut, Head is the
	// whole text and Tail is "".
	Head, Tail string
	Cut        int64 // bytes cut between them
	CutLines   int   // line ends among those
}

// Clip keeps the whole text up to limit bytes; past that, about head bytes
// from its start and tail from its end, cut at line ends where there are
// some, and counts what is left out. It reads no more than it keeps.
func (s Section) Clip(limit, head, tail int) (Clipped, error) {
	r, size, done, err := s.open()
	if err != nil {
		return Clipped{}, err
	}
	defer done()
	if size <= int64(limit) {
		whole, err := readAt(r, 0, int(size))
		return Clipped{Head: whole}, err
	}
	h, err := readAt(r, 0, head)
	if err != nil {
		return Clipped{}, err
	}
	if i := strings.LastIndexByte(h, '\n'); i > 0 {
		h = h[:i+1]
	}
	t, err := readAt(r, size-int64(tail), tail)
	if err != nil {
		return Clipped{}, err
	}
	if i := strings.IndexByte(t, '\n'); i >= 0 && i < len(t)-1 {
		t = t[i+1:]
	}
	c := Clipped{Head: h, Tail: t, Cut: size - int64(len(h)) - int64(len(t))}
	c.CutLines, err = countLines(io.NewSectionReader(r, int64(len(h)), c.Cut))
	return c, err
}

func readAt(r io.ReaderAt, off int64, n int) (string, error) {
	buf := make([]byte, n)
	got, err := r.ReadAt(buf, off)
	if err == io.EOF && got == n {
		err = nil
	}
	return string(buf[:got]), err
}

func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 64<<10)
	n := 0
	for {
		got, err := r.Read(buf)
		n += bytes.Count(buf[:got], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// String is the clipped text with a note where the cut was:
// "[... shoal cut 5.0 MiB, 131071 lines, here ...]".
func (c Clipped) String() string {
	if c.Cut == 0 {
		return c.Head + c.Tail
	}
	size := ByteSize(c.Cut)
	if c.CutLines > 0 {
		size += fmt.Sprintf(", %d lines,", c.CutLines)
	}
	note := "[... shoal cut " + size + " here ...]"
	if !strings.HasSuffix(c.Head, "\n") {
		note = "\n" + note
	}
	return c.Head + note + "\n" + c.Tail
}

// ByteSize writes n as "512 bytes", "4.2 KiB", "5.0 MiB".
func ByteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Whole is the whole text, read from its file where it has one.
func (s Section) Whole() (string, error) {
	if s.File == "" {
		return s.Text, nil
	}
	var b strings.Builder
	_, err := s.WriteTo(&b)
	return b.String(), err
}
