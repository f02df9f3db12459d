package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"shoal/result"
)

func TestWriteFileMatchesBuild(t *testing.T) {
	msg := "assert 1 == 2"
	run := &result.Run{
		Start: 100, Stop: 103, ExitCode: 1, StartMode: "fork",
		Workers: []*result.Worker{{ID: "gw0", PID: 42}},
		Tests: []*result.Test{
			{NodeID: "t.py::a", Worker: "gw0", Start: 100.5, Stop: 100.75, Reports: []result.Report{
				{When: "setup", Outcome: "passed", Duration: 0.01},
				{When: "call", Outcome: "passed", Duration: 0.2, Category: "passed"},
				{When: "teardown", Outcome: "passed", Duration: 0.04},
			}},
			{NodeID: "t.py::b", Worker: "gw0", Start: 101, Stop: 101.5, Reports: []result.Report{
				{When: "call", Outcome: "failed", Category: "failed", LongRepr: "E assert", Crash: &msg},
			}},
			{NodeID: "t.py::c"},
		},
	}
	path := filepath.Join(t.TempDir(), "sub", "run.json")
	if err := WriteFile(path, run); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got Record
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("record is not valid JSON: %v\n%s", err, data)
	}
	want := Build(run)
	if !reflect.DeepEqual(&got, want) {
		t.Fatalf("written record differs from Build:\n got %+v\nwant %+v", got, *want)
	}
	if got.Tests[0].Phases != (Phases{Setup: 0.01, Call: 0.2, Teardown: 0.04}) {
		t.Errorf("phases: %+v", got.Tests[0].Phases)
	}
	if got.Tests[1].Outcome != "failed" || got.Tests[1].Message != msg {
		t.Errorf("failed test: %+v", got.Tests[1])
	}
	if !reflect.DeepEqual(got.NotRun, []string{"t.py::c"}) {
		t.Errorf("not_run: %v", got.NotRun)
	}
	if got.Summary["passed"] != 1 || got.Summary["failed"] != 1 {
		t.Errorf("summary: %v", got.Summary)
	}
}

// TestOutputAndKilled: the record keeps every section of captured output
// once, a long one cut to its ends with a note, listed under cut; and it
// says which tests an interrupt cut off.
func TestOutputAndKilled(t *testing.T) {
	big := strings.Repeat("x", 3<<20) + "THE END\n"
	run := &result.Run{Tests: []*result.Test{
		{NodeID: "t.py::talks", Reports: []result.Report{
			{When: "setup", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: "s"}}},
			{When: "call", Outcome: "failed", Category: "failed", Sections: []result.Section{{Name: "Captured stdout setup", Text: "s"}, {Name: "Captured stdout call", Text: big}}},
			{When: "teardown", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: "s"}, {Name: "Captured stdout call", Text: big}, {Name: "Captured stderr teardown", Text: "e"}}},
		}},
		{NodeID: "t.py::hang", Worker: "gw0", Killed: true},
		{NodeID: "t.py::never"},
	}}
	path := filepath.Join(t.TempDir(), "run.json")
	if err := WriteFile(path, run); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var got Record
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	sections := got.Tests[0].Sections
	if len(sections) != 3 || sections[0] != [2]string{"Captured stdout setup", "s"} || sections[2] != [2]string{"Captured stderr teardown", "e"} {
		t.Errorf("sections: %d of them", len(sections))
	}
	call := sections[1][1]
	if len(call) > sectionLimit+200 || !strings.HasSuffix(call, "THE END\n") || !strings.Contains(call, "\n[... shoal cut ") {
		t.Errorf("the call's output is %d bytes, want its ends and a note: ...%q", len(call), call[max(0, len(call)-100):])
	}
	cut := got.Tests[0].Cut
	if len(cut) != 1 || cut[0].Section != "Captured stdout call" || cut[0].Size != int64(len(big)) ||
		cut[0].Cut < int64(len(big)-sectionLimit) || cut[0].Cut >= int64(len(big)) {
		t.Errorf("cut %+v, want the call's %d bytes, all but about %d of them cut", cut, len(big), sectionLimit)
	}
	if !reflect.DeepEqual(got.NotRun, []string{"t.py::hang", "t.py::never"}) || !reflect.DeepEqual(got.Killed, []string{"t.py::hang"}) {
		t.Errorf("not_run %v, killed %v", got.NotRun, got.Killed)
	}
}

// TestWorkerProvisions: workers[].resources holds what a worker had, with
// the keys documented in README.md; a worker without any has none.
func TestWorkerProvisions(t *testing.T) {
	run := &result.Run{Workers: []*result.Worker{
		{ID: "gw0", PID: 42, Provisions: &result.Provisions{
			TmpDir: "/tmp/shoal-1/gw0/tmp", Path: "/tmp/shoal-1/gw0/path", Ports: "20001-20099",
			Database: "postgresql://app:xxxxx@db/app_test_shoal_1_gw0",
			Services: []result.Service{{Name: "redis", Port: 20000, PID: 43, Log: "/logs/redis-gw0.log"}},
		}},
		{ID: "gw1", PID: 44},
	}}
	path := filepath.Join(t.TempDir(), "run.json")
	if err := WriteFile(path, run); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var doc struct {
		Workers []map[string]any `json:"workers"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"tmpdir": "/tmp/shoal-1/gw0/tmp", "worker_tmp_path": "/tmp/shoal-1/gw0/path", "ports": "20001-20099",
		"database": "postgresql://app:xxxxx@db/app_test_shoal_1_gw0",
		"services": []any{map[string]any{"name": "redis", "port": 20000.0, "pid": 43.0, "log": "/logs/redis-gw0.log"}},
	}
	if got := doc.Workers[0]["resources"]; !reflect.DeepEqual(got, want) {
		t.Errorf("gw0's resources:\n got %v\nwant %v", got, want)
	}
	if _, ok := doc.Workers[1]["resources"]; ok {
		t.Errorf("gw1 has no resources, but the record lists some: %v", doc.Workers[1])
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "run.json")
	run := &result.Run{Start: 1, Stop: 2, Tests: []*result.Test{{NodeID: "t.py::a", Worker: "gw0", Start: 1, Stop: 2, Reports: result.PassReports}}}
	if err := WriteFile(good, run); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	type testCase struct {
		name, path, err string
	}
	cases := []testCase{
		{"a record", good, ""},
		{"missing", filepath.Join(dir, "nope.json"), "cannot read run record"},
		{"not JSON", write("bad.json", "{"), "is not a run record"},
		{"no version", write("other.json", `{"tests": []}`), "format version 0"},
		{"newer", write("newer.json", `{"version": 99}`), "format version 99"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := ReadFile(tc.path)
			if tc.err == "" {
				if err != nil || len(rec.Tests) != 1 || rec.Tests[0].NodeID != "t.py::a" {
					t.Fatalf("got %+v, %v", rec, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one saying %q", err, tc.err)
			}
		})
	}
}
