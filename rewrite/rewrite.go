// Package rewrite changes isolation markers in Python test files: it
// removes a marker's decorator, narrows it to keys, or adds one, and
// leaves every other byte of the file as it was: formatting, comments and
// the other decorators. Positions come from Python's own parser (lines
// from 1, columns in bytes), which the plugin reports; every change checks
// that the text it replaces is still what the parser saw, and a change
// that would have to touch more than the marker is not made.
package rewrite

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// Op is what a Change does.
type Op int

// The changes.
const (
	Remove Op = iota // delete the decorator, with its line
	Narrow           // keep the decorator, with Keys as its arguments
	Add              // a new decorator with Keys above the test
)

// Change is one change to one marker.
type Change struct {
	Op Op
	// Remove and Narrow: the decorator's expression, without its "@", and
	// where the marker's name ends.
	Line, Col, EndLine, EndCol int
	NameEnd                    [2]int
	// Add: the line of the decorated definition's first line (its first
	// decorator, or the def).
	Before int
	Keys   []string
	// Marker is the suite's name for the isolation marker.
	Marker string
}

// Apply makes changes to src. It returns the new text and, for each change
// it did not make, why; the others are made.
func Apply(src []byte, changes []Change) ([]byte, []string) {
	starts := lineStarts(src)
	var edits []udiff.Edit
	var problems []string
	for _, c := range changes {
		e, err := edit(src, starts, c)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		edits = append(edits, e)
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	var kept []udiff.Edit
	for _, e := range edits {
		if n := len(kept); n > 0 {
			last := kept[n-1]
			if e == last {
				continue // the same marker, reached through two tests
			}
			if e.Start < last.End || (e.Start == last.Start && e.Start == e.End) {
				problems = append(problems, fmt.Sprintf("line %d: two changes to the same text; left alone", lineOf(starts, e.Start)))
				continue
			}
		}
		kept = append(kept, e)
	}
	out, err := udiff.ApplyBytes(src, kept)
	if err != nil {
		return src, append(problems, err.Error())
	}
	return out, problems
}

// Diff is the unified diff from old to new of the file at path.
func Diff(path string, old, new []byte) string {
	return udiff.Unified("a/"+path, "b/"+path, string(old), string(new))
}

func edit(src []byte, starts []int, c Change) (udiff.Edit, error) {
	switch c.Op {
	case Add:
		return add(src, starts, c)
	case Remove, Narrow:
		start, ok1 := offset(starts, src, c.Line, c.Col)
		end, ok2 := offset(starts, src, c.EndLine, c.EndCol)
		name, ok3 := offset(starts, src, c.NameEnd[0], c.NameEnd[1])
		if !ok1 || !ok2 || !ok3 || !(start <= name && name <= end) {
			return udiff.Edit{}, fmt.Errorf("line %d: the marker is not where the trace saw it (was the file changed?)", c.Line)
		}
		if !bytes.HasSuffix(bytes.TrimRight(src[start:name], " \t"), []byte(c.Marker)) {
			return udiff.Edit{}, fmt.Errorf("line %d: %q is not the %s marker the trace saw (was the file changed?)", c.Line, src[start:end], c.Marker)
		}
		if c.Op == Narrow {
			return udiff.Edit{Start: name, End: end, New: call(c.Keys)}, nil
		}
		return remove(src, starts, c, start, end)
	}
	return udiff.Edit{}, fmt.Errorf("unknown change %d", c.Op)
}

// remove deletes the decorator's lines, which must hold nothing else
// but a comment after it.
func remove(src []byte, starts []int, c Change, start, end int) (udiff.Edit, error) {
	lineStart := starts[c.Line-1]
	before := strings.TrimRight(string(src[lineStart:start]), " \t")
	if strings.TrimLeft(before, " \t") != "@" {
		return udiff.Edit{}, fmt.Errorf("line %d: the decorator shares its line with other code; left alone", c.Line)
	}
	lineEnd := len(src)
	if c.EndLine < len(starts) {
		lineEnd = starts[c.EndLine]
	}
	after := strings.TrimSpace(string(src[end:lineEnd]))
	if after != "" && !strings.HasPrefix(after, "#") {
		return udiff.Edit{}, fmt.Errorf("line %d: code follows the decorator on its line; left alone", c.EndLine)
	}
	return udiff.Edit{Start: lineStart, End: lineEnd}, nil
}

// add writes a new decorator above line Before, indented as it is.
func add(src []byte, starts []int, c Change) (udiff.Edit, error) {
	if c.Before < 1 || c.Before > len(starts) {
		return udiff.Edit{}, fmt.Errorf("line %d: no such line", c.Before)
	}
	at := starts[c.Before-1]
	line := src[at:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i+1]
	}
	body := bytes.TrimLeft(line, " \t")
	if !bytes.HasPrefix(body, []byte("@")) && !bytes.HasPrefix(body, []byte("def ")) && !bytes.HasPrefix(body, []byte("async def ")) {
		return udiff.Edit{}, fmt.Errorf("line %d is no decorator or def; left alone", c.Before)
	}
	prefix, ok := MarkPrefix(src)
	if !ok {
		return udiff.Edit{}, fmt.Errorf("line %d: the file does not import pytest, so there is no pytest.mark to write", c.Before)
	}
	newline := "\n"
	if bytes.HasSuffix(line, []byte("\r\n")) {
		newline = "\r\n"
	}
	indent := string(line[:len(line)-len(body)])
	return udiff.Edit{Start: at, End: at, New: indent + "@" + prefix + "." + c.Marker + call(c.Keys) + newline}, nil
}

var (
	importLine = regexp.MustCompile(`(?m)^import ([^\n#;]*)`)
	fromPytest = regexp.MustCompile(`(?m)^from pytest import ([^\n#;(]*)`)
)

// MarkPrefix is how the file names pytest's mark: pytest.mark, ALIAS.mark,
// mark or its alias; false when no top-level import on one line gives it.
func MarkPrefix(src []byte) (string, bool) {
	for _, m := range importLine.FindAllSubmatch(src, -1) {
		for _, name := range strings.Split(string(m[1]), ",") {
			switch f := strings.Fields(name); {
			case len(f) == 1 && f[0] == "pytest":
				return "pytest.mark", true
			case len(f) == 3 && f[0] == "pytest" && f[1] == "as":
				return f[2] + ".mark", true
			}
		}
	}
	for _, m := range fromPytest.FindAllSubmatch(src, -1) {
		for _, name := range strings.Split(string(m[1]), ",") {
			switch f := strings.Fields(name); {
			case len(f) == 1 && f[0] == "mark":
				return "mark", true
			case len(f) == 3 && f[0] == "mark" && f[1] == "as":
				return f[2], true
			}
		}
	}
	return "", false
}

func call(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func offset(starts []int, src []byte, line, col int) (int, bool) {
	if line < 1 || line > len(starts) || col < 0 {
		return 0, false
	}
	off := starts[line-1] + col
	if off > len(src) {
		return 0, false
	}
	return off, true
}

func lineOf(starts []int, off int) int {
	return sort.Search(len(starts), func(i int) bool { return starts[i] > off })
}
