package runner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"shoal/result"
)

// kinds writes a run's events as one word each, those that every run has
// (SessionStarted, Collected, Finished) left out, tests named by index:
// "s3@gw0" started, "slow3@gw0+4" still running 4 s after it started, "f3" finished, "b+" and "b-" a barrier, "w+gw1" a
// worker started, "r gw1" replaced, "i" interrupted.
func kinds(events []result.Event) string {
	var out []string
	for _, e := range events {
		switch e := e.(type) {
		case result.TestStarted:
			out = append(out, fmt.Sprintf("s%d@%s", e.Test, e.Worker))
		case result.TestSlow:
			out = append(out, fmt.Sprintf("slow%d@%s+%.0f", e.Test, e.Worker, e.At-e.Since))
		case result.TestFinished:
			out = append(out, fmt.Sprintf("f%d", e.Test))
		case result.Barrier:
			out = append(out, map[bool]string{true: "b+", false: "b-"}[e.Open])
		case result.WorkerStarted:
			out = append(out, "w+"+e.Worker)
		case result.WorkerReplaced:
			out = append(out, "r "+e.Worker)
		case result.Interrupted:
			out = append(out, "i")
		}
	}
	return strings.Join(out, " ")
}

// TestEvents: what a run tells, event by event, in the fake world, where
// every run of a case is the same. Every fake run's events are also held
// to result.Check and added up against the run (see runFake).
func TestEvents(t *testing.T) {
	type testCase struct {
		name      string
		suite     fakeSuite
		opts      Options
		interrupt func(w *world, cancel func()) bool
		want      string // see kinds
		// crashSays is in the report of each crashed test's TestFinished.
		crashSays string
	}
	one := func(tests string) []fakeFile { return []fakeFile{{name: "a.py", tests: tests}} }
	cases := []testCase{
		{name: "a worker starts each test once it holds the next",
			suite: fakeSuite{files: one("...")}, opts: Options{Workers: 1},
			want: "w+gw0 s0@gw0 f0 s1@gw0 f1 s2@gw0 f2"},
		{name: "exclusive tests run inside a barrier, after the others",
			suite: fakeSuite{files: one("..AA..")}, opts: Options{Workers: 1},
			want: "w+gw0 s0@gw0 f0 s1@gw0 f1 s4@gw0 f4 s5@gw0 f5 b+ s2@gw0 f2 s3@gw0 f3 b-"},
		// The forked worker's exit status comes from the session after its
		// connection closed: the crash is told once it has come.
		{name: "a crashed worker is replaced; its test is told with the exit status",
			suite: fakeSuite{files: one(".C.")}, opts: Options{Workers: 1, MaxWorkerRestart: -1},
			want: "w+gw0 s0@gw0 f0 s1@gw0 r gw0 f1 w+gw0 s2@gw0 f2", crashSays: "signal 11 (segmentation fault)"},
		{name: "no restart allowed: the crash interrupts the run",
			suite: fakeSuite{files: one(".C.")}, opts: Options{Workers: 1},
			want: "w+gw0 s0@gw0 f0 s1@gw0 i f1"},
		{name: "the barrier opens once the other worker is done",
			suite: fakeSuite{files: []fakeFile{{name: "a.py", tests: "..."}, {name: "b.py", tests: ".A"}}},
			want:  "w+gw0 w+gw1 s0@gw0 s3@gw1 f0 s1@gw0 f1 s2@gw0 f3 f2 b+ s4@gw1 f4 b-"},
		{name: "a test that runs long is told slow at each multiple of the threshold, until its timeout",
			suite: fakeSuite{files: one(".H.")}, opts: Options{Workers: 1, Timeout: 10, Slow: 4 * time.Second, MaxWorkerRestart: -1},
			want: "w+gw0 s0@gw0 f0 s1@gw0 slow1@gw0+4 slow1@gw0+8 r gw0 f1 w+gw0 s2@gw0 f2"},
		{name: "no slow events for tests quicker than the threshold",
			suite: fakeSuite{files: one("...")}, opts: Options{Workers: 1, Slow: time.Second},
			want: "w+gw0 s0@gw0 f0 s1@gw0 f1 s2@gw0 f2"},
		{name: "an interrupt, and the hanging test killed",
			suite: fakeSuite{files: one(".H..")}, opts: Options{Workers: 1}, interrupt: interruptWhileHanging,
			want: "w+gw0 s0@gw0 f0 s1@gw0 i f1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fr := runFake(t, tc.suite, tc.opts, tc.interrupt)
			if fr.err != nil {
				t.Fatal(fr.err)
			}
			if got := kinds(fr.events); got != tc.want {
				t.Errorf("events\n got %s\nwant %s", got, tc.want)
			}
			for _, e := range fr.events {
				if e, ok := e.(result.TestFinished); ok && e.Ended.Crashed && !strings.Contains(e.Ended.Reports[0].LongRepr, tc.crashSays) {
					t.Errorf("the crash of %s does not say %q:\n%s", e.Ended.NodeID, tc.crashSays, e.Ended.Reports[0].LongRepr)
				}
			}
		})
	}
}
