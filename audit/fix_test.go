package audit

import (
	"reflect"
	"testing"

	"shoal/footprint"
	"shoal/rewrite"
)

func TestFixes(t *testing.T) {
	key := func(k string) *string { return &k }
	site := func(line int, keys ...*string) footprint.Site {
		return footprint.Site{Path: "/src/t.py", Scope: "function", Line: line, Col: 1, EndLine: line, EndCol: 22, NameEnd: [2]int{line, 22}, Keys: keys}
	}
	marked := func(id string, s footprint.Site) Test {
		return Test{NodeID: id, Marked: true, Exclusive: len(s.Keys) == 0, Print: &footprint.Test{Sites: []footprint.Site{s}}}
	}
	verdict := func(k Kind, keys ...string) Verdict {
		v := Verdict{Verdict: k}
		if len(keys) > 0 {
			setKeys(&v, keys)
		}
		return v
	}
	type testCase struct {
		name     string
		tests    []Test
		verdicts []Verdict
		want     []rewrite.Change
		notes    int
	}
	run := func(t *testing.T, tc testCase) {
		fixes, notes := Fixes(tc.tests, tc.verdicts, Options{Rootdir: "/src", Marker: "serial"})
		var got []rewrite.Change
		for _, f := range fixes {
			if f.Path != "/src/t.py" {
				t.Errorf("change to %s", f.Path)
			}
			got = append(got, f.Changes...)
		}
		for i := range got {
			got[i].Col, got[i].EndLine, got[i].EndCol, got[i].NameEnd = 0, 0, 0, [2]int{}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Fixes = %+v, want %+v", got, tc.want)
		}
		if len(notes) != tc.notes {
			t.Errorf("notes %q, want %d", notes, tc.notes)
		}
	}
	cases := []testCase{
		{
			name:     "unneeded goes, fixable narrows, required stays",
			tests:    []Test{marked("a", site(3)), marked("b", site(7)), marked("c", site(11))},
			verdicts: []Verdict{verdict(Unneeded), verdict(Fixable, "port:8080"), verdict(Required)},
			want: []rewrite.Change{
				{Op: rewrite.Remove, Line: 3, Marker: "serial"},
				{Op: rewrite.Narrow, Line: 7, Keys: []string{"port:8080"}, Marker: "serial"},
			},
		},
		{
			name:     "a marker shared by parametrized tests goes only if all are unneeded",
			tests:    []Test{marked("a[1]", site(3)), marked("a[2]", site(3)), marked("b[1]", site(9)), marked("b[2]", site(9))},
			verdicts: []Verdict{verdict(Unneeded), verdict(Fixable, "file:x"), verdict(Unneeded), verdict(Unneeded)},
			want: []rewrite.Change{
				{Op: rewrite.Narrow, Line: 3, Keys: []string{"file:x"}, Marker: "serial"},
				{Op: rewrite.Remove, Line: 9, Marker: "serial"},
			},
		},
		{
			name:     "a leak keeps the marker; a keyed marker already right is left alone; keys are never dropped",
			tests:    []Test{marked("a", site(3)), marked("b", site(7, key("port:1"))), marked("c", site(11, key("db")))},
			verdicts: []Verdict{verdict(Fixable), verdict(Fixable, "port:1"), verdict(Fixable, "table:t")},
			want:     []rewrite.Change{{Op: rewrite.Narrow, Line: 11, Keys: []string{"db", "table:t"}, Marker: "serial"}},
		},
		{
			name: "missing markers are added once per function; pytestmark is left with a note",
			tests: []Test{
				{NodeID: "m[1]", Path: "/src/t.py", Line: 20, Print: &footprint.Test{}},
				{NodeID: "m[2]", Path: "/src/t.py", Line: 20, Print: &footprint.Test{}},
				{NodeID: "p", Marked: true, Exclusive: true, Print: &footprint.Test{Sites: []footprint.Site{{Path: "/src/t.py", Scope: "elsewhere"}}}},
			},
			verdicts: []Verdict{verdict(Missing, "port:1"), verdict(Missing, "file:y"), verdict(Unneeded)},
			want:     []rewrite.Change{{Op: rewrite.Add, Before: 20, Keys: []string{"file:y", "port:1"}, Marker: "serial"}},
			notes:    1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
