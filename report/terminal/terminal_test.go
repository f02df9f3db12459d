package terminal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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

// On CI pytest neither trims the crash message to the width nor drops the
// lines after its first; the reporter does as it does there and elsewhere.
func TestCrashLineOnCI(t *testing.T) {
	crash := "a message far longer than the forty columns of this terminal\nsecond line"
	type testCase struct {
		ci   string // "" unset
		want string
	}
	cases := []testCase{
		{"", "FAILED t.py::test_a - a message far l..."},
		{"true", "FAILED t.py::test_a - " + crash},
	}
	for _, tc := range cases {
		notOnCI(t)
		if tc.ci != "" {
			t.Setenv("CI", tc.ci)
		}
		r := New(&bytes.Buffer{}, 40, false, nil)
		if got := r.withCrash("FAILED", "red", "t.py::test_a", &crash); got != tc.want {
			t.Errorf("CI=%q: got %q, want %q", tc.ci, got, tc.want)
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

// TestCaptured: captured output shows whole under its title, as pytest
// shows it, whether it came in the result or in a file of its own.
func TestCaptured(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 5<<20; i++ {
		fmt.Fprintf(&b, "line %07d\n", i)
	}
	for _, text := range []string{"", "one line\n", "no newline at the end", b.String(), strings.Repeat("x", 1<<20)} {
		want := text
		if !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		for _, inFile := range []bool{false, true} {
			var buf bytes.Buffer
			r := New(&buf, 80, false, nil)
			r.captured(section(t, text, inFile))
			r.w.Flush()
			title, body, _ := strings.Cut(buf.String(), "\n")
			if !strings.Contains(title, " Captured stdout call ") || body != want {
				t.Errorf("%d bytes (in a file: %v) printed as %d bytes under %q", len(text), inFile, len(body), title)
			}
		}
	}
	var buf bytes.Buffer
	r := New(&buf, 80, false, nil)
	r.captured(result.Section{Name: "Captured stdout call", File: filepath.Join(t.TempDir(), "gone")})
	r.w.Flush()
	if !strings.Contains(buf.String(), "\n[shoal could not read the rest of this output: ") {
		t.Errorf("a section whose file is gone shows %q", buf.String())
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
