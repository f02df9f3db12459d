package junit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shoal/result"
)

// TestOutputFromFiles: captured output that came in files (too large for a
// message) gives the JUnit file byte for byte what the same output given
// as text gives, control characters, emoji and characters cut between two
// of the pieces it is read in included.
func TestOutputFromFiles(t *testing.T) {
	var big strings.Builder
	for i := 0; big.Len() < 200<<10; i++ {
		fmt.Fprintf(&big, "é%d😀\x07<&>\n", i)
	}
	tests := tests(outputTests(), escapeTests())
	out := []result.Section{{Name: "Captured stdout call", Text: big.String()}}
	tests = append(tests, &result.Test{NodeID: "test_big.py::test_big", Path: "test_big.py", Domain: "test_big", Reports: []result.Report{
		{When: "setup", Outcome: "passed"},
		{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED", Sections: out},
		{When: "teardown", Outcome: "passed", Sections: out},
	}})
	asText := writeAll(t, tests)
	dir := t.TempDir()
	n := 0
	for _, tt := range tests {
		for i := range tt.Reports {
			rep := &tt.Reports[i]
			sections := make([]result.Section, len(rep.Sections))
			for j, s := range rep.Sections {
				n++
				path := filepath.Join(dir, fmt.Sprint(n))
				if err := os.WriteFile(path, []byte(s.Text), 0o600); err != nil {
					t.Fatal(err)
				}
				sections[j] = result.Section{Name: s.Name, File: path}
			}
			rep.Sections = sections
		}
	}
	if asFiles := writeAll(t, tests); !bytes.Equal(asFiles, asText) {
		t.Errorf("output read from files differs from the same output as text:\n%s", firstDifference(asText, asFiles))
	}
	if !bytes.Contains(asText, []byte("é1999#x1F600#x07&lt;&amp;&gt;\n")) {
		t.Errorf("the big section is not in the file, escaped")
	}
}

func writeAll(t *testing.T, tests []*result.Test) []byte {
	t.Helper()
	run := &result.Run{Tests: tests, Options: optionsFor([]string{"-o", "junit_logging=all"})}
	var b bytes.Buffer
	if err := Write(&b, run, "host", epoch); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return fmt.Sprintf("at byte %d: %q vs %q", i, a[i:min(len(a), i+80)], b[i:min(len(b), i+80)])
}
