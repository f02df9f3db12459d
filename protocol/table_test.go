package protocol

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// testdata/messages.json holds a sample of every message each side sends.
// The plugin's tests (plugin/tests/test_protocol.py) read the same file, so
// what one side writes is what the other side's tests read.
const tablePath = "testdata/messages.json"

type sample struct {
	Name    string          `json:"name"`
	Message json.RawMessage `json:"message"`
}

type table struct {
	Plugin []sample `json:"plugin"` // what the plugin sends shoal
	Shoal  []sample `json:"shoal"`  // what shoal sends the plugin
}

func loadTable(t testing.TB) table {
	t.Helper()
	data, err := os.ReadFile(tablePath)
	if err != nil {
		t.Fatal(err)
	}
	var tb table
	if err := json.Unmarshal(data, &tb); err != nil {
		t.Fatalf("%s: %v", tablePath, err)
	}
	return tb
}

// line is the sample as one line on the wire, without its newline.
func (s sample) line(t testing.TB) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, s.Message); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	return buf.String()
}

func (s sample) kind(t testing.TB) string {
	t.Helper()
	var head struct {
		T string `json:"t"`
	}
	if err := json.Unmarshal(s.Message, &head); err != nil || head.T == "" {
		t.Fatalf("%s: no kind (%v)", s.Name, err)
	}
	return head.T
}

// pluginLine is the first of the plugin's samples of the kind.
func pluginLine(t testing.TB, kind string) string {
	t.Helper()
	for _, s := range loadTable(t).Plugin {
		if s.kind(t) == kind {
			return s.line(t)
		}
	}
	t.Fatalf("%s has no %q message", tablePath, kind)
	return ""
}

// TestPluginMessages: shoal reads every message of the table, knows each of
// its fields, and keeps every value as sent.
func TestPluginMessages(t *testing.T) {
	for _, s := range loadTable(t).Plugin {
		t.Run(s.Name, func(t *testing.T) {
			m, err := NewDecoder(strings.NewReader(s.line(t) + "\n")).Decode()
			if err != nil {
				t.Fatal(err)
			}
			strict := json.NewDecoder(bytes.NewReader(s.Message))
			strict.DisallowUnknownFields()
			if err := strict.Decode(new(Message)); err != nil {
				t.Errorf("a field Message lacks: %v", err)
			}
			if m.T == "hello" && (m.Role == "controller" || m.Role == "server") && m.Protocol != Version {
				t.Errorf("protocol version %d, want %d", m.Protocol, Version)
			}
			again, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, s.Message, again)
		})
	}
}

// TestShoalCommands: every command of the table is one Command writes, field
// for field.
func TestShoalCommands(t *testing.T) {
	for _, s := range loadTable(t).Shoal {
		t.Run(s.Name, func(t *testing.T) {
			strict := json.NewDecoder(bytes.NewReader(s.Message))
			strict.DisallowUnknownFields()
			var c Command
			if err := strict.Decode(&c); err != nil {
				t.Fatalf("a field Command lacks: %v", err)
			}
			var buf bytes.Buffer
			if err := Encode(&buf, c); err != nil {
				t.Fatal(err)
			}
			out := buf.Bytes()
			if bytes.Count(out, []byte("\n")) != 1 || out[len(out)-1] != '\n' {
				t.Fatalf("not one line: %q", out)
			}
			checkSame(t, s.Message, out)
		})
	}
}

// checkSame fails unless got holds the values of want, where a field left
// out on one side is the zero value on the other (omitempty).
func checkSame(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if !same(w, g) {
		t.Errorf("values changed on the way:\nsent %s\nread %s", want, got)
	}
}

func same(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !same(v, g[k]) {
				return false
			}
		}
		for k, v := range g {
			if _, ok := w[k]; !ok && !zero(v) {
				return false
			}
		}
		return true
	case []any:
		g, _ := got.([]any)
		if len(w) != len(g) {
			return false
		}
		for i := range w {
			if !same(w[i], g[i]) {
				return false
			}
		}
		return true
	}
	if got == nil || want == nil {
		return zero(want) && zero(got)
	}
	return reflect.DeepEqual(want, got)
}

func zero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// TestTableHasEveryKind: the kinds shoal's code sends (protocol.Command
// literals) are the table's commands, and the kinds it handles (the cases
// of a switch on a message's T) are the table's plugin messages.
func TestTableHasEveryKind(t *testing.T) {
	sent, handled := kindsInCode(t, "..")
	tb := loadTable(t)
	var commands, messages []string
	for _, s := range tb.Shoal {
		commands = append(commands, s.kind(t))
	}
	for _, s := range tb.Plugin {
		messages = append(messages, s.kind(t))
	}
	if got, want := sortedSet(sent), sortedSet(commands); !slices.Equal(got, want) {
		t.Errorf("shoal sends %v; the table's commands are %v", got, want)
	}
	if got, want := sortedSet(handled), sortedSet(messages); !slices.Equal(got, want) {
		t.Errorf("shoal handles %v; the table's plugin messages are %v", got, want)
	}
}

// kindsInCode reads the Go sources under root, tests left out.
func kindsInCode(t *testing.T, root string) (sent, handled []string) {
	t.Helper()
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if isCommandType(n.Type) {
					sent = append(sent, fieldString(n, "T")...)
				}
			case *ast.SwitchStmt:
				if sel, ok := n.Tag.(*ast.SelectorExpr); ok && sel.Sel.Name == "T" {
					handled = append(handled, caseStrings(n)...)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sent, handled
}

func isCommandType(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "protocol" && sel.Sel.Name == "Command"
}

func fieldString(lit *ast.CompositeLit, name string) []string {
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if key, isIdent := kv.Key.(*ast.Ident); ok && isIdent && key.Name == name {
			if s, ok := stringLit(kv.Value); ok {
				return []string{s}
			}
		}
	}
	return nil
}

func caseStrings(sw *ast.SwitchStmt) []string {
	var out []string
	for _, stmt := range sw.Body.List {
		for _, e := range stmt.(*ast.CaseClause).List {
			if s, ok := stringLit(e); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func sortedSet(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}
