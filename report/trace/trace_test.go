package trace

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"shoal/report/record"
)

func sample() *record.Record {
	return &record.Record{
		Start: 1000, Stop: 1004, Collected: 1000.5,
		Workers:  []record.Worker{{ID: "gw0"}, {ID: "gw1"}},
		Barriers: []record.Span{{Start: 1002, Stop: 1003}},
		Tests: []record.Test{
			{NodeID: "a.py::x", Outcome: "passed", Worker: "gw0", Start: 1000.5, Stop: 1001.5, Phases: record.Phases{Setup: 0.25, Call: 0.5, Teardown: 0.125}},
			{NodeID: "a.py::y", Outcome: "failed", Worker: "gw0", Start: 1001.5, Stop: 1002, Message: "assert 1 == 2", Phases: record.Phases{Call: 0.5}},
			{NodeID: "b.py::alone", Outcome: "passed", Worker: "gw1", Start: 1002, Stop: 1003, Exclusive: true, Phases: record.Phases{Setup: 0.5, Call: 0.75}},
			{NodeID: "c.py::lost", Outcome: "passed", Worker: "gw9", Start: 1003, Stop: 1003.5},
		},
	}
}

func TestBuild(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if err := Validate(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("the trace breaks the format: %v\n%s", err, buf.String())
	}
	var f File
	if err := json.Unmarshal(buf.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	type key struct {
		name string
		tid  int
	}
	got := map[key]Event{}
	threads := map[int]string{}
	for _, e := range f.TraceEvents {
		if e.Ph == "M" && e.Name == "thread_name" {
			threads[e.TID] = e.Args["name"].(string)
			continue
		}
		got[key{e.Name, e.TID}] = e
	}
	if threads[0] != "run" || threads[1] != "gw0" || threads[2] != "gw1" || threads[3] != "gw9" {
		t.Errorf("tracks: %v", threads)
	}
	type testCase struct {
		name     string
		tid      int
		ts, dur  float64
		category string
	}
	for _, tc := range []testCase{
		{"start-up and collection", 0, 0, 500000, "run"},
		{"barrier: exclusive tests alone", 0, 2e6, 1e6, "barrier"},
		{"a.py::x", 1, 500000, 1e6, "test"},
		{"a.py::y", 1, 1.5e6, 500000, "test"},
		{"b.py::alone", 2, 2e6, 1e6, "test"},
		{"c.py::lost", 3, 3e6, 500000, "test"},
		// b.py::alone's phases: set-up, then the call cut at the test's end.
		{"setup", 2, 2e6, 500000, "phase"},
		{"call", 2, 2.5e6, 500000, "phase"},
		{"teardown", 2, 3e6, 0, "phase"},
	} {
		e, ok := got[key{tc.name, tc.tid}]
		if !ok || e.Ph != "X" || e.TS != tc.ts || e.Dur == nil || *e.Dur != tc.dur || e.Cat != tc.category {
			t.Errorf("%s on track %d: %+v, want ts %v dur %v", tc.name, tc.tid, e, tc.ts, tc.dur)
		}
	}
	if got[key{"a.py::y", 1}].Args["message"] != "assert 1 == 2" || got[key{"a.py::y", 1}].Args["outcome"] != "failed" {
		t.Errorf("the failed test's args: %v", got[key{"a.py::y", 1}].Args)
	}
}

func TestValidate(t *testing.T) {
	type testCase struct {
		name, trace, err string
	}
	cases := []testCase{
		{"nested", `{"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},{"name":"b","ph":"X","ts":2,"dur":8,"pid":1,"tid":1}]}`, ""},
		{"overlapping threads", `{"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},{"name":"b","ph":"X","ts":5,"dur":10,"pid":1,"tid":2}]}`, ""},
		{"partly overlapping", `{"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},{"name":"b","ph":"X","ts":5,"dur":10,"pid":1,"tid":1}]}`, "without nesting"},
		{"no duration", `{"traceEvents":[{"name":"a","ph":"X","ts":0,"pid":1,"tid":1}]}`, "dur"},
		{"negative time", `{"traceEvents":[{"name":"a","ph":"X","ts":-1,"dur":1,"pid":1,"tid":1}]}`, "ts"},
		{"unknown phase", `{"traceEvents":[{"name":"a","ph":"Q","ts":0,"pid":1,"tid":1}]}`, "unknown phase"},
		{"thread by name", `{"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":1,"pid":1,"tid":"gw0"}]}`, "integers"},
		{"bad metadata", `{"traceEvents":[{"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{}}]}`, "metadata"},
		{"no events", `{"displayTimeUnit":"ms"}`, "no traceEvents"},
		{"not JSON", `[`, "not a trace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(strings.NewReader(tc.trace))
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}
