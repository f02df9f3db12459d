package audit

import (
	"reflect"
	"strings"
	"testing"

	"shoal/footprint"
)

// fp builds a footprint from short specs: "w:/path", "r:/path",
// "rm:/path", "ls:/path", "mkdir:/path", "bind:8080", "conn:8080",
// "tw:users", "tr:users", "leak:env:X", "leakby:env:X".
func fp(specs ...string) *footprint.Test {
	p := &footprint.Test{}
	for _, s := range specs {
		kind, arg, _ := strings.Cut(s, ":")
		switch kind {
		case "w", "r", "rm", "ls", "mkdir":
			op := map[string]string{"w": "write", "r": "read", "rm": "remove", "ls": "list", "mkdir": "mkdir"}[kind]
			p.Files = append(p.Files, footprint.File{Path: arg, Ops: []string{op}, At: "t.py:1"})
		case "bind", "conn":
			op := map[string]string{"bind": "bind", "conn": "connect"}[kind]
			port := 0
			for _, c := range arg {
				port = port*10 + int(c-'0')
			}
			p.Ports = append(p.Ports, footprint.Port{Op: op, Proto: "tcp", Port: port, Host: "127.0.0.1", At: "t.py:2"})
		case "tw", "tr":
			access := map[string]string{"tw": "write", "tr": "read"}[kind]
			p.Tables = append(p.Tables, footprint.Table{Database: "h:5432/app", Table: arg, Access: access, At: "t.py:3"})
		case "leak", "leakby":
			k, what, _ := strings.Cut(arg, ":")
			l := footprint.Leak{Kind: k, What: what}
			if kind == "leakby" {
				l.By = []string{"server"}
			}
			p.Leaks = append(p.Leaks, l)
		case "tmp":
			p.Private = map[string]int{"tmp_path": 2}
		}
	}
	return p
}

func TestJudge(t *testing.T) {
	type testCase struct {
		name  string
		tests []Test
		want  []string // per test: verdict, then "=" and its keys, comma-separated, where it has some
		with  [][]string
	}
	run := func(t *testing.T, tc testCase) {
		opt := Options{Rootdir: "/src", Marker: "isolation", Temp: []string{"/tmp"}}
		prints := make([]*footprint.Test, len(tc.tests))
		for i, tt := range tc.tests {
			prints[i] = tt.Print
		}
		got := Judge(tc.tests, Graph(prints, opt.Rootdir), opt)
		for i, v := range got {
			desc := string(v.Verdict)
			keys := v.Keys
			if keys == nil && v.Key != nil {
				keys = []string{*v.Key}
			}
			if len(keys) > 0 {
				desc += "=" + strings.Join(keys, ",")
			}
			if desc != tc.want[i] {
				t.Errorf("%s: got %s, want %s; evidence %q", v.NodeID, desc, tc.want[i], v.Evidence)
			}
			if tc.with != nil && !reflect.DeepEqual(v.ConflictsWith, tc.with[i]) {
				t.Errorf("%s conflicts with %v, want %v", v.NodeID, v.ConflictsWith, tc.with[i])
			}
			if v.Verdict == Unneeded && len(v.ConflictsWith) > 0 {
				t.Errorf("%s is unneeded but conflicts with %v", v.NodeID, v.ConflictsWith)
			}
		}
	}
	marked := func(id string, p *footprint.Test) Test {
		return Test{NodeID: id, Marked: true, Exclusive: true, Print: p}
	}
	plain := func(id string, p *footprint.Test) Test { return Test{NodeID: id, Print: p} }
	cases := []testCase{
		{
			name:  "pure and private work needs no marker",
			tests: []Test{marked("a", fp()), marked("b", fp("tmp")), plain("c", fp())},
			want:  []string{"unneeded", "unneeded", "safe"},
		},
		{
			name:  "two marked tests on one fixed port",
			tests: []Test{marked("a", fp("bind:8080")), marked("b", fp("bind:8080")), plain("c", fp("bind:9090"))},
			want:  []string{"fixable=port:8080", "fixable=port:8080", "safe"},
			with:  [][]string{{"b"}, {"a"}, {}},
		},
		{
			name:  "unmarked pair on a file",
			tests: []Test{plain("a", fp("w:/tmp/x")), plain("b", fp("r:/tmp/x")), plain("c", fp("r:/tmp/y"))},
			want:  []string{"missing=file:/tmp/x", "missing=file:/tmp/x", "safe"},
			with:  [][]string{{"b"}, {"a"}, {}},
		},
		{
			name:  "readers alone never conflict",
			tests: []Test{plain("a", fp("r:/tmp/x", "conn:5432")), plain("b", fp("r:/tmp/x", "conn:5432"))},
			want:  []string{"safe", "safe"},
		},
		{
			name:  "a project file other tests read makes the marker required, and its readers safe",
			tests: []Test{marked("a", fp("w:/src/settings.ini")), plain("b", fp("r:/src/settings.ini")), plain("c", fp("r:/src/settings.ini"))},
			want:  []string{"required", "safe", "safe"},
		},
		{
			name:  "a system file is required even alone",
			tests: []Test{marked("a", fp("w:/etc/app.conf"))},
			want:  []string{"required"},
		},
		{
			name:  "a marked test narrowed makes its unmarked partner missing",
			tests: []Test{marked("a", fp("rm:/tmp/out")), plain("b", fp("w:/tmp/out/f"))},
			want:  []string{"fixable=file:/tmp/out", "missing=file:/tmp/out"},
		},
		{
			name:  "listing a directory against a file made in it",
			tests: []Test{plain("a", fp("ls:/tmp/d")), plain("b", fp("w:/tmp/d/f")), plain("c", fp("r:/tmp/d/g"))},
			want:  []string{"missing=file:/tmp/d", "missing=file:/tmp/d", "safe"},
		},
		{
			name:  "two mkdirs are no conflict",
			tests: []Test{plain("a", fp("mkdir:/tmp/d")), plain("b", fp("mkdir:/tmp/d"))},
			want:  []string{"safe", "safe"},
		},
		{
			name:  "leaked state: the marker does not help, and a fixture's leak is not the test's",
			tests: []Test{marked("a", fp("leak:env:X")), marked("b", fp("leakby:env:Y")), plain("c", fp("leak:module:m.CACHE"))},
			want:  []string{"fixable", "unneeded", "safe"},
		},
		{
			name:  "tables of a shared database",
			tests: []Test{marked("a", fp("tw:users")), plain("b", fp("tr:users")), plain("c", fp("tr:users")), marked("d", fp("tw:orders"))},
			want:  []string{"fixable=table:users", "missing=table:users", "missing=table:users", "fixable=table:orders"},
		},
		{
			name: "a common lock already keeps them apart",
			tests: []Test{
				{NodeID: "a", Locks: []string{"xdist_group:db"}, Print: fp("bind:8080")},
				{NodeID: "b", Locks: []string{"xdist_group:db"}, Print: fp("bind:8080")},
			},
			want: []string{"safe", "safe"},
		},
		{
			name:  "a test that did not run is unknown",
			tests: []Test{marked("a", nil), plain("b", fp("bind:8080"))},
			want:  []string{"unknown", "safe"},
		},
		{
			name:  "connecting to a port another binds",
			tests: []Test{marked("a", fp("bind:8080")), plain("b", fp("conn:8080"))},
			want:  []string{"fixable=port:8080", "missing=port:8080"},
		},
		{
			name:  "a marked reader of a required writer keeps a key",
			tests: []Test{marked("a", fp("w:/src/data.csv")), marked("b", fp("r:/src/data.csv"))},
			want:  []string{"required", "fixable=file:data.csv"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestRounds(t *testing.T) {
	type testCase struct {
		name  string
		pairs []Pair
		want  [][]Pair
	}
	run := func(t *testing.T, tc testCase) {
		got := Rounds(tc.pairs)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Rounds(%v) = %v, want %v", tc.pairs, got, tc.want)
		}
		for _, round := range got {
			used := map[int]bool{}
			for k, p := range round {
				if used[p.A] || used[p.B] {
					t.Errorf("round %v uses a test twice", round)
				}
				used[p.A], used[p.B] = true, true
				if k > 0 && (p.A <= round[k-1].A || p.B <= round[k-1].B) {
					t.Errorf("round %v is not in collection order on both sides", round)
				}
			}
		}
	}
	cases := []testCase{
		{"none", nil, nil},
		{"disjoint in order", []Pair{{A: 0, B: 1}, {A: 2, B: 3}}, [][]Pair{{{A: 0, B: 1}, {A: 2, B: 3}}}},
		{"a shared test needs a second round", []Pair{{A: 0, B: 1}, {A: 0, B: 2}}, [][]Pair{{{A: 0, B: 1}}, {{A: 0, B: 2}}}},
		{"crossing pairs turn round", []Pair{{A: 0, B: 5}, {A: 1, B: 3}, {A: 2, B: 4}}, [][]Pair{{{A: 0, B: 5}}, {{A: 1, B: 3}, {A: 2, B: 4}}}},
		{"a pair inside another waits for the next round", []Pair{{A: 1, B: 2}, {A: 0, B: 3}}, [][]Pair{{{A: 0, B: 3}}, {{A: 1, B: 2}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
