//go:build integration

package integration_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestFixtures runs the fixtures suite, whose conftest logs every set-up of
// its session, module and class fixtures, and what each test saw of its
// worker's identity (see testdata/suites/fixtures/conftest.py).
func TestFixtures(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			logDir := t.TempDir()
			sh := runShoal(t, copySuite(t, "fixtures"), shoalCall{mode: mode, env: baseEnv("SHOAL_IT_FIXTURE_LOG=" + logDir)})
			if sh.code != 0 || sh.record == nil {
				t.Fatalf("the fixtures suite should pass:\n%s", sh.output)
			}
			if len(sh.record.Tests) != 26 {
				t.Fatalf("ran %d tests, want 26:\n%s", len(sh.record.Tests), sh.output)
			}
			for _, w := range sh.record.Workers {
				if w.Restarts != 0 {
					t.Fatalf("worker %s restarted: set-up counts would be off", w.ID)
				}
			}
			t.Run("scopes", func(t *testing.T) { checkScopes(t, sh.record, logDir) })
			t.Run("identity", func(t *testing.T) { checkIdentity(t, sh.record, logDir) })
		})
	}
}

// checkScopes: per worker, the session fixture is set up once, and a module
// or class fixture once per contiguous run of its tests in the order the
// worker ran them.
func checkScopes(t *testing.T, rec *record, logDir string) {
	byWorker := testsByWorker(rec)
	if len(byWorker) != 2 {
		t.Errorf("tests ran on %d workers, want 2 (the suite holds each worker's first test until both are up)", len(byWorker))
	}
	for _, w := range rec.Workers {
		tests := byWorker[w.ID]
		setups := countLines(t, filepath.Join(logDir, w.ID))
		wantSession := 1
		if len(tests) == 0 {
			wantSession = 0 // fixtures are lazy: a worker without tests sets up nothing
		}
		if setups["session"] != wantSession {
			t.Errorf("%s set up the session fixture %d times, want %d", w.ID, setups["session"], wantSession)
		}
		modules := runs(tests, moduleOf)
		classes := runs(tests, classOf)
		want := map[string]int{"session": wantSession}
		for m, n := range modules {
			want["module "+m] = n
		}
		for c, n := range classes {
			want["class "+c] = n
		}
		for key, n := range want {
			if setups[key] != n {
				t.Errorf("%s: %q set up %d times, want %d (contiguous runs in %v)", w.ID, key, setups[key], n, nodeIDs(tests))
			}
		}
		for key, n := range setups {
			if _, ok := want[key]; !ok {
				t.Errorf("%s: %q set up %d times, but none of its tests ran there", w.ID, key, n)
			}
		}
		// A worker must keep a module's tests together, not set it up per test.
		perModule := map[string]int{}
		for _, rt := range tests {
			perModule[moduleOf(rt.NodeID)]++
		}
		for m, n := range perModule {
			if n > 1 && setups["module "+m] >= n {
				t.Errorf("%s set up module %s %d times for its %d tests", w.ID, m, setups["module "+m], n)
			}
		}
	}
}

// testsByWorker groups the record's tests by worker, each in the order it ran.
func testsByWorker(rec *record) map[string][]recordTest {
	out := map[string][]recordTest{}
	for _, rt := range rec.Tests {
		out[rt.Worker] = append(out[rt.Worker], rt)
	}
	for _, tests := range out {
		sort.Slice(tests, func(i, j int) bool { return tests[i].Start < tests[j].Start })
	}
	return out
}

// runs counts, per key, the maximal runs of consecutive tests with that key;
// tests whose key is "" break runs and are not counted.
func runs(tests []recordTest, key func(nodeid string) string) map[string]int {
	out := map[string]int{}
	prev := ""
	for _, rt := range tests {
		k := key(rt.NodeID)
		if k != "" && k != prev {
			out[k]++
		}
		prev = k
	}
	return out
}

func moduleOf(nodeid string) string {
	m, _, _ := strings.Cut(nodeid, "::")
	return m
}

// classOf is "file::Class" for a test method, "" for a function.
func classOf(nodeid string) string {
	parts := strings.Split(nodeid, "::")
	if len(parts) < 3 {
		return ""
	}
	return parts[0] + "::" + parts[1]
}

func nodeIDs(tests []recordTest) []string {
	var out []string
	for _, rt := range tests {
		out = append(out, rt.NodeID)
	}
	return out
}

// countLines counts a log file's lines; a missing file has none.
func countLines(t *testing.T, path string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line != "" {
			out[line]++
		}
	}
	return out
}

// identity is what one test saw of its worker.
type identity struct {
	NodeID      string `json:"nodeid"`
	XdistWorker string `json:"PYTEST_XDIST_WORKER"`
	ShoalWorker string `json:"SHOAL_WORKER"`
	WorkerCount string `json:"PYTEST_XDIST_WORKER_COUNT"`
	WorkerID    string `json:"worker_id"`
	TestrunUID  string `json:"testrun_uid"`
	TmpPath     string `json:"tmp_path"`
	PID         int    `json:"pid"`
}

// checkIdentity: inside each test the xdist variables, shoal's variable, the
// worker_id fixture and the record agree on the worker; testrun_uid is one
// value for the run; tmp_path lies under the worker's own basetemp,
// <run basetemp>/popen-gwN, as pytest-xdist's workers have it.
func checkIdentity(t *testing.T, rec *record, logDir string) {
	seen := readIdentities(t, logDir)
	pids := map[string]int{}
	for _, w := range rec.Workers {
		pids[w.ID] = w.PID
	}
	uids := map[string]bool{}
	basetemps := map[string]string{} // worker → basetemp
	for _, rt := range rec.Tests {
		id, ok := seen[rt.NodeID]
		if !ok {
			t.Errorf("%s left no identity record", rt.NodeID)
			continue
		}
		w := rt.Worker
		if id.XdistWorker != w || id.ShoalWorker != w || id.WorkerID != w {
			t.Errorf("%s ran on %s per the record, but saw PYTEST_XDIST_WORKER=%q SHOAL_WORKER=%q worker_id=%q",
				rt.NodeID, w, id.XdistWorker, id.ShoalWorker, id.WorkerID)
		}
		if id.WorkerCount != "2" {
			t.Errorf("%s saw PYTEST_XDIST_WORKER_COUNT=%q, want \"2\"", rt.NodeID, id.WorkerCount)
		}
		if id.PID != pids[w] {
			t.Errorf("%s ran in process %d, but the record says %s is process %d", rt.NodeID, id.PID, w, pids[w])
		}
		uids[id.TestrunUID] = true
		basetemp := filepath.Dir(id.TmpPath)
		if filepath.Base(basetemp) != "popen-"+w {
			t.Errorf("%s on %s got tmp_path %s, want one under popen-%s", rt.NodeID, w, id.TmpPath, w)
		}
		if prev, ok := basetemps[w]; ok && prev != basetemp {
			t.Errorf("%s has two basetemps: %s and %s", w, prev, basetemp)
		}
		basetemps[w] = basetemp
	}
	if len(uids) != 1 || uids[""] {
		t.Errorf("testrun_uid should be one non-empty value for the run, got %v", keys(uids))
	}
	if len(seen) != len(rec.Tests) {
		t.Errorf("%d tests recorded their identity, the run record has %d tests", len(seen), len(rec.Tests))
	}
	// Different workers, different basetemps, side by side as pytest-xdist puts them.
	parents := map[string]bool{}
	dirs := map[string]bool{}
	for _, bt := range basetemps {
		dirs[bt] = true
		parents[filepath.Dir(bt)] = true
	}
	if len(dirs) != len(basetemps) {
		t.Errorf("workers' basetemps should differ: %v", basetemps)
	}
	if len(parents) != 1 {
		t.Errorf("workers' basetemps should share the run's basetemp: %v", basetemps)
	}
}

func readIdentities(t *testing.T, logDir string) map[string]identity {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(logDir, "identity-*.jsonl"))
	out := map[string]identity{}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var id identity
			if err := json.Unmarshal(sc.Bytes(), &id); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if _, dup := out[id.NodeID]; dup {
				t.Errorf("%s ran twice", id.NodeID)
			}
			out[id.NodeID] = id
		}
		f.Close()
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
