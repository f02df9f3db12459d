package main

import (
	"reflect"
	"testing"

	"shoal/audit"
	"shoal/plan"
	"shoal/result"
)

func TestSuggestedMarks(t *testing.T) {
	key := func(k string) *string { return &k }
	type testCase struct {
		name    string
		marks   *result.Marks
		test    audit.Test
		verdict audit.Verdict
		want    *result.Marks
	}
	run := func(t *testing.T, tc testCase) {
		got := suggestedMarks(tc.marks, tc.test, tc.verdict)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("suggestedMarks = %+v, want %+v", got, tc.want)
		}
	}
	cases := []testCase{
		{"unneeded marker goes", &result.Marks{Exclusive: true}, audit.Test{Exclusive: true},
			audit.Verdict{Verdict: audit.Unneeded}, nil},
		{"unneeded keyed marker goes, other locks stay", &result.Marks{Locks: []string{"db", "xdist_group:g"}}, audit.Test{Keys: []string{"db"}},
			audit.Verdict{Verdict: audit.Unneeded}, &result.Marks{Locks: []string{"xdist_group:g"}}},
		{"fixable narrows to its keys", &result.Marks{Exclusive: true, Slots: 2}, audit.Test{Exclusive: true},
			audit.Verdict{Verdict: audit.Fixable, Key: key("port:1"), Keys: []string{"port:1", "file:x"}}, &result.Marks{Locks: []string{"port:1", "file:x"}, Slots: 2}},
		{"a leak keeps the marker", &result.Marks{Exclusive: true}, audit.Test{Exclusive: true},
			audit.Verdict{Verdict: audit.Fixable}, &result.Marks{Exclusive: true}},
		{"missing gets its key", nil, audit.Test{},
			audit.Verdict{Verdict: audit.Missing, Key: key("table:t")}, &result.Marks{Locks: []string{"table:t"}}},
		{"required stays", &result.Marks{Exclusive: true}, audit.Test{Exclusive: true},
			audit.Verdict{Verdict: audit.Required}, &result.Marks{Exclusive: true}},
		{"safe stays unmarked", nil, audit.Test{}, audit.Verdict{Verdict: audit.Safe}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestPairPlanner(t *testing.T) {
	run := &result.Run{Tests: []*result.Test{
		{NodeID: "a", Marks: &result.Marks{Exclusive: true}}, {NodeID: "b"}, {NodeID: "c"}, {NodeID: "d"},
	}}
	tests, cfg, keep, err := pairPlanner(map[string]int{"a": 0, "c": 1})(run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(keep, []bool{true, false, true, false}) {
		t.Errorf("keep = %v", keep)
	}
	if tests[0].Group != 0 || tests[2].Group != 1 || tests[0].Exclusive {
		t.Errorf("the pair's tests are %+v and %+v: want groups 0 and 1 and no marker", tests[0], tests[2])
	}
	if cfg.Workers != 2 || len(cfg.Setup) != 2 || cfg.Setup[0] < 60 {
		t.Errorf("config %+v: want two workers and dear set-ups, so neither takes the other's side", cfg)
	}
}

type fixedEstimates []plan.Estimate

func (f fixedEstimates) Estimates(ids []string) []plan.Estimate { return f[:len(ids)] }
func (fixedEstimates) FileSetup(files []string) []float64       { return []float64{0.5} }
func (fixedEstimates) Overhead() float64                        { return 0.001 }

func TestAuditEstimates(t *testing.T) {
	e := auditEstimates{
		inner:    fixedEstimates{{Seconds: 2, Known: true}, {Seconds: 0.01}, {Seconds: 0.01}},
		measured: map[string]float64{"b": 0.3, "a": 9},
	}
	got := e.Estimates([]string{"a", "b", "c"})
	want := []plan.Estimate{{Seconds: 2, Known: true}, {Seconds: 0.3, Known: true}, {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Estimates = %+v, want history's where it knows, else the traced run's: %+v", got, want)
	}
	if e.Overhead() != 0.001 || (auditEstimates{}).Overhead() != 0 || (auditEstimates{}).FileSetup([]string{"f"}) != nil {
		t.Error("overhead and set-ups come from history, or are none")
	}
}
