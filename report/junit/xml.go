package junit

import (
	"bufio"
	"fmt"
	"strings"
	"unicode/utf8"
)

// element is one XML element, serialised the way Python's ElementTree does it
// (attributes in insertion order, no pretty printing, `<tag />` when empty).
type element struct {
	tag   string
	attrs []attr
	text  string
	// output, where text is "", is captured output, escaped as it is
	// written (see output.go).
	output   []piece
	children []*element
}

type attr struct{ name, value string }

func (e *element) write(b *bufio.Writer) {
	b.WriteString("<" + e.tag)
	for _, a := range e.attrs {
		b.WriteString(" " + a.name + `="` + escapeAttr(a.value) + `"`)
	}
	if e.text == "" && len(e.output) == 0 && len(e.children) == 0 {
		b.WriteString(" />")
		return
	}
	b.WriteString(">")
	b.WriteString(escapeText(e.text))
	writeOutput(b, e.output)
	for _, c := range e.children {
		c.write(b)
	}
	b.WriteString("</" + e.tag + ">")
}

// binXMLEscape is pytest's bin_xml_escape: characters outside its allowed set
// become the visible, non-entity text "#xNN". Its pattern does not say what
// it means: "\u10000-\u10FFFF" reads as U+1000, then the range "0"-U+10FF,
// so DEL passes (though meant to be escaped) and every character above U+FFFF
// (emoji) is escaped. This does what the pattern does.
func binXMLEscape(s string) string {
	return replaceRunes(s, func(r rune) bool {
		return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD)
	})
}

// xmlSafe rewrites only what XML 1.0 forbids, in bin_xml_escape's form. It
// guards the values pytest writes without bin_xml_escape (class names, skip
// messages, property names), where pytest itself would write a broken file.
// On bin_xml_escape's output it changes nothing.
func xmlSafe(s string) string {
	return replaceRunes(s, func(r rune) bool {
		return r == 0x9 || r == 0xA || r == 0xD ||
			(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
	})
}

func replaceRunes(s string, allowed func(rune) bool) string {
	clean := true
	for _, r := range s {
		if !allowed(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteRune(r) // invalid UTF-8 turns into U+FFFD, which XML allows
		case allowed(r):
			b.WriteRune(r)
		case r <= 0xFF:
			fmt.Fprintf(&b, "#x%02X", r)
		default:
			fmt.Fprintf(&b, "#x%04X", r)
		}
	}
	return b.String()
}

// ElementTree's _escape_cdata and _escape_attrib, after making the text legal.
var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"\r", "&#13;", "\n", "&#10;", "\t", "&#09;")
)

func escapeText(s string) string { return textEscaper.Replace(xmlSafe(s)) }
func escapeAttr(s string) string { return attrEscaper.Replace(xmlSafe(s)) }
