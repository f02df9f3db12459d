package terminal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shoal/result"
)

func TestFormatTrimmed(t *testing.T) {
	type testCase struct {
		msg   string
		width int
		want  string
		ok    bool
	}
	cases := []testCase{
		{"assert 1 == 2", 40, " - assert 1 == 2", true},
		{"first line\nsecond", 40, " - first line", true},
		{"a long message that does not fit", 15, " - a long me...", true},
		{"anything", 5, "", false},
	}
	for _, tc := range cases {
		msg, _, _ := strings.Cut(tc.msg, "\n")
		got, ok := formatTrimmed(msg, tc.width)
		if got != tc.want || ok != tc.ok {
			t.Errorf("formatTrimmed(%q, %d) = %q, %v; want %q, %v", tc.msg, tc.width, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	cases := map[float64]string{0.034: "0.03s", 59.994: "59.99s", 109.49: "109.49s (0:01:49)", 3725: "3725.00s (1:02:05)"}
	for in, want := range cases {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestCollectedLine(t *testing.T) {
	two := []*result.Test{{}, {}}
	cases := []struct {
		run  result.Run
		want string
	}{
		{result.Run{Tests: two}, "collected 2 items"},
		{result.Run{Tests: two[:1]}, "collected 1 item"},
		{result.Run{Tests: two, Deselected: 3}, "collected 5 items / 3 deselected / 2 selected"},
		{result.Run{CollectErrors: []result.CollectReport{{Outcome: "failed"}}}, "collected 0 items / 1 error"},
		{result.Run{Tests: two, CollectErrors: []result.CollectReport{{Outcome: "skipped"}}}, "collected 2 items / 1 skipped"},
	}
	for _, tc := range cases {
		if got := collectedLine(&tc.run); got != tc.want {
			t.Errorf("collectedLine = %q, want %q", got, tc.want)
		}
	}
}

func TestSeparatorsAreFullWidth(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, 80, false, nil)
	r.sep("=", "test session starts", "")
	r.sep("_", "TestC.test_p[2]", "")
	r.w.Flush()
	want := "============================= test session starts ==============================\n" +
		"_______________________________ TestC.test_p[2] ________________________________\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestClosingLine(t *testing.T) {
	msg := "boom"
	run := &result.Run{Start: 0, Stop: 0.5, Tests: []*result.Test{
		{Reports: result.PassReports, Durations: []float64{0, 0, 0}},
		{Reports: []result.Report{{When: "call", Outcome: "failed", Category: "failed", Crash: &msg}}},
		{Reports: []result.Report{{When: "setup", Outcome: "failed", Category: "error"}}},
	}, Warnings: []result.Warning{{Message: "w"}}}
	run.Options.Verbose = -1
	var buf bytes.Buffer
	r := New(&buf, 80, false, nil)
	r.stats(run)
	r.w.Flush()
	if got, want := buf.String(), "1 failed, 1 passed, 1 warning, 1 error in 0.50s\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestClip: output past clipLimit keeps its ends and says what was cut,
// whether it came in the result or in a file of its own.
func TestClip(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 5<<20; i++ {
		fmt.Fprintf(&b, "line %07d\n", i)
	}
	big := b.String()
	note := regexp.MustCompile(`\n\[\.\.\. shoal cut 5\.0 MiB, [0-9]+ lines, here \.\.\.\]\nline `)
	for _, inFile := range []bool{false, true} {
		small := strings.Repeat("a line\n", 100)
		if got := clip(section(t, small, inFile)); got != small {
			t.Errorf("small output changed (in a file: %v)", inFile)
		}
		got := clip(section(t, big, inFile))
		if len(got) > clipHead+clipTail+200 {
			t.Errorf("clipped to %d bytes", len(got))
		}
		if !strings.HasPrefix(got, "line 0000000\n") || !strings.HasSuffix(got, big[len(big)-13:]) {
			t.Errorf("clipped output lost its start or its end")
		}
		if !note.MatchString(got) {
			t.Errorf("no note between whole lines:\n%s", got[clipHead-100:clipHead+200])
		}
		oneLine := strings.Repeat("x", 1<<20)
		if got := clip(section(t, oneLine, inFile)); !strings.Contains(got, "x\n[... shoal cut 984.0 KiB here ...]\nx") || len(got) > clipHead+clipTail+200 {
			t.Errorf("one long line: %d bytes, %q", len(got), got[clipHead-10:clipHead+60])
		}
	}
	gone := result.Section{Name: "Captured stdout call", File: filepath.Join(t.TempDir(), "gone")}
	if got := clip(gone); !strings.HasPrefix(got, "[shoal could not read the rest of this output: ") {
		t.Errorf("a section whose file is gone shows %q", got)
	}
}

// section holds text as the plugin would send it: in the result, or in a
// file of its own.
func section(t *testing.T, text string, inFile bool) result.Section {
	t.Helper()
	if !inFile {
		return result.Section{Name: "Captured stdout call", Text: text}
	}
	path := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return result.Section{Name: "Captured stdout call", File: path}
}
