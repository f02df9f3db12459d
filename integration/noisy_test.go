//go:build integration

package integration_test

import (
	"encoding/xml"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoisyOutput runs the noisy suite, whose tests print megabytes, bytes
// that are not UTF-8, write straight to fds 1 and 2 and close stdin, under
// pytest and under shoal. Outcomes and the summary must be pytest's; the
// terminal and the JUnit file (junit_logging = all) keep huge output whole,
// as pytest's do, while the run record keeps its ends, with a note between
// them, and lists what it cut.
func TestNoisyOutput(t *testing.T) {
	requirePython(t)
	t.Parallel()
	py := runPytest(t, copySuite(t, "noisy"))
	if py.code != 1 || len(py.outcomes) != 12 {
		t.Fatalf("pytest should exit 1 after running 12 tests; it exited %d after %d", py.code, len(py.outcomes))
	}
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := copySuite(t, "noisy")
			junit := filepath.Join(t.TempDir(), "junit.xml")
			sh := runShoal(t, dir, shoalCall{mode: mode, args: []string{"--junitxml", junit}})
			if sh.code != py.code || sh.record == nil {
				t.Fatalf("shoal exited %d, pytest %d:\n%s", sh.code, py.code, shortened(sh.stdout)+sh.stderr)
			}
			if got := sh.record.outcomes(t); !maps.Equal(got, py.outcomes) {
				t.Errorf("outcomes differ:\nshoal:  %v\npytest: %v", got, py.outcomes)
			}
			for _, cmp := range []struct {
				what        string
				shoal, pyts []string
			}{
				{"summary line", []string{summaryLine(sh.stdout)}, []string{summaryLine(py.stdout)}},
				{"FAILURES titles", sectionTitles(sh.stdout), sectionTitles(py.stdout)},
				{"short test summary", shortSummary(sh.stdout), shortSummary(py.stdout)},
			} {
				if !slices.Equal(cmp.shoal, cmp.pyts) {
					t.Errorf("%s differs:\nshoal:  %q\npytest: %q", cmp.what, cmp.shoal, cmp.pyts)
				}
			}
			// pytest prints its 7 MB, and so does shoal.
			if len(py.stdout) < 7<<20 || len(sh.stdout) < len(py.stdout)*9/10 {
				t.Errorf("pytest printed %d bytes and shoal %d; shoal should print as much", len(py.stdout), len(sh.stdout))
			}
			for _, whole := range []string{
				"line 0000000 of a test that talks a lot\nline 0000001 ",
				"line 0065536 of a test that talks a lot\n",
				"line 0131071 of a test that talks a lot\nTHE END\n",
				"\n" + strings.Repeat("x", 2<<20) + "\n",
			} {
				if !strings.Contains(sh.stdout, whole) {
					t.Errorf("shoal's output lacks %q:\n%s", shortened(whole), shortened(sh.stdout))
				}
			}
			checkRecordCut(t, findTest(sh.record, "test_noisy.py::test_big_fail"), "Captured stdout call", 5<<20, "line 0000000 ", "THE END\n")
			checkRecordCut(t, findTest(sh.record, "test_noisy.py::test_one_huge_line"), "Captured stderr call", 2<<20, "xxx", "xxx")
			binary := findTest(sh.record, "test_noisy.py::test_binary")
			if out := binary.section("Captured stdout call"); !strings.Contains(out, "\x1b[31mred\x1b[0m not utf-8: \ufffd(") {
				t.Errorf("test_binary's stdout, with what is not UTF-8 replaced as pytest does, is %q", out)
			}
			if out := binary.section("Captured stderr call"); !strings.HasPrefix(out, "straight to fd 2 ") {
				t.Errorf("test_binary's stderr is %q", out)
			}
			checkNoisyJUnit(t, junit)
		})
	}
}

// checkRecordCut: the record keeps about a megabyte of the test's section
// name, which held at least size bytes: its start and end, a note between
// them, and an entry under cut that says how much it left out.
func checkRecordCut(t *testing.T, rt recordTest, name string, size int64, start, end string) {
	t.Helper()
	text := rt.section(name)
	if len(text) > 1<<20+200 || !strings.HasPrefix(text, start) || !strings.HasSuffix(text, end) || !strings.Contains(text, "[... shoal cut ") {
		t.Errorf("%s: the record keeps %d bytes of %s, want its ends and a note between them", rt.NodeID, len(text), name)
	}
	if len(rt.Cut) != 1 || rt.Cut[0].Section != name || rt.Cut[0].Size < size || rt.Cut[0].Cut < rt.Cut[0].Size-1<<20 {
		t.Errorf("%s: the record's cut is %+v, want %s's %d bytes or more, all but about 1 MiB cut", rt.NodeID, rt.Cut, name, size)
	}
}

// checkNoisyJUnit: the JUnit file is XML and keeps test_big_fail's output whole.
func checkNoisyJUnit(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JUnit file: %v", err)
	}
	var doc struct {
		Cases []struct {
			Name      string `xml:"name,attr"`
			SystemOut string `xml:"system-out"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JUnit file is not XML: %v", err)
	}
	for _, c := range doc.Cases {
		if c.Name == "test_big_fail" && (len(c.SystemOut) < 5<<20 || !strings.Contains(c.SystemOut, "THE END")) {
			t.Errorf("the JUnit file keeps %d bytes of test_big_fail's output, want all of it", len(c.SystemOut))
		}
	}
	if len(doc.Cases) != 12 {
		t.Errorf("the JUnit file has %d test cases, want 12", len(doc.Cases))
	}
}

// shortened is output fit for a test failure message.
func shortened(s string) string {
	if len(s) > 8<<10 {
		return s[:4<<10] + "\n[...]\n" + s[len(s)-4<<10:]
	}
	return s
}
