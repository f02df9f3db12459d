package result

import (
	"strings"
	"testing"
)

// TestCheck: a run's events that keep their promises pass; each broken
// promise is named.
func TestCheck(t *testing.T) {
	alone := &Marks{Exclusive: true}
	collected := func() Collected {
		return Collected{Tests: []*Test{{NodeID: "t.py::a"}, {NodeID: "t.py::b", Marks: alone}, {NodeID: "t.py::c"}}}
	}
	ended := func(i int, worker string) TestFinished {
		t := *collected().Tests[i]
		t.Worker, t.Reports = worker, PassReports
		return TestFinished{Test: i, Ended: &t}
	}
	killed := TestFinished{Test: 2, Ended: &Test{NodeID: "t.py::c", Worker: "gw1", Killed: true}}
	good := []Event{
		SessionStarted{}, collected(), WorkerStarted{Worker: "gw0"},
		TestStarted{Test: 0, Worker: "gw0"}, ended(0, "gw0"),
		Barrier{Open: true}, TestStarted{Test: 1, Worker: "gw0"}, ended(1, "gw0"), Barrier{Open: false},
		WorkerReplaced{Worker: "gw1", Restarts: 1}, TestStarted{Test: 2, Worker: "gw1"}, Interrupted{}, killed,
		Finished{NotRun: []int{2}, Killed: []int{2}},
	}
	type testCase struct {
		name   string
		events []Event
		err    string // "" for none
	}
	with := func(k int, e Event) []Event {
		out := append([]Event(nil), good...)
		out[k] = e
		return out
	}
	changed := collected()
	changed.Tests[0] = &Test{NodeID: "t.py::a", Reports: PassReports}
	cases := []testCase{
		{"a run that keeps every promise", good, ""},
		{"session after collection", append([]Event{collected(), SessionStarted{}}, good[2:]...), "session started after collection"},
		{"started before collected", with(1, TestStarted{Test: 0, Worker: "gw0"}), "was not collected"},
		{"finished on another worker", with(4, ended(0, "gw1")), "started on gw0 and finished on gw1"},
		{"finished without starting", with(3, WorkerStarted{}), "finished without having started"},
		{"finished twice", with(7, ended(0, "gw0")), "finished twice"},
		{"exclusive outside a barrier", with(5, Interrupted{}), "exclusive true) started while a barrier was open: false"},
		{"ordinary inside a barrier", with(8, TestStarted{Test: 2, Worker: "gw1"}), "(exclusive false) started while a barrier was open: true"},
		{"a barrier opened twice", with(8, Barrier{Open: true}), "barrier open true while it already was"},
		{"a barrier left open", append(append([]Event(nil), good[:8]...), Finished{NotRun: []int{2}}), "a barrier is still open at the end"},
		{"restarts skip one", with(9, WorkerReplaced{Worker: "gw1", Restarts: 2}), "replaced for the 1. time, the event says 2"},
		{"after finished", append(append([]Event(nil), good...), Interrupted{}), "events after Finished"},
		{"not run disagrees", with(13, Finished{Killed: []int{2}}), "finished with not run [] and killed [2]"},
		{"a collected test changed", with(1, changed), "was changed after it was emitted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.events)
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want one saying %q", err, tc.err)
			}
		})
	}
}
