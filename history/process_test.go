package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as a recording shoal: with helperEnv set it
// records runs into a store instead of running tests (see recordLoop).
const helperEnv = "SHOAL_HISTORY_TEST_HELPER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		if err := recordLoop(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperSpec says what a helper process records.
type helperSpec struct {
	Path  string // the store
	Tag   int    // sets the helper's run start times apart from other helpers'
	Runs  int    // how many runs; 0: until killed
	Tests int    // tests per run
}

// recordLoop records runs, printing a line after each commit.
func recordLoop(spec string) error {
	var h helperSpec
	if err := json.Unmarshal([]byte(spec), &h); err != nil {
		return err
	}
	s, _, err := Open(h.Path)
	if err != nil {
		return err
	}
	defer s.Close()
	for i := 0; h.Runs == 0 || i < h.Runs; i++ {
		if err := s.Record(sharedRun(h.Tag, i, h.Tests)); err != nil {
			return err
		}
		fmt.Printf("recorded %d\n", i)
	}
	return nil
}

// sharedRun is run i of recorder tag: the same tests every time, with
// durations that say which recorder and run they came from.
func sharedRun(tag, i, tests int) Run {
	r := runAt(tag*10_000 + i)
	for k := 0; k < tests; k++ {
		r.Tests = append(r.Tests, TestRun{NodeID: fmt.Sprintf("tests/test_%d.py::test_%d", k/50, k),
			Call: float64(tag*1000+i) / 1000, Outcome: "passed", Worker: "gw" + strconv.Itoa(tag)})
	}
	return r
}

func startHelper(t *testing.T, h helperSpec) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	spec, _ := json.Marshal(h)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// exported reads a store back through Export.
func exported(t *testing.T, path string) exportDoc {
	t.Helper()
	s, warning, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if warning != "" {
		t.Errorf("the store needed replacing: %s", warning)
	}
	var buf bytes.Buffer
	if err := s.Export(&buf); err != nil {
		t.Fatal(err)
	}
	var doc exportDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	return doc
}

// checkAllRecorded says whether every test holds exactly one result from
// each of the runs.
func checkAllRecorded(t *testing.T, doc exportDoc, runs, tests int) {
	t.Helper()
	if len(doc.Runs) != runs {
		t.Errorf("%d runs stored, want %d", len(doc.Runs), runs)
	}
	if len(doc.Tests) != tests {
		t.Fatalf("%d tests stored, want %d", len(doc.Tests), tests)
	}
	for _, test := range doc.Tests {
		seen := map[int]bool{}
		for _, r := range test.Results {
			seen[*r.Run] = true
		}
		if len(seen) != runs {
			t.Errorf("%s has results from %d runs, want %d", test.NodeID, len(seen), runs)
		}
	}
}

func TestTwoProcessesRecordAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	const runs, tests = 5, 2000 // 2×5 runs: all kept
	var cmds []*exec.Cmd
	for tag := 1; tag <= 2; tag++ {
		cmd, out := startHelper(t, helperSpec{Path: path, Tag: tag, Runs: runs, Tests: tests})
		go func() {
			for out.Scan() {
			}
		}()
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("recording process: %v", err)
		}
	}
	checkAllRecorded(t, exported(t, path), 2*runs, tests)
}

func TestTwoStoresRecordAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	const runs, tests = 5, 2000
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for tag := 1; tag <= 2; tag++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- recordLoop(fmt.Sprintf(`{"Path":%q,"Tag":%d,"Runs":%d,"Tests":%d}`, path, tag, runs, tests))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkAllRecorded(t, exported(t, path), 2*runs, tests)
}

// TestKilledWhileRecording kills a process that records large runs without
// pause, so that the kill lands inside a transaction (one takes a good
// fraction of a second; the gap between two, microseconds), then checks
// that the store opens without a warning and holds whole runs only.
func TestKilledWhileRecording(t *testing.T) {
	if testing.Short() {
		t.Skip("records large runs")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	const tests = 20_000
	for round, delay := range []time.Duration{10 * time.Millisecond, 60 * time.Millisecond, 150 * time.Millisecond} {
		cmd, out := startHelper(t, helperSpec{Path: path, Tag: round + 1, Tests: tests})
		for i := 0; i < 2 && out.Scan(); i++ {
		}
		time.Sleep(delay)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		doc := exported(t, path)
		if len(doc.Runs) < 2*(round+1) {
			t.Errorf("round %d: %d runs stored, want at least %d", round, len(doc.Runs), 2*(round+1))
		}
		// Every run is all there or not at all: each test has the same
		// number of results.
		want := -1
		for _, test := range doc.Tests {
			if want == -1 {
				want = len(test.Results)
			}
			if len(test.Results) != want {
				t.Fatalf("round %d: %s has %d results, others %d: a run was stored in part",
					round, test.NodeID, len(test.Results), want)
			}
		}
		if len(doc.Tests) != tests {
			t.Errorf("round %d: %d tests stored, want %d", round, len(doc.Tests), tests)
		}
	}
}
