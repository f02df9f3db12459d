package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shoal/report/record"
	"shoal/result"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "run.json")
	res := &result.Run{Start: 10, Stop: 14, StartMode: "fork", Workers: []*result.Worker{{ID: "gw0"}, {ID: "gw1"}}, Tests: []*result.Test{
		{NodeID: "a.py::x", Worker: "gw0", Start: 11, Stop: 14, Reports: result.PassReports},
		{NodeID: "a.py::y", Worker: "gw1", Start: 11, Stop: 12, Reports: result.PassReports},
	}}
	if err := record.WriteFile(rec, res); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	auditFile := write("audit.json", `{"tests": [{"nodeid": "a.py::x", "verdict": "unneeded"}], "summary": {}}`)
	type testCase struct {
		name   string
		args   []string
		code   int
		stdout string // a part of it
		stderr string
	}
	cases := []testCase{
		{"text", []string{"report", rec}, 0, "where the time went: 4.00 s wall, 5.00 s serial estimate, speedup 1.25x on 2 workers", ""},
		{"with the audit", []string{"report", rec, "--audit", auditFile}, 0, "long_test", ""},
		{"no record", []string{"report"}, 4, "", "hint: shoal run --report-json run.json writes one"},
		{"two records", []string{"report", rec, rec}, 4, "", "takes one run record"},
		{"missing", []string{"report", filepath.Join(dir, "nope.json")}, 4, "", "cannot read run record"},
		{"not a record", []string{"report", write("bad.json", "[1]")}, 4, "", "is not a run record"},
		{"bad audit", []string{"report", rec, "--audit", write("badaudit.json", "{")}, 4, "", "is not shoal audit's JSON"},
		{"bad flag", []string{"report", rec, "--nope"}, 4, "", "unknown flag"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
		})
	}
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"report", rec, "--json"}, &stdout, &bytes.Buffer{}); code != 0 {
		t.Fatalf("--json: exit %d", code)
	}
	var got struct {
		Wall, Speedup float64
		Workers       []struct{ Utilisation float64 }
		Bottlenecks   []struct{ Kind string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout.String())
	}
	if got.Wall != 4 || got.Speedup != 1.25 || len(got.Workers) != 2 || got.Workers[0].Utilisation != 1 || len(got.Bottlenecks) == 0 {
		t.Fatalf("--json: %+v", got)
	}
}

func TestReplayUsage(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "run.json")
	res := &result.Run{Start: 1, Stop: 2, Workers: []*result.Worker{{ID: "gw0"}},
		Tests: []*result.Test{{NodeID: "a.py::x", Worker: "gw0", Start: 1, Stop: 2, Reports: result.PassReports}}}
	if err := record.WriteFile(rec, res); err != nil {
		t.Fatal(err)
	}
	type testCase struct {
		name   string
		args   []string
		stderr string
	}
	cases := []testCase{
		{"no record", []string{"replay"}, "takes a run record"},
		{"neither", []string{"replay", rec}, "one of --worker and --test"},
		{"both", []string{"replay", rec, "--worker", "gw0", "--test", "a.py::x"}, "one of --worker and --test"},
		{"missing record", []string{"replay", rec + ".nope", "--worker", "gw0"}, "cannot read run record"},
		{"no such worker", []string{"replay", rec, "--worker", "gw3"}, `no test ran on worker "gw3"`},
		{"no such test", []string{"replay", rec, "--test", "a.py::y"}, "a.py::y did not run in the recorded run"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code != 4 || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, want 4 saying %q:\n%s", code, tc.stderr, stderr.String())
			}
		})
	}
}
