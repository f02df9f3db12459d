package footprint

import (
	"reflect"
	"testing"
)

func TestTables(t *testing.T) {
	type testCase struct {
		name  string
		stmts []string
		want  map[string]string // table -> access
	}
	run := func(t *testing.T, tc testCase) {
		got := map[string]string{}
		for _, tb := range Tables("db", tc.stmts, "x.py:1") {
			if tb.Database != "db" || tb.At != "x.py:1" {
				t.Errorf("table %+v: database and at not kept", tb)
			}
			got[tb.Table] = tb.Access
		}
		if len(tc.want) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tables(%q) = %v, want %v", tc.stmts, got, tc.want)
		}
	}
	cases := []testCase{
		{"insert", []string{"INSERT INTO users (id, name) VALUES (%s, %s)"}, map[string]string{"users": "write"}},
		{"select", []string{"select id from users where id = 1"}, map[string]string{"users": "read"}},
		{"select join", []string{"SELECT * FROM orders o JOIN users u ON o.uid = u.id"}, map[string]string{"orders": "read", "users": "read"}},
		{"select list", []string{"SELECT * FROM a x, b y WHERE x.id = y.id"}, map[string]string{"a": "read", "b": "read"}},
		{"update", []string{"UPDATE ONLY accounts SET n = n + 1"}, map[string]string{"accounts": "write"}},
		{"select for update", []string{"SELECT * FROM jobs FOR UPDATE SKIP LOCKED"}, map[string]string{"jobs": "read"}},
		{"delete", []string{"DELETE FROM sessions WHERE old"}, map[string]string{"sessions": "write"}},
		{"truncate list", []string{"TRUNCATE TABLE a, public.b RESTART IDENTITY"}, map[string]string{"a": "write", "b": "write"}},
		{"create", []string{"CREATE TABLE IF NOT EXISTS scratch (id int)"}, map[string]string{"scratch": "write"}},
		{"create unlogged", []string{"create unlogged table fast (id int)"}, map[string]string{"fast": "write"}},
		{"temp table is private", []string{"CREATE TEMP TABLE t1 (id int)", "INSERT INTO t1 VALUES (1)"}, map[string]string{"t1": "write"}},
		{"drop", []string{"DROP TABLE IF EXISTS a, b CASCADE"}, map[string]string{"a": "write", "b": "write"}},
		{"alter", []string{"ALTER TABLE ONLY users ADD COLUMN x int"}, map[string]string{"users": "write"}},
		{"index", []string{"CREATE UNIQUE INDEX CONCURRENTLY idx ON users (email)"}, map[string]string{"users": "write"}},
		{"copy from", []string{"COPY items (a, b) FROM STDIN"}, map[string]string{"items": "write"}},
		{"copy to", []string{"COPY items TO STDOUT"}, map[string]string{"items": "read"}},
		{"quoted and schema", []string{`INSERT INTO app."Users" VALUES (1)`}, map[string]string{"app.Users": "write"}},
		{"read then write is write", []string{"SELECT * FROM t", "DELETE FROM t"}, map[string]string{"t": "write"}},
		{"cte is no table", []string{"WITH recent AS (SELECT * FROM events) SELECT * FROM recent"}, map[string]string{"events": "read"}},
		{"function in from", []string{"SELECT * FROM generate_series(1, 3)"}, nil},
		{"catalog", []string{"SELECT * FROM pg_tables", "SELECT * FROM information_schema.tables"}, nil},
		{"strings and comments", []string{"SELECT 'FROM x' -- FROM y\n /* FROM z */ FROM real_one"}, map[string]string{"real_one": "read"}},
		{"dollar quoting", []string{"SELECT $$ INSERT INTO nope $$, $1 FROM yes"}, map[string]string{"yes": "read"}},
		{"several statements", []string{"BEGIN; INSERT INTO a VALUES (1); COMMIT"}, map[string]string{"a": "write"}},
		{"on delete cascade", []string{"CREATE TABLE c (id int REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE)"}, map[string]string{"c": "write"}},
		{"insert select", []string{"INSERT INTO archive SELECT * FROM live"}, map[string]string{"archive": "write", "live": "read"}},
		{"is distinct from", []string{"SELECT a IS DISTINCT FROM b FROM t"}, map[string]string{"t": "read"}},
		{"nothing", []string{"SELECT 1", "SET search_path TO x"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
