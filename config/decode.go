package config

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// tableName is the table shoal owns; every other table belongs to someone else
// and is left alone.
const tableName = "tool.shoal"

var tablePath = strings.Split(tableName, ".")

const defaultHint = "hint: fix the value in pyproject.toml or remove the key"

// A setting is one key of [tool.shoal] (or of a table nested in it).
type setting struct {
	key string
	// set stores a decoded value, or says what was expected; the decoder
	// adds where the value is.
	set func(c *Config, v any) *Error
	// sub, when set, makes the key a nested table with these keys.
	sub []setting
	// named, when set, makes the key a table whose keys are the user's own
	// names ([tool.shoal.resources]): named stores one entry.
	named func(c *Config, name string, v any) *Error
	// each, when set, makes the key an array of tables ([[tool.shoal.x]]),
	// each element with these keys; start runs before each element's keys.
	each  []setting
	start func(c *Config)
	// check, when set, runs after a nested table's or an element's keys,
	// for rules that tie keys together; its error is placed at the table.
	check func(c *Config) *Error
}

// decoder applies one file's [tool.shoal] table to a Config. It decodes into
// a map rather than a struct so that each key is checked on its own and every
// error can name its key and position.
type decoder struct {
	file string
	pos  positions
}

func decode(c *Config, file string, data []byte, known []setting) error {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return parseError(file, err)
	}
	table, ok := lookup(doc, tablePath)
	if !ok {
		return nil
	}
	d := &decoder{file: file, pos: index(data)}
	if e := d.table(c, tablePath, table, known); e != nil {
		return e
	}
	return nil
}

func parseError(file string, err error) *Error {
	e := &Error{File: file, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: "),
		Hint: "hint: fix the TOML syntax there; pyproject.toml must be valid TOML"}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		e.Line, e.Col = de.Position()
	}
	return e
}

// lookup follows path through nested tables; a value that is not a table on
// the way means the path is absent, since only the last step is shoal's.
func lookup(doc map[string]any, path []string) (any, bool) {
	var v any = doc
	for _, k := range path {
		t, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = t[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// table applies the keys of one table in file order, so the first error
// reported is the first one in the file.
func (d *decoder) table(c *Config, path []string, v any, known []setting) *Error {
	t, ok := v.(map[string]any)
	if !ok {
		e := d.at(path, true)
		e.Key = keyName(path)
		e.Msg = fmt.Sprintf("expected a table, got %s", describe(v))
		if e.Key == "" {
			e.Msg = fmt.Sprintf("[%s] must be a table, got %s", tableName, describe(v))
		}
		e.Hint = defaultHint
		return e
	}
	for _, k := range d.sorted(path, t) {
		keyPath := child(path, k)
		s, ok := find(known, k)
		if !ok {
			e := d.at(keyPath, false)
			e.Key = keyName(keyPath)
			e.Msg = fmt.Sprintf("unknown key; known keys are %s", names(known))
			e.Hint = "hint: check the spelling, or remove the key"
			return e
		}
		if err := d.apply(c, keyPath, t[k], s); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) apply(c *Config, keyPath []string, v any, s setting) *Error {
	switch {
	case s.sub != nil:
		if e := d.table(c, keyPath, v, s.sub); e != nil {
			return e
		}
		return d.checked(c, keyPath, s, false)
	case s.each != nil:
		return d.array(c, keyPath, v, s)
	}
	if s.named != nil {
		return d.entries(c, keyPath, v, s.named)
	}
	return d.placed(s.set(c, v), keyPath, true)
}

// entries applies a table of the user's own names, in file order.
func (d *decoder) entries(c *Config, path []string, v any, named func(*Config, string, any) *Error) *Error {
	t, ok := v.(map[string]any)
	if !ok {
		return d.placed(wrongValue("a table", v), path, true)
	}
	for _, k := range d.sorted(path, t) {
		if e := d.placed(named(c, k, t[k]), child(path, k), true); e != nil {
			return e
		}
	}
	return nil
}

// array applies an array of tables element by element.
func (d *decoder) array(c *Config, keyPath []string, v any, s setting) *Error {
	list, ok := v.([]any)
	if !ok {
		e := &Error{Msg: fmt.Sprintf("expected an array of tables ([[%s.%s]]), got %s",
			tableName, keyName(keyPath), describe(v))}
		return d.placed(e, keyPath, true)
	}
	for i, elem := range list {
		elemPath := child(keyPath, elementKey(i))
		if s.start != nil {
			s.start(c)
		}
		if e := d.table(c, elemPath, elem, s.each); e != nil {
			return e
		}
		if e := d.checked(c, elemPath, s, true); e != nil {
			return e
		}
	}
	return nil
}

// checked runs a table's check, placing its error at the table.
func (d *decoder) checked(c *Config, path []string, s setting, element bool) *Error {
	if s.check == nil {
		return nil
	}
	return d.placed(s.check(c), path, !element)
}

// placed fills in where an error from a setter or check is.
func (d *decoder) placed(e *Error, path []string, value bool) *Error {
	if e == nil {
		return nil
	}
	at := d.at(path, value)
	e.File, e.Line, e.Col = at.File, at.Line, at.Col
	e.Key = keyName(path)
	if e.Hint == "" {
		e.Hint = defaultHint
	}
	return e
}

// elementKey is the path part for an array's i-th element. Only a quoted
// key spelt "[0]" could share it, and then only its place in messages.
func elementKey(i int) string { return fmt.Sprintf("[%d]", i) }

// keyName is a key path inside [tool.shoal] as messages show it:
// "database.url", "services[1].command".
func keyName(path []string) string {
	var b strings.Builder
	for _, k := range path[len(tablePath):] {
		if b.Len() > 0 && !strings.HasPrefix(k, "[") {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String()
}

// at starts an error placed at a key, or at its value when value is true.
func (d *decoder) at(path []string, value bool) *Error {
	p := d.pos[pathKey(path)]
	if value && p.value.Line > 0 {
		return &Error{File: d.file, Line: p.value.Line, Col: p.value.Column}
	}
	return &Error{File: d.file, Line: p.key.Line, Col: p.key.Column}
}

// sorted gives a table's keys in file order; keys without a known position
// (there should be none) go last, by name.
func (d *decoder) sorted(path []string, t map[string]any) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	offset := func(k string) int {
		p, ok := d.pos[pathKey(child(path, k))]
		if !ok {
			return math.MaxInt
		}
		return p.key.Offset
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, oj := offset(keys[i]), offset(keys[j])
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	return keys
}

// child is path plus k in a new slice, so siblings never share a backing array.
func child(path []string, k string) []string {
	return append(path[:len(path):len(path)], k)
}

func find(known []setting, key string) (setting, bool) {
	for _, s := range known {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

func names(known []setting) string {
	var b strings.Builder
	for i, s := range known {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.key)
	}
	return b.String()
}
