package junit

import (
	"bufio"
	"unicode/utf8"

	"shoal/result"
)

// piece is part of a test's captured output in the JUnit file: text, or a
// section, which is read from its file, where it has one, as the XML is
// written: output of any size goes through shoal a piece at a time.
type piece struct {
	text    string
	section result.Section
}

// writeOutput writes pieces as element text, escaped as pytest escapes
// captured output (binXMLEscape), then as XML.
func writeOutput(b *bufio.Writer, pieces []piece) {
	x := &xmlText{w: b}
	for _, p := range pieces {
		if p.section.Name == "" {
			_, _ = x.Write([]byte(p.text))
			continue
		}
		if _, err := p.section.WriteTo(x); err != nil {
			_, _ = x.Write([]byte("\n[shoal could not read the rest of this output: " + err.Error() + "]\n"))
		}
	}
	x.close()
}

// xmlText escapes what is written to it, a chunk at a time: both escapes
// work character by character, so a character cut between two chunks
// waits for its rest.
type xmlText struct {
	w    *bufio.Writer
	rest []byte
}

func (x *xmlText) Write(p []byte) (int, error) {
	buf := append(x.rest, p...)
	cut := len(buf)
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	x.w.WriteString(escapeText(binXMLEscape(string(buf[:cut]))))
	x.rest = append([]byte(nil), buf[cut:]...)
	return len(p), nil
}

func (x *xmlText) close() {
	if len(x.rest) > 0 {
		x.w.WriteString(escapeText(binXMLEscape(string(x.rest))))
		x.rest = nil
	}
}
