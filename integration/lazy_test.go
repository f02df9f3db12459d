//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// checkSplitFile checks a run of the split_file suite, one file of twelve
// slow-ish tests on two workers: the idle worker must take the back half of
// the file, importing the module itself, and no other process may import it
// (the session walks the suite without importing test modules). Its module
// logs each import and each test to SHOAL_IT_LOG/<pid>.log.
func checkSplitFile(t *testing.T, sh shoalRun, logDir string) {
	t.Helper()
	logs := readPidLogs(t, logDir)
	byWorker := testsByWorker(sh.record)
	pids := map[int]string{}
	for _, w := range sh.record.Workers {
		pids[w.PID] = w.ID
		if len(byWorker[w.ID]) == 0 {
			t.Errorf("worker %s ran none of the file's tests, want some on each worker:\n%s", w.ID, sh.output)
		}
	}
	ranOnce := map[string]int{}
	for pid, lines := range logs {
		w, ok := pids[pid]
		if !ok {
			t.Errorf("process %d, not a worker, imported or ran test_slow.py: %q", pid, lines)
			continue
		}
		if n := count(lines, "import"); n != 1 {
			t.Errorf("worker %s imported test_slow.py %d times, want once", w, n)
		}
		var ran []string
		for _, l := range lines {
			if l != "import" {
				ran = append(ran, l)
				ranOnce[l]++
			}
		}
		want := nodeIDs(byWorker[w])
		sort.Strings(ran)
		sort.Strings(want)
		if !slices.Equal(ran, want) {
			t.Errorf("worker %s ran %q, the record says %q", w, ran, want)
		}
	}
	for id, n := range ranOnce {
		if n != 1 {
			t.Errorf("%s ran %d times", id, n)
		}
	}
	if len(ranOnce) != 12 {
		t.Errorf("%d of the 12 tests ran", len(ranOnce))
	}
}

// readPidLogs reads dir/<pid>.log files: pid → lines.
func readPidLogs(t *testing.T, dir string) map[int][]string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	out := map[int][]string{}
	for _, p := range paths {
		pid, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(p), ".log"))
		if err != nil {
			t.Fatalf("unexpected log %s", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[pid] = strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	return out
}

func count(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if l == s {
			n++
		}
	}
	return n
}
