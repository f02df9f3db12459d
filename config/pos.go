package config

import (
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// place is where a key and its value start in the file.
type place struct {
	key, value unstable.Position
}

// positions maps a key path (see pathKey) to where it is written. Decoding
// into a map loses positions, so they come from a second pass with go-toml's
// parser; it is only consulted for messages, never for values.
type positions map[string]place

// pathKey joins key parts with a byte TOML keys cannot hold unquoted, so
// "a.b" as one quoted key and a.b as two keys stay apart.
func pathKey(parts []string) string { return strings.Join(parts, "\x00") }

// index records the first place each key path is written: table headers,
// keys (each prefix of a dotted key too) and keys inside inline tables. It
// runs only on a file that already decoded, so it ignores parse errors.
func index(data []byte) positions {
	pos := positions{}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	elements := map[string]int{} // array table → elements seen
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table:
			table = pos.keys(&p, nil, n.Key(), false)
		case unstable.ArrayTable:
			// Each [[x]] header starts element i of x; its keys go under x, [i].
			table = pos.keys(&p, nil, n.Key(), false)
			i := elements[pathKey(table)]
			elements[pathKey(table)]++
			header := firstKey(&p, n.Key())
			table = child(table, elementKey(i))
			pos[pathKey(table)] = place{key: header}
		case unstable.KeyValue:
			pos.keyValue(&p, table, n)
		}
	}
	return pos
}

// keyValue records a key = value line under the table prefix, recursing into
// inline tables.
func (pos positions) keyValue(p *unstable.Parser, prefix []string, n *unstable.Node) {
	path := pos.keys(p, prefix, n.Key(), true)
	v := n.Value()
	switch v.Kind {
	case unstable.InlineTable:
		pos.inlineTable(p, path, v)
	case unstable.Array:
		// An array of inline tables: element i's keys go under path, [i].
		i := 0
		for it := v.Children(); it.Next(); i++ {
			if c := it.Node(); c.Kind == unstable.InlineTable {
				pos.inlineTable(p, child(path, elementKey(i)), c)
			}
		}
	}
}

// inlineTable records the keys of { … } under path; path itself is placed
// at its first key, the nearest spot the parser gives.
func (pos positions) inlineTable(p *unstable.Parser, path []string, v *unstable.Node) {
	for it := v.Children(); it.Next(); {
		c := it.Node()
		if c.Kind != unstable.KeyValue {
			continue
		}
		if _, seen := pos[pathKey(path)]; !seen {
			pos[pathKey(path)] = place{key: firstKey(p, c.Key())}
		}
		pos.keyValue(p, path, c)
	}
}

// firstKey is where a (possibly dotted) key starts.
func firstKey(p *unstable.Parser, it unstable.Iterator) unstable.Position {
	if !it.Next() {
		return unstable.Position{}
	}
	return p.Shape(it.Node().Raw).Start
}

// keys records each prefix of a (possibly dotted) key and returns the full
// path. With hasValue, the value's place goes on the full path too.
func (pos positions) keys(p *unstable.Parser, prefix []string, it unstable.Iterator, hasValue bool) []string {
	path := append([]string(nil), prefix...)
	var end int
	for it.Next() {
		k := it.Node()
		path = append(path, string(k.Data))
		if _, seen := pos[pathKey(path)]; !seen {
			pos[pathKey(path)] = place{key: p.Shape(k.Raw).Start}
		}
		end = int(k.Raw.Offset + k.Raw.Length)
	}
	if pl := pos[pathKey(path)]; hasValue && pl.value.Line == 0 {
		pl.value = valueStart(p, end)
		pos[pathKey(path)] = pl
	}
	return path
}

// valueStart finds the value after a key ending at end. The parser gives no
// range for arrays, so rather than trust value nodes it reads past " = ",
// which in valid TOML is all that can stand between a key and its value.
func valueStart(p *unstable.Parser, end int) unstable.Position {
	data := p.Data()
	i := end
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '=') {
		i++
	}
	if i >= len(data) {
		return unstable.Position{}
	}
	return p.Shape(unstable.Range{Offset: uint32(i), Length: 1}).Start
}
