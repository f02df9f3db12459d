package terminal

import (
	"fmt"
	"strings"
)

// Captured output is shown whole up to clipLimit bytes. Past that the
// terminal shows its first clipHead and last clipTail bytes, cut at line
// ends, and a note where the rest was; the run record keeps all of it.
const (
	clipLimit = 64 << 10
	clipHead  = 8 << 10
	clipTail  = 32 << 10
)

// clip shortens captured output for the terminal.
func clip(s string) string {
	if len(s) <= clipLimit {
		return s
	}
	head := s[:clipHead]
	if i := strings.LastIndexByte(head, '\n'); i > 0 {
		head = head[:i+1]
	}
	tail := s[len(s)-clipTail:]
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < len(tail)-1 {
		tail = tail[i+1:]
	}
	cut := s[len(head) : len(s)-len(tail)]
	size := byteSize(len(cut))
	if n := strings.Count(cut, "\n"); n > 0 {
		size += fmt.Sprintf(", %d lines,", n)
	}
	note := fmt.Sprintf("[... shoal cut %s here; the run record (--report-json) has the whole output ...]", size)
	if !strings.HasSuffix(head, "\n") {
		note = "\n" + note
	}
	return head + note + "\n" + tail
}

// byteSize writes n as "512 bytes", "4.2 KiB", "5.0 MiB".
func byteSize(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
