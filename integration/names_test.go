//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestNamesNotUTF8: two test files whose names differ only in bytes that
// are not UTF-8 (\xff, \xfe) are two files to shoal: two tests, each
// with its own node id, with the byte written \xNN.
func TestNamesNotUTF8(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string]string{"pytest.ini": "[pytest]\n"}
			for _, b := range []string{"\xff", "\xfe"} {
				files["test_a"+b+".py"] = "def test_x():\n    pass\n"
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Skipf("this file system does not take such names: %v", err)
				}
			}
			sh := runShoal(t, dir, shoalCall{mode: mode})
			if sh.code != 0 || sh.record == nil {
				t.Fatalf("shoal should pass both tests:\n%s", sh.output)
			}
			var ids []string
			for _, rt := range sh.record.Tests {
				ids = append(ids, rt.NodeID)
			}
			slices.Sort(ids)
			if want := []string{`test_a\xfe.py::test_x`, `test_a\xff.py::test_x`}; !slices.Equal(ids, want) {
				t.Errorf("node ids %q, want %q", ids, want)
			}
			if got := summaryLine(sh.stdout); got != "2 passed" {
				t.Errorf("summary line %q, want \"2 passed\"", got)
			}
		})
	}
}
