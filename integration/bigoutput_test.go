//go:build integration

package integration_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigOutput is what test_prints_130_mb and test_fails_after_130_mb print: 130 MiB of lines, then THE END.
const bigOutput int64 = 130<<20 + int64(len("THE END\n"))

// TestBigOutput: two tests print 130 MB each, one passes and one fails.
// Under shoal as under pytest the first passes and the second fails, exit
// 1; the terminal shows the failing test's output whole, as pytest does,
// and so does the JUnit file (junit_logging = all); the run record keeps
// the ends of each and says how much it cut; and shoal's own memory stays
// under 400 MB all along: the output goes through files, a piece at a
// time. Fork mode only: how the workers started changes nothing in how
// their output travels.
func TestBigOutput(t *testing.T) {
	requirePython(t)
	t.Parallel()
	stats, junit := filepath.Join(t.TempDir(), "stats.json"), filepath.Join(t.TempDir(), "junit.xml")
	sh := runShoal(t, copySuite(t, "big_output"), shoalCall{
		mode: startModes[0], env: baseEnv("SHOAL_SELF_STATS=" + stats),
		args: []string{"-o", "junit_logging=all", "-o", "junit_log_passing_tests=false", "--junitxml", junit},
	})
	if sh.code != 1 || sh.record == nil {
		t.Fatalf("shoal should exit 1 and write its record:\n%s", shortened(sh.stdout)+sh.stderr)
	}
	want := map[string]string{
		"test_big_output.py::test_prints_130_mb": "passed", "test_big_output.py::test_quiet": "passed",
		"test_big_output.py::test_fails_after_130_mb": "failed",
	}
	if got := sh.record.outcomes(t); !maps.Equal(got, want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
	line := strings.Repeat("x", 1023) + "\n"
	for _, name := range []string{"test_prints_130_mb", "test_fails_after_130_mb"} {
		rt := findTest(sh.record, "test_big_output.py::"+name)
		checkRecordCut(t, rt, "Captured stdout call", bigOutput, line, "THE END\n")
		if len(rt.Cut) == 1 && rt.Cut[0].Size != bigOutput {
			t.Errorf("%s: the record says it printed %d bytes, want %d", name, rt.Cut[0].Size, bigOutput)
		}
	}
	whole := "Captured stdout call -----------------------------\n" + strings.Repeat(line, 130<<10) + "THE END\n"
	if !strings.Contains(sh.stdout, whole) {
		t.Errorf("the terminal should show the failing test's %d bytes whole; it printed %d bytes", bigOutput, len(sh.stdout))
	}
	if info, err := os.Stat(junit); err != nil || info.Size() < bigOutput {
		t.Errorf("the JUnit file should hold the failing test's output whole: %v, %v", info, err)
	}
	data, err := os.ReadFile(stats)
	if err != nil {
		t.Fatalf("shoal wrote no SHOAL_SELF_STATS: %v", err)
	}
	var self struct {
		MaxRSS float64 `json:"max_rss_bytes"`
	}
	if err := json.Unmarshal(data, &self); err != nil {
		t.Fatal(err)
	}
	if self.MaxRSS > 400<<20 {
		t.Errorf("shoal's peak RSS was %.0f MiB, want under 400", self.MaxRSS/(1<<20))
	}
}
