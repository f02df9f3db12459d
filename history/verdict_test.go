package history

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestVerdictsKeptUntilFoundStable(t *testing.T) {
	type testCase struct {
		name   string
		found  map[string]Verdict
		stable []string
		want   map[string]Verdict
	}
	conflict := Verdict{Class: "conflict", Partners: []string{"b.py::y"}}
	steps := []testCase{
		{"first verification", map[string]Verdict{"a.py::x": conflict, "c.py::f": {Class: "flaky"}}, []string{"d.py::s"},
			map[string]Verdict{"a.py::x": conflict, "c.py::f": {Class: "flaky", Partners: []string{}}}},
		{"a subset: the others keep theirs", map[string]Verdict{"e.py::o": {Class: "order-dependent", Partners: []string{"a.py::x"}}}, nil,
			map[string]Verdict{"a.py::x": conflict, "c.py::f": {Class: "flaky", Partners: []string{}}, "e.py::o": {Class: "order-dependent", Partners: []string{"a.py::x"}}}},
		{"fixed: found stable", nil, []string{"a.py::x", "e.py::o"},
			map[string]Verdict{"c.py::f": {Class: "flaky", Partners: []string{}}}},
	}
	path := filepath.Join(t.TempDir(), "history.db")
	for _, tc := range steps {
		s, _, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveVerdicts(tc.found, tc.stable); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		s.Close()
		s, _, err = Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Verdicts(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		s.Close()
	}
}
