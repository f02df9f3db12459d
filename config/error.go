package config

import (
	"fmt"
	"strings"
)

// Error is a problem with pyproject.toml, placed at the key (or the spot
// where TOML parsing stopped) so an editor can jump to it.
type Error struct {
	File string // the path as given to Load
	Key  string // the key inside [tool.shoal], dotted when nested; "" when none
	Line int    // 1-based; 0 when unknown
	Col  int    // 1-based; 0 when unknown
	Msg  string // what is wrong
	Hint string // what to do next, starting "hint: "; "" when none
	Err  error  // the underlying cause, if any
}

// Error reads like `pyproject.toml:7:11: [tool.shoal] workers: expected …`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		fmt.Fprintf(&b, "[%s] %s: ", tableName, e.Key)
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap gives the underlying cause, such as an *fs.PathError.
func (e *Error) Unwrap() error { return e.Err }

// wrongValue is the error for a value of the wrong type or range; the decoder
// fills in where it is.
func wrongValue(want string, got any) *Error {
	return &Error{Msg: fmt.Sprintf("expected %s, got %s", want, describe(got))}
}

// describe names a decoded TOML value the way a user would: small scalars by
// value, since "got 0" says more than "got an integer", others by kind.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 40 {
			return "a string"
		}
		return fmt.Sprintf("%q", v)
	case int64:
		return fmt.Sprintf("%d", v)
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return "a date or time"
	}
}
