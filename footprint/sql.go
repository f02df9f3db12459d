package footprint

import (
	"sort"
	"strings"
	"unicode"
)

// Tables names the tables that statements sent to database read and write.
// It reads SQL as PostgreSQL writes it, well enough to find table names in
// the statements tests send (DML, CREATE/DROP/ALTER/TRUNCATE TABLE, CREATE
// INDEX … ON, COPY); it is no parser. Temporary tables, common table
// expressions and the system catalogs are left out. A table that is
// written is listed once, as written.
func Tables(database string, statements []string, at string) []Table {
	access := map[string]string{}
	for _, stmt := range statements {
		for _, part := range splitStatements(tokenize(stmt)) {
			scanStatement(part, access)
		}
	}
	names := make([]string, 0, len(access))
	for name := range access {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]Table, 0, len(names))
	for _, name := range names {
		out = append(out, Table{Database: database, Table: name, Access: access[name], At: at})
	}
	return out
}

// token is a word (upper-cased in kw for keywords; name keeps the
// identifier as PostgreSQL folds it), a quoted identifier, or punctuation.
type token struct {
	kw     string // upper-cased word; "" for quoted identifiers and punctuation
	name   string // the identifier this token would name
	punct  byte
	quoted bool
}

func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '\'':
			i = skipString(s, i)
		case c == '$':
			i = skipDollar(s, i)
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return out
			}
			out = append(out, token{name: s[i+1 : i+1+end], quoted: true})
			i += end + 2
		case isWord(rune(c)):
			j := i
			for j < len(s) && (isWord(rune(s[j])) || s[j] == '$') {
				j++
			}
			w := s[i:j]
			out = append(out, token{kw: strings.ToUpper(w), name: strings.ToLower(w)})
			i = j
		case strings.IndexByte("(),.;", c) >= 0:
			out = append(out, token{punct: c})
			i++
		default:
			i++
		}
	}
	return out
}

func isWord(r rune) bool { return r == '_' || r >= 0x80 || unicode.IsLetter(r) || unicode.IsDigit(r) }

func skipString(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == '\'' {
			if j+1 < len(s) && s[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// skipDollar skips a dollar-quoted string ($$…$$, $tag$…$tag$), or just the
// "$" of a parameter ($1).
func skipDollar(s string, i int) int {
	j := i + 1
	for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j]))) {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return i + 1
	}
	tag := s[i : j+1]
	end := strings.Index(s[j+1:], tag)
	if end < 0 {
		return len(s)
	}
	return j + 1 + end + len(tag)
}

func splitStatements(toks []token) [][]token {
	var out [][]token
	start := 0
	for i, t := range toks {
		if t.punct == ';' {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// statement walks one statement's tokens.
type statement struct {
	toks   []token
	access map[string]string
	skip   map[string]bool // CTE and temporary table names
}

func scanStatement(toks []token, access map[string]string) {
	st := &statement{toks: toks, access: access, skip: map[string]bool{}}
	st.ctes()
	for i := 0; i < len(toks); i++ {
		st.at(i)
	}
}

func (st *statement) kw(i int) string {
	if i < 0 || i >= len(st.toks) {
		return ""
	}
	return st.toks[i].kw
}

// ctes notes the names WITH defines: reads of them are no table's.
func (st *statement) ctes() {
	for i := 0; i+2 < len(st.toks); i++ {
		if st.kw(i+1) == "AS" && st.toks[i+2].punct == '(' && (st.kw(i-1) == "WITH" || st.kw(i-1) == "RECURSIVE" || st.toks[max(i-1, 0)].punct == ',') {
			st.skip[st.toks[i].name] = true
		}
	}
}

func (st *statement) at(i int) {
	switch st.kw(i) {
	case "INSERT":
		if st.kw(i+1) == "INTO" {
			st.names(i+2, "write", false)
		}
	case "UPDATE":
		if p := st.kw(i - 1); p != "FOR" && p != "DO" && p != "ON" && p != "KEY" {
			st.names(st.after(i+1, "ONLY"), "write", false)
		}
	case "DELETE":
		if st.kw(i-1) != "ON" && st.kw(i+1) == "FROM" {
			st.names(st.after(i+2, "ONLY"), "write", false)
		}
	case "TRUNCATE":
		st.names(st.after(st.after(i+1, "TABLE"), "ONLY"), "write", true)
	case "TABLE":
		st.table(i)
	case "ON":
		if st.indexOn(i) {
			st.names(st.after(i+1, "ONLY"), "write", false)
		}
	case "COPY":
		if st.toks[min(i+1, len(st.toks)-1)].punct != '(' {
			st.copy(i + 1)
		}
	case "FROM":
		if p := st.kw(i - 1); p != "DELETE" && p != "DISTINCT" {
			st.names(st.after(i+1, "ONLY"), "read", true)
		}
	case "JOIN":
		st.names(i+1, "read", false)
	}
}

// table handles CREATE/DROP/ALTER … TABLE.
func (st *statement) table(i int) {
	j := i - 1
	temp := false
	for ; j >= 0; j-- {
		k := st.kw(j)
		if k == "TEMP" || k == "TEMPORARY" {
			temp = true
		}
		if k != "TEMP" && k != "TEMPORARY" && k != "UNLOGGED" && k != "GLOBAL" && k != "LOCAL" {
			break
		}
	}
	switch st.kw(j) {
	case "CREATE":
		n := st.after(st.after(st.after(i+1, "IF"), "NOT"), "EXISTS")
		if temp {
			if n < len(st.toks) {
				st.skip[st.toks[n].name] = true
			}
			return
		}
		st.names(n, "write", false)
	case "DROP":
		st.names(st.after(st.after(i+1, "IF"), "EXISTS"), "write", true)
	case "ALTER":
		st.names(st.after(st.after(st.after(i+1, "IF"), "EXISTS"), "ONLY"), "write", false)
	}
}

// indexOn tells whether the ON at i is CREATE INDEX's.
func (st *statement) indexOn(i int) bool {
	for j := i - 1; j >= 0 && j >= i-6; j-- {
		if st.kw(j) == "INDEX" {
			return true
		}
	}
	return false
}

func (st *statement) copy(i int) {
	end, name, ok := st.name(i)
	if !ok {
		return
	}
	for j := end; j < len(st.toks); j++ {
		switch st.kw(j) {
		case "FROM":
			st.mark(name, "write")
			return
		case "TO":
			st.mark(name, "read")
			return
		}
	}
}

// after skips the keyword word at i, if it is there.
func (st *statement) after(i int, word string) int {
	if st.kw(i) == word {
		return i + 1
	}
	return i
}

// names marks the table named at i, and the comma-separated ones after it
// where list says a list may follow.
func (st *statement) names(i int, access string, list bool) {
	for {
		end, name, ok := st.name(i)
		if !ok {
			return
		}
		if end < len(st.toks) && st.toks[end].punct == '(' && access == "read" {
			return // a function: FROM generate_series(…)
		}
		st.mark(name, access)
		if !list {
			return
		}
		// An alias may follow: FROM a x, b y.
		for end < len(st.toks) && st.toks[end].punct == 0 && !keyword[st.kw(end)] {
			end++
		}
		if end >= len(st.toks) || st.toks[end].punct != ',' {
			return
		}
		i = end + 1
	}
}

// name reads a possibly schema-qualified name at i: where it ends, and the
// table as listed (schema "public" dropped).
func (st *statement) name(i int) (int, string, bool) {
	var parts []string
	for {
		if i >= len(st.toks) {
			break
		}
		t := st.toks[i]
		if t.punct != 0 || (!t.quoted && keyword[t.kw]) {
			break
		}
		parts = append(parts, t.name)
		i++
		if i < len(st.toks) && st.toks[i].punct == '.' {
			i++
			continue
		}
		break
	}
	if len(parts) == 0 {
		return i, "", false
	}
	if len(parts) > 1 && parts[len(parts)-2] == "public" {
		parts = parts[len(parts)-1:]
	}
	return i, strings.Join(parts, "."), true
}

func (st *statement) mark(name, access string) {
	if st.skip[name] || strings.HasPrefix(name, "pg_") || strings.HasPrefix(name, "information_schema.") || strings.HasPrefix(name, "pg_catalog.") {
		return
	}
	if st.access[name] != "write" {
		st.access[name] = access
	}
}

// keyword lists words that end a name or alias in the places names are read.
var keyword = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true,
	"FULL": true, "CROSS": true, "NATURAL": true, "OUTER": true, "ON": true, "USING": true, "GROUP": true,
	"ORDER": true, "LIMIT": true, "OFFSET": true, "HAVING": true, "UNION": true, "EXCEPT": true,
	"INTERSECT": true, "RETURNING": true, "SET": true, "VALUES": true, "AS": true, "FOR": true,
	"WINDOW": true, "LATERAL": true, "DEFAULT": true, "CASCADE": true, "RESTRICT": true, "IF": true,
	"EXISTS": true, "NOT": true, "ONLY": true, "TO": true, "WITH": true, "AND": true, "OR": true,
	"FETCH": true, "RESTART": true, "CONTINUE": true, "IDENTITY": true, "ADD": true, "DROP": true,
	"ALTER": true, "RENAME": true, "COLUMN": true, "OWNER": true, "NULL": true, "TRUE": true, "FALSE": true,
	"TABLESAMPLE": true, "STDIN": true, "STDOUT": true, "PROGRAM": true,
}
