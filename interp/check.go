package interp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Info is what the interpreter said about itself.
type Info struct {
	Python     string // full version, such as "3.11.2"
	Pytest     string // pytest.__version__, such as "8.3.4"
	Executable string // sys.executable
}

// CheckTimeout bounds Check; a cold interpreter on a slow disk can take
// seconds to import pytest, but a minute means something hangs.
const CheckTimeout = 60 * time.Second

// waitDelay bounds the wait for output after the interpreter is killed, in
// case it left a child holding the pipes open.
const waitDelay = 2 * time.Second

// importFailed is the exit status the check script uses when pytest does not
// import, so that case is told apart from a crash (status 1) or bad usage (2).
const importFailed = 3

// script prints one line of JSON. It catches the import error itself so the
// message is one line rather than a traceback. It stays valid on old Pythons
// so that they reach a clear message instead of a SyntaxError.
const script = `import json, platform, sys
try:
    import pytest
except Exception as e:
    sys.stderr.write("%s: %s\n" % (type(e).__name__, e))
    sys.exit(3)  # importFailed
print(json.dumps({"python": platform.python_version(), "pytest": pytest.__version__, "executable": sys.executable}))
`

// Check runs the interpreter once to learn its Python and pytest versions.
// It fails, with an *Error, if the interpreter cannot be run or cannot
// import pytest.
func Check(ctx context.Context, c Choice) (Info, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, CheckTimeout, fmt.Errorf("no answer within %v", CheckTimeout))
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, c.Path, "-c", script)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = waitDelay
	runErr := cmd.Run()
	output := strings.TrimSpace(stderr.String() + "\n" + stdout.String())
	fail := func(op string, err error, hint string) (Info, error) {
		return Info{}, &Error{Op: op, Python: c.Path, Source: c.Source, Output: output, Err: err, Hint: hint}
	}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return fail("cannot check", context.Cause(ctx),
			"hint: run it by hand to see where it hangs: "+c.Path+` -c "import pytest"`)
	case errors.As(runErr, &exit) && exit.ExitCode() == importFailed:
		return fail("cannot import pytest with", nil,
			"hint: install pytest into it ("+c.Path+" -m pip install pytest) or choose an interpreter that has pytest: "+pythonHint)
	case errors.As(runErr, &exit):
		return fail("cannot run", runErr, "hint: run it by hand to see what is wrong, or choose another interpreter: "+pythonHint)
	case errors.Is(runErr, fs.ErrNotExist):
		return fail("cannot find interpreter", missing(c.Path), "hint: check the path, or choose another interpreter: "+pythonHint)
	case errors.Is(runErr, syscall.EMFILE) || errors.Is(runErr, syscall.ENFILE):
		return fail("cannot run", errors.New("shoal ran out of file descriptors"),
			"hint: raise the limit of open files (ulimit -n)")
	case errors.Is(runErr, fs.ErrPermission):
		return fail("cannot run", errors.New("not executable"), "hint: chmod +x it, or choose another interpreter: "+pythonHint)
	case runErr != nil:
		return fail("cannot run", runErr, "hint: is it a Python interpreter? Choose one with: "+pythonHint)
	}
	info, ok := parseInfo(stdout.String())
	if !ok {
		return fail("cannot check", errors.New("it did not print its versions"),
			"hint: is it a Python interpreter? Choose one with: "+pythonHint)
	}
	return info, nil
}

// missing explains "no such file" from exec, which also means a script's #!
// line names a program that is not there.
func missing(path string) error {
	if err := usable(path); err != nil {
		return err
	}
	return errors.New("its #! line names a program that does not exist")
}

// parseInfo reads the last line that is the script's JSON; a sitecustomize
// or a noisy plugin may print before it.
func parseInfo(stdout string) (Info, bool) {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var v struct{ Python, Pytest, Executable string }
		if json.Unmarshal([]byte(lines[i]), &v) == nil && v.Python != "" && v.Pytest != "" {
			return Info(v), true
		}
	}
	return Info{}, false
}

// Error is an interpreter that cannot be found, run, or import pytest.
type Error struct {
	Op     string // what failed, such as "cannot import pytest with"
	Python string // the interpreter; "" when none was found
	Source string // where Python was chosen from, as in Choice
	Output string // what it printed, trimmed; may be many lines
	Err    error  // the cause, if any
	Hint   string // what to do next, starting "hint: "
}

// Error is one line: `cannot import pytest with /usr/bin/python3 (python3 on
// PATH): ModuleNotFoundError: No module named 'pytest'`. Of the output only
// the last line shows, which for a Python traceback names the exception.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Python != "" {
		fmt.Fprintf(&b, " %s (%s)", e.Python, e.Source)
	}
	var details []string
	if e.Err != nil {
		details = append(details, e.Err.Error())
	}
	if last := lastLine(e.Output); last != "" {
		details = append(details, last)
	}
	if len(details) > 0 {
		b.WriteString(": " + strings.Join(details, ": "))
	}
	return b.String()
}

// Unwrap gives the cause, such as an *exec.ExitError.
func (e *Error) Unwrap() error { return e.Err }

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:])
}
