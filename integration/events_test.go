//go:build integration

package integration_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"shoal/plugin"
	"shoal/result"
	"shoal/runner"
)

// recorder keeps every event a run emits, as reporters receive them.
type recorder struct {
	events []result.Event
	// env is added to the run's environment.
	env []string
}

func (r *recorder) Event(e result.Event) { r.events = append(r.events, e) }

// runEvents runs the runner in this process over suite dir, with real
// pytest, and returns the run and its events.
func runEvents(t *testing.T, ctx context.Context, dir string, mode startMode, rec *recorder, args ...string) *result.Run {
	t.Helper()
	pluginDir, err := plugin.Install(plugin.DefaultCacheDir())
	if err != nil {
		t.Fatal(err)
	}
	opts := runner.Options{
		Python: python, PluginDir: pluginDir, Args: append([]string{"-p", "no:cacheprovider"}, args...),
		Workers: 2, Fork: mode.name == "fork", Dir: dir, MaxWorkerRestart: -1, Grace: time.Second,
		Env: baseEnv("TMPDIR=" + privateTmp(t)),
		WorkerProvisions: func(id string) *result.Provisions {
			return &result.Provisions{Ports: "ports of " + id}
		},
	}
	opts.Env = append(opts.Env, rec.env...)
	run, err := runner.Run(ctx, opts, rec)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return run
}

// TestEvents runs suites with exclusive tests and with crashing workers and
// checks the events against the run the runner returned, and against what
// each event promises.
func TestEvents(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, suite := range []string{"isolation", "crash"} {
		for _, mode := range startModes {
			t.Run(suite+"/"+mode.name, func(t *testing.T) {
				t.Parallel()
				rec := &recorder{}
				run := runEvents(t, context.Background(), copySuite(t, suite), mode, rec)
				checkEvents(t, rec.events, run)
				if fin := rec.events[len(rec.events)-1].(result.Finished); len(fin.NotRun) > 0 {
					t.Errorf("tests did not run: %v", fin.NotRun)
				}
				if suite == "crash" {
					checkCrashEvents(t, rec.events)
				}
			})
		}
	}
}

// checkEvents: the events keep their promises (result.Check) and add up
// to the run the runner returned.
func checkEvents(t *testing.T, events []result.Event, run *result.Run) {
	t.Helper()
	if err := result.Check(events); err != nil {
		t.Errorf("%v; the events:\n%s", err, timeline(events))
	}
	if _, ok := events[0].(result.SessionStarted); !ok {
		t.Fatalf("first event %T, want SessionStarted", events[0])
	}
	fin, ok := events[len(events)-1].(result.Finished)
	if !ok {
		t.Fatalf("last event %T, want Finished", events[len(events)-1])
	}
	var built result.Run
	for _, e := range events {
		built.Apply(e)
	}
	if err := sameRun(&built, run); err != nil {
		t.Errorf("the events do not add up to the run: %v", err)
	}
	if fin.ExitCode != run.ExitCode || fin.Halted != run.Halted {
		t.Errorf("finished with exit code %d, halted %v; the run says %d, %v", fin.ExitCode, fin.Halted, run.ExitCode, run.Halted)
	}
}

// sameRun compares what reporters read of two runs.
func sameRun(a, b *result.Run) error {
	if len(a.Tests) != len(b.Tests) {
		return fmt.Errorf("%d tests, the runner has %d", len(a.Tests), len(b.Tests))
	}
	for i := range a.Tests {
		if !reflect.DeepEqual(a.Tests[i], b.Tests[i]) {
			return fmt.Errorf("test %d: %+v, the runner has %+v", i, a.Tests[i], b.Tests[i])
		}
	}
	for i, w := range b.Workers {
		got := a.Workers[i]
		if got.ID != w.ID || got.PID != w.PID || got.Restarts != w.Restarts || got.Provisions == nil {
			return fmt.Errorf("worker %+v, the runner has %+v", got, w)
		}
	}
	if a.ExitCode != b.ExitCode || a.Start != b.Start || a.Stop != b.Stop || a.StartMode != b.StartMode ||
		a.Rootdir != b.Rootdir || !reflect.DeepEqual(a.Options, b.Options) || !reflect.DeepEqual(a.Warnings, b.Warnings) {
		return fmt.Errorf("run %+v, the runner has %+v", a, b)
	}
	return nil
}

// timeline is the events, one a line, for a failure's message.
func timeline(events []result.Event) string {
	var b strings.Builder
	var tests []*result.Test
	for _, e := range events {
		switch e := e.(type) {
		case result.Collected:
			tests = e.Tests
			fmt.Fprintf(&b, "%.3f collected %d\n", e.At, len(e.Tests))
		case result.TestStarted:
			fmt.Fprintf(&b, "%.3f started %s %s\n", e.At, e.Worker, tests[e.Test].NodeID)
		case result.TestFinished:
			fmt.Fprintf(&b, "%.3f finished %s %s (%.3f-%.3f)\n", e.At, e.Ended.Worker, e.Ended.NodeID, e.Ended.Start, e.Ended.Stop)
		case result.Barrier:
			fmt.Fprintf(&b, "%.3f barrier open %v\n", e.At, e.Open)
		default:
			fmt.Fprintf(&b, "%T\n", e)
		}
	}
	return b.String()
}

// checkCrashEvents: a crashed test's report names its worker's exit
// status, and a worker was replaced for the crashes.
func checkCrashEvents(t *testing.T, events []result.Event) {
	t.Helper()
	status := map[string]string{
		"test_exit": "exit code 3", "test_segfault": "signal 11", "test_killed": "signal 9",
	}
	replaced := 0
	for _, e := range events {
		switch e := e.(type) {
		case result.TestFinished:
			name := e.Ended.NodeID[strings.LastIndex(e.Ended.NodeID, ":")+1:]
			want, crashes := status[name]
			if crashes != e.Ended.Crashed {
				t.Errorf("%s: crashed %v", e.Ended.NodeID, e.Ended.Crashed)
			}
			if crashes && !strings.Contains(e.Ended.Reports[0].LongRepr, want) {
				t.Errorf("%s: the crash report does not say %q:\n%s", e.Ended.NodeID, want, e.Ended.Reports[0].LongRepr)
			}
		case result.WorkerReplaced:
			replaced++
		}
	}
	// The last crash of a run may leave nothing for a replacement to do.
	if replaced == 0 || replaced > len(status) {
		t.Errorf("%d workers replaced after %d crashes", replaced, len(status))
	}
}

// TestEventsInterrupted interrupts a run while test_hang runs: the run
// tells of the interrupt, of test_hang stopped by its KeyboardInterrupt
// (and at most the other worker's running test with it), and finishes
// halted.
func TestEventsInterrupted(t *testing.T) {
	requirePython(t)
	t.Parallel()
	dir, pids := copySuite(t, "hang"), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{env: []string{"SHOAL_IT_PIDS=" + pids}}
	go func() {
		// Once test_hang's child is there, test_hang runs.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if files, _ := filepath.Glob(filepath.Join(pids, "*.pid")); len(files) > 0 {
				break
			}
		}
		cancel()
	}()
	run := runEvents(t, ctx, dir, startModes[0], rec, interruptFile)
	checkEvents(t, rec.events, run)
	var interrupted []string
	killed := map[string]*result.Test{}
	for _, e := range rec.events {
		switch e := e.(type) {
		case result.Interrupted:
			interrupted = append(interrupted, e.Reason)
		case result.TestFinished:
			if e.Ended.Killed {
				killed[e.Ended.NodeID] = e.Ended
			}
		}
	}
	hang := killed[hangingTest]
	if !reflect.DeepEqual(interrupted, []string{"KeyboardInterrupt"}) || hang == nil || len(killed) > 2 {
		t.Errorf("interrupts %q, killed %v; want one KeyboardInterrupt, %s and at most one more", interrupted, slices.Sorted(maps.Keys(killed)), hangingTest)
	} else if !strings.Contains(hang.Interrupt, "KeyboardInterrupt") {
		t.Errorf("%s does not say where its KeyboardInterrupt stopped it: %q", hangingTest, hang.Interrupt)
	}
	fin := rec.events[len(rec.events)-1].(result.Finished)
	if !fin.Halted || fin.ExitCode != result.ExitInterrupted || len(fin.Killed) != len(killed) || len(fin.NotRun) < len(killed) {
		t.Errorf("finished %+v; want halted, exit 2, the killed tests among those not run", fin)
	}
	checkChildrenGone(t, pids, 1)
}
