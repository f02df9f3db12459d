//go:build integration

package integration_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigOutput is what test_prints_130_mb prints: 130 MiB of lines, then THE END.
const bigOutput int64 = 130<<20 + int64(len("THE END\n"))

// TestBigOutput: a passing test prints 130 MB. Under pytest it passes; under
// shoal too, exit 0, while shoal's own memory stays under 400 MB: the
// output goes to a file, not through shoal's memory, and the run record
// keeps its two ends and says how much it cut. Fork mode only: how the
// worker started changes nothing in how its output travels.
func TestBigOutput(t *testing.T) {
	requirePython(t)
	t.Parallel()
	stats := filepath.Join(t.TempDir(), "stats.json")
	sh := runShoal(t, copySuite(t, "big_output"), shoalCall{mode: startModes[0], env: baseEnv("SHOAL_SELF_STATS=" + stats)})
	if sh.code != 0 || sh.record == nil {
		t.Fatalf("shoal should exit 0 and write its record:\n%s", shortened(sh.stdout)+sh.stderr)
	}
	big := findTest(sh.record, "test_big_output.py::test_prints_130_mb")
	if big.Outcome != "passed" || findTest(sh.record, "test_big_output.py::test_quiet").Outcome != "passed" {
		t.Errorf("outcomes %v, want both passed", sh.record.outcomes(t))
	}
	checkRecordCut(t, big, "Captured stdout call", bigOutput, strings.Repeat("x", 1023)+"\n", "THE END\n")
	if len(big.Cut) == 1 && big.Cut[0].Size != bigOutput {
		t.Errorf("the record says the test printed %d bytes, want %d", big.Cut[0].Size, bigOutput)
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
