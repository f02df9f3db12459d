package interp

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fake interpreters are shell scripts: Check only starts a program and
// reads what it prints, so they stand in for Python without needing one.
func TestCheck(t *testing.T) {
	type testCase struct {
		name   string
		script string // body after #!/bin/sh; "" with mode 0 means no file
		mode   uint32
		want   Info
		// wantErr is Error() with PY for the interpreter; "" for success.
		wantErr  string
		wantHint string // a part of the hint
		output   string // the whole Output, for errors
	}
	const source = "python3 on PATH"
	run := func(t *testing.T, tc testCase) {
		dir := t.TempDir()
		py := filepath.Join(dir, "python")
		if tc.mode != 0 {
			write(t, dir, "python", tc.script, os.FileMode(tc.mode))
		}
		got, err := Check(context.Background(), Choice{Path: py, Source: source})
		if tc.wantErr == "" {
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("got %+v, %v; want an *Error", got, err)
		}
		if want := strings.ReplaceAll(tc.wantErr, "PY", py); err.Error() != want {
			t.Errorf("error\n got: %s\nwant: %s", err, want)
		}
		if e.Python != py || e.Source != source || e.Output != tc.output {
			t.Errorf("got Python=%q Source=%q Output=%q, want %q %q %q", e.Python, e.Source, e.Output, py, source, tc.output)
		}
		if !strings.HasPrefix(e.Hint, "hint: ") || !strings.Contains(e.Hint, tc.wantHint) {
			t.Errorf("hint %q, want one starting \"hint: \" and containing %q", e.Hint, tc.wantHint)
		}
	}
	const noPytest = "ModuleNotFoundError: No module named 'pytest'"
	testCases := []testCase{
		{
			name: "versions",
			script: `#!/bin/sh
echo '{"python": "3.12.1", "pytest": "8.3.4", "executable": "/opt/py/bin/python3"}'
`,
			mode: 0o755,
			want: Info{Python: "3.12.1", Pytest: "8.3.4", Executable: "/opt/py/bin/python3"},
		},
		{
			name: "noise before the versions",
			script: `#!/bin/sh
echo 'sitecustomize says hello'
echo '{"python": "3.8.10", "pytest": "7.2.0", "executable": "/usr/bin/python3"}'
echo 'warning: something' >&2
`,
			mode: 0o755,
			want: Info{Python: "3.8.10", Pytest: "7.2.0", Executable: "/usr/bin/python3"},
		},
		{
			name: "pytest missing",
			script: `#!/bin/sh
echo "` + noPytest + `" >&2
exit 3
`,
			mode:     0o755,
			wantErr:  "cannot import pytest with PY (python3 on PATH): " + noPytest,
			wantHint: "-m pip install pytest",
			output:   noPytest,
		},
		{
			name: "crash with a traceback",
			script: `#!/bin/sh
cat >&2 <<'END'
Traceback (most recent call last):
  File "<string>", line 1, in <module>
` + noPytest + `
END
exit 1
`,
			mode:     0o755,
			wantErr:  "cannot run PY (python3 on PATH): exit status 1: " + noPytest,
			wantHint: "run it by hand",
			output:   "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n" + noPytest,
		},
		{
			name: "not python",
			script: `#!/bin/sh
echo "usage: python [options]"
`,
			mode:     0o755,
			wantErr:  "cannot check PY (python3 on PATH): it did not print its versions: usage: python [options]",
			wantHint: "is it a Python interpreter?",
			output:   "usage: python [options]",
		},
		{
			name:     "not executable",
			script:   "#!/bin/sh\n",
			mode:     0o644,
			wantErr:  "cannot run PY (python3 on PATH): not executable",
			wantHint: "chmod +x",
		},
		{
			name:     "no such file",
			wantErr:  "cannot find interpreter PY (python3 on PATH): no such file",
			wantHint: "check the path",
		},
		{
			name:     "#! names a missing program",
			script:   "#!/nonexistent/python\n",
			mode:     0o755,
			wantErr:  "cannot find interpreter PY (python3 on PATH): its #! line names a program that does not exist",
			wantHint: "check the path",
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestCheckStopsWithContext(t *testing.T) {
	py := write(t, t.TempDir(), "python", "#!/bin/sh\nexec sleep 30\n", 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Check(ctx, Choice{Path: py, Source: "--python"})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Check took %v after its context ended", took)
	}
	want := "cannot check " + py + " (--python): context deadline exceeded"
	if err == nil || err.Error() != want {
		t.Errorf("error\n got: %v\nwant: %s", err, want)
	}
}
