package terminal

import (
	"shoal/result"
)

// Captured output is shown whole up to clipLimit bytes. Past that the
// terminal shows its first clipHead and last clipTail bytes, cut at line
// ends, and a note where the rest was.
const (
	clipLimit = 64 << 10
	clipHead  = 8 << 10
	clipTail  = 32 << 10
)

// clip is a section's text, shortened for the terminal.
func clip(s result.Section) string {
	c, err := s.Clip(clipLimit, clipHead, clipTail)
	if err != nil {
		return c.String() + "[shoal could not read the rest of this output: " + err.Error() + "]\n"
	}
	return c.String()
}
