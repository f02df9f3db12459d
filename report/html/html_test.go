package html

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"shoal/metrics"
	"shoal/report/record"
)

func sample() *record.Record {
	return &record.Record{
		Start: 1000, Stop: 1003, Collected: 1000.5,
		Workers:  []record.Worker{{ID: "gw0"}, {ID: "gw1"}},
		Barriers: []record.Span{{Start: 1002, Stop: 1002.5}},
		Tests: []record.Test{
			{NodeID: "a.py::x", Outcome: "passed", Worker: "gw0", Start: 1000.5, Stop: 1001.25, Phases: record.Phases{Setup: 0.25, Call: 0.5}},
			{NodeID: "a.py::y</script><script>alert(1)</script>", Outcome: "failed", Worker: "gw1", Start: 1000.5, Stop: 1002,
				Message: "assert 1 == 2", Longrepr: "E   assert 1 == 2", Locks: []string{"db"},
				Sections: [][2]string{{"Captured stdout call", strings.Repeat("é", maxDetail)}}},
			{NodeID: "b.py", Outcome: "passed", Worker: "gw0", Start: 1002, Stop: 1002.5},
		},
	}
}

// pageData is the JSON the page carries, read back from the page.
func pageData(t *testing.T, page string) data {
	t.Helper()
	const open = `<script type="application/json" id="run-data">`
	i := strings.Index(page, open)
	j := strings.Index(page[i:], "</script>")
	if i < 0 || j < 0 {
		t.Fatalf("no run data in the page")
	}
	var d data
	if err := json.Unmarshal([]byte(page[i+len(open):i+j]), &d); err != nil {
		t.Fatalf("run data: %v", err)
	}
	return d
}

func TestWrite(t *testing.T) {
	rec := sample()
	var buf bytes.Buffer
	if err := Write(&buf, rec, metrics.Compute(rec, metrics.Options{})); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Count(page, "<script") != 2 || strings.Contains(page, "alert(1)</script>") {
		t.Fatalf("a node id broke out of the page's data")
	}
	for _, want := range []string{"3.00 s</b> wall", "<td>gw1</td>", "long_test", "<title>shoal run: 3 tests on 2 workers, 3.00 s</title>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	d := pageData(t, page)
	type testCase struct {
		nodeid, worker, outcome string
		start, dur, setup       float64
	}
	for i, tc := range []testCase{
		{"a.py::x", "gw0", "passed", 500, 750, 250},
		{"a.py::y</script><script>alert(1)</script>", "gw1", "failed", 500, 1500, 0},
		{"b.py", "gw0", "passed", 2000, 500, 0},
	} {
		row := d.Tests[i]
		nodeid := d.Files[int(row[0].(float64))]
		if name := row[1].(string); name != "" {
			nodeid += "::" + name
		}
		got := testCase{nodeid, d.Workers[int(row[2].(float64))], d.Outcomes[int(row[8].(float64))], row[3].(float64), row[4].(float64), row[5].(float64)}
		if got != tc {
			t.Errorf("test %d: %+v, want %+v", i, got, tc)
		}
	}
	if d.Collected != 500 || d.Wall != 3000 || fmt.Sprint(d.Barriers) != "[[2000 2500]]" || fmt.Sprint(d.Locks["db"]) != "[[500 2000]]" {
		t.Errorf("collected %v, wall %v, barriers %v, locks %v", d.Collected, d.Wall, d.Barriers, d.Locks)
	}
	if len(d.Details) != 1 || d.Details[0].Message != "assert 1 == 2" || !d.Details[0].Cut ||
		len(d.Details[0].Sections[0][1]) > maxDetail || !strings.HasSuffix(d.Details[0].Sections[0][1], "é") {
		t.Errorf("details: cut %v, %d bytes of output", d.Details[0].Cut, len(d.Details[0].Sections[0][1]))
	}
}

// A run of 100,000 tests makes a page of a few MB.
func TestLargeRun(t *testing.T) {
	rec := &record.Record{Start: 0, Stop: 600, Workers: []record.Worker{{ID: "gw0"}, {ID: "gw1"}, {ID: "gw2"}, {ID: "gw3"}}}
	for i := range 100_000 {
		w := i % 4
		at := float64(i/4) * 0.006
		rec.Tests = append(rec.Tests, record.Test{
			NodeID: fmt.Sprintf("tests/test_module_%03d.py::TestClass::test_case[%d]", i/500, i), Outcome: "passed",
			Worker: rec.Workers[w].ID, Start: at, Stop: at + 0.005, Phases: record.Phases{Setup: 0.001, Call: 0.003, Teardown: 0.001},
		})
	}
	var buf bytes.Buffer
	if err := Write(&buf, rec, metrics.Compute(rec, metrics.Options{})); err != nil {
		t.Fatal(err)
	}
	t.Logf("100,000 tests: %.1f MB", float64(buf.Len())/(1<<20))
	if buf.Len() > 8<<20 {
		t.Errorf("the page of 100,000 tests is %d bytes", buf.Len())
	}
}
