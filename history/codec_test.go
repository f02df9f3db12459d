package history

import (
	"errors"
	"reflect"
	"testing"
)

func TestFileCodecRoundTrip(t *testing.T) {
	tests := []fileTest{
		{name: "::test_a", estimate: Estimate{Seconds: 0.1 + 0.2, CPU: 1e-7}, results: []result{
			{run: 3, start: 1_700_000_000_000_000_000, setup: 0.000001, call: 2.5, teardown: 0.25, cpu: 1,
				outcome: "passed", worker: "gw0", cold: true},
			{run: 2, start: -5, outcome: "rerun", worker: ""},
		}},
		{name: "::TestC::test_p[a::b é]", estimate: Estimate{Seconds: 0}},
		{name: "", estimate: Estimate{Seconds: 7, CPU: 3}, results: []result{{run: 1, outcome: "xfailed", worker: "gw12"}}},
	}
	type got struct {
		name    string
		est     Estimate
		results []result
	}
	var all []got
	err := decodeFile(encodeFile(tests), func(name []byte, e Estimate, encoded []byte) error {
		rs, err := decodeResults(encoded, nil, map[string]string{})
		if err != nil {
			return err
		}
		all = append(all, got{string(name), e, rs})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(tests) {
		t.Fatalf("decoded %d tests, want %d", len(all), len(tests))
	}
	for i, g := range all {
		want := tests[i]
		want.estimate.Source = Measured
		if g.name != want.name || g.est != want.estimate || !reflect.DeepEqual(g.results, want.results) &&
			!(len(g.results) == 0 && len(want.results) == 0) {
			t.Errorf("test %d: got %+v, want %+v", i, g, want)
		}
	}
}

func TestFileCodecRejectsDamage(t *testing.T) {
	blob := encodeFile([]fileTest{{name: "::test_a", results: []result{{run: 1, outcome: "passed", worker: "gw0"}}}})
	cases := map[string][]byte{
		"empty":          nil,
		"other version":  append([]byte{9}, blob[1:]...),
		"cut in name":    blob[:3],
		"cut in seconds": blob[:len(blob)-10],
		"cut in results": blob[:len(blob)-1],
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			err := decodeFile(b, func(_ []byte, _ Estimate, encoded []byte) error {
				_, err := decodeResults(encoded, nil, nil)
				return err
			})
			if !errors.Is(err, errBadResults) {
				t.Errorf("got %v, want errBadResults", err)
			}
		})
	}
}

func TestUnreadableFileRowIsMeasuredAgain(t *testing.T) {
	s := openTemp(t)
	record(t, s, runAt(0, warm("a.py::test_x", 2), warm("b.py::test_y", 3)))
	if _, err := s.db.Exec(`UPDATE files SET tests = x'0900' WHERE file = 'a.py'`); err != nil {
		t.Fatal(err)
	}
	got := s.Estimates([]string{"a.py::test_x", "b.py::test_y"})
	if got[0].Source == Measured || got[1].Source != Measured || !near(got[1].Seconds, 3) {
		t.Errorf("estimates %+v: want a.py's borrowed and b.py's measured 3 s", got)
	}
	record(t, s, runAt(1, warm("a.py::test_x", 5)))
	if got := s.Estimates([]string{"a.py::test_x"})[0]; got.Source != Measured || !near(got.Seconds, 5) {
		t.Errorf("after a new run: %+v, want measured 5 s", got)
	}
}
