package record

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shoal/result"
)

// testdata/events.json is the record File wrote for the events of
// eventsOfRun. After a change to the record that is meant (fields are only
// ever added), regenerate it with
//
//	go test ./report/record/ -run TestFileFromEvents -update
//
// and read the diff. The events' times are fixed, so nothing needs
// normalising.
var update = flag.Bool("update", false, "rewrite the golden file from the output")

// eventsOfRun is a halted run on two workers: one worker was replaced
// after a crash, a test was killed at the interrupt and one never ran.
func eventsOfRun() []result.Event {
	const t0 = 1_700_000_000.0
	one := 1
	tests := []*result.Test{
		{File: 0, Pos: 0, NodeID: "t.py::test_pass", Path: "t.py", Lineno: &one},
		{File: 0, Pos: 1, NodeID: "t.py::test_fail", Path: "t.py", Marks: &result.Marks{Locks: []string{"db"}, Slots: 2}},
		{File: 0, Pos: 2, NodeID: "t.py::test_crash", Path: "t.py"},
		{File: 1, Pos: 0, NodeID: "u.py::test_alone", Path: "u.py", Marks: &result.Marks{Exclusive: true}},
		{File: 1, Pos: 1, NodeID: "u.py::test_hang", Path: "u.py"},
		{File: 1, Pos: 2, NodeID: "u.py::test_never", Path: "u.py"},
	}
	ended := func(i int, worker string, start float64, reports ...result.Report) result.TestFinished {
		t := *tests[i]
		t.Worker, t.Start, t.Stop, t.CPU, t.Reports = worker, t0+start, t0+start+0.25, 0.125, reports
		return result.TestFinished{At: t.Stop, Test: i, Ended: &t}
	}
	pass := ended(0, "gw0", 1)
	pass.Ended.Reports, pass.Ended.Durations = result.PassReports, []float64{0.0625, 0.125, 0.03125}
	msg := "assert 1 == 2"
	out := result.Section{Name: "Captured stdout call", Text: "printed\n"}
	fail := ended(1, "gw1", 1,
		result.Report{When: "setup", Outcome: "passed", Duration: 0.5, Sections: []result.Section{{Name: "Captured stdout setup", Text: "set up\n"}}},
		result.Report{When: "call", Outcome: "failed", Duration: 0.25, Category: "failed", LongRepr: "E   assert 1 == 2", Crash: &msg,
			Sections: []result.Section{{Name: "Captured stdout setup", Text: "set up\n"}, out}},
		result.Report{When: "teardown", Outcome: "passed", Duration: 0.125, Sections: []result.Section{{Name: "Captured stdout setup", Text: "set up\n"}, out}})
	crashMsg := "worker 'gw1' crashed while running 't.py::test_crash'"
	crash := ended(2, "gw1", 1.5, result.Report{When: "call", Outcome: "failed", Category: "failed", Crash: &crashMsg,
		LongRepr: crashMsg + "\nsignal 11 (segmentation fault)"})
	crash.Ended.Crashed = true
	alone := ended(3, "gw0", 2)
	alone.Ended.Reports, alone.Ended.Durations = result.PassReports, []float64{0, 0.5, 0}
	killed := *tests[4]
	killed.Worker, killed.Killed = "gw0", true
	provisions := &result.Provisions{TmpDir: "/run/gw0/tmp", Path: "/run/gw0/path", Ports: "20000-20099",
		Database: "postgresql://app:xxxxx@db/app_gw0", Services: []result.Service{{Name: "redis", Port: 20100, PID: 300, Log: "/logs/redis-gw0.log"}}}
	return []result.Event{
		result.SessionStarted{At: t0 + 0.1, Rootdir: "/suite", InvocationDir: "/suite", PythonVersion: "3.11.2", PytestVersion: "7.2.1"},
		result.WorkerStarted{At: t0 + 0.2, Worker: "gw0", PID: 101, Forked: true, Provisions: provisions},
		result.WorkerStarted{At: t0 + 0.2, Worker: "gw1", PID: 102, Forked: true},
		result.Collected{At: t0 + 0.5, Files: []string{"t.py", "u.py", "v.py"}, Tests: tests, Workers: []string{"gw0", "gw1"}, StartMode: "fork",
			CollectErrors: []result.CollectReport{{NodeID: "v.py", Outcome: "failed", LongRepr: "ImportError: nowhere"}}},
		result.TestStarted{At: t0 + 1, Test: 0, Worker: "gw0"}, pass,
		result.TestStarted{At: t0 + 1, Test: 1, Worker: "gw1"}, fail,
		result.TestStarted{At: t0 + 1.5, Test: 2, Worker: "gw1"}, crash,
		result.WorkerReplaced{At: t0 + 1.8, Worker: "gw1", Restarts: 1},
		result.WorkerStarted{At: t0 + 1.9, Worker: "gw1", PID: 103, Forked: true},
		result.Barrier{At: t0 + 2, Open: true}, result.TestStarted{At: t0 + 2, Test: 3, Worker: "gw0"}, alone,
		result.Barrier{At: t0 + 2.25, Open: false},
		result.TestStarted{At: t0 + 2.5, Test: 4, Worker: "gw0"},
		result.Interrupted{At: t0 + 3, Reason: "KeyboardInterrupt"},
		result.TestFinished{At: t0 + 4, Test: 4, Ended: &killed},
		result.Finished{At: t0 + 4.5, Start: t0, ExitCode: result.ExitInterrupted, Stopped: "KeyboardInterrupt",
			Interrupted: true, Halted: true, NotRun: []int{4, 5}, Killed: []int{4},
			Warnings: []result.Warning{{NodeID: "t.py::test_pass", Message: "careful"}}},
	}
}

func TestFileFromEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "run.json")
	f := NewFile(path)
	for _, e := range eventsOfRun() {
		f.Event(e)
	}
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "events.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("record differs from %s:\n got %s\nwant %s", golden, got, want)
	}
}

// TestFileCannotWrite: a record that cannot be written says so, and which
// file it was.
func TestFileCannotWrite(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f := NewFile(filepath.Join(blocker, "run.json"))
	for _, e := range eventsOfRun() {
		f.Event(e)
	}
	if f.Err() == nil {
		t.Fatal("no error for a record under a plain file")
	}
	if want := "cannot write run record " + filepath.Join(blocker, "run.json"); !strings.Contains(f.Err().Error(), want) {
		t.Errorf("error %q does not say %q", f.Err(), want)
	}
}
