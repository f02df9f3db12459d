package junit

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"shoal/result"
)

// File writes the JUnit file pytest's --junitxml asks for, from the run's
// events, once the run has finished.
type File struct {
	run   result.Run
	asked bool
	// written, when set, hears the path of the file once it is written.
	written func(path string)
	// Known, when set, gives the run's Known once it has finished.
	Known func(run *result.Run) map[string]string
	err   error
}

// NewFile follows a run; written may be nil.
func NewFile(written func(path string)) *File { return &File{written: written} }

// Event adds the event to the run, and writes the file once the run has
// finished, if pytest's options ask for one.
func (f *File) Event(e result.Event) {
	if s, ok := e.(result.SessionStarted); ok {
		f.asked = s.Options.XMLPath != nil && *s.Options.XMLPath != ""
	}
	if !f.asked {
		return
	}
	f.run.Apply(e)
	if _, ok := e.(result.Finished); !ok {
		return
	}
	if f.Known != nil {
		f.run.Known = f.Known(&f.run)
	}
	path, _ := filepath.Abs(*f.run.Options.XMLPath)
	if f.err = WriteFile(path, &f.run); f.err == nil && f.written != nil {
		f.written(path)
	}
}

// Err says why the file could not be written; nil when it was written or
// was not asked for.
func (f *File) Err() error { return f.err }

// WriteFile writes run's JUnit XML to path as `pytest --junitxml path` does:
// $VARS and ~ expanded, a relative path taken from the invocation directory,
// missing parent directories created, the host and clock of this machine.
func WriteFile(path string, run *result.Run) error {
	path = expandUser(expandVars(path))
	if !filepath.IsAbs(path) && run.InvocationDir != "" {
		path = filepath.Join(run.InvocationDir, path)
	}
	hostname, err := os.Hostname()
	if err != nil {
		hostname = ""
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return fmt.Errorf("cannot create the directory for junit xml %s: %w", path, err)
	}
	// Straight to the file, as pytest writes it: captured output goes
	// through a piece at a time (see writeOutput), never whole in memory.
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write junit xml %s: %w", path, err)
	}
	err = Write(out, run, hostname, time.Now())
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write junit xml %s: %w", path, err)
	}
	return nil
}

var varRef = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// expandVars is Python's os.path.expandvars: $NAME and ${NAME}, with unknown
// names left as written (os.ExpandEnv would drop them).
func expandVars(path string) string {
	return varRef.ReplaceAllStringFunc(path, func(ref string) string {
		name := strings.TrimSuffix(strings.TrimPrefix(ref[1:], "{"), "}")
		if value, ok := os.LookupEnv(name); ok {
			return value
		}
		return ref
	})
}

// expandUser is Python's os.path.expanduser: ~ and ~user at the start.
func expandUser(path string) string {
	if !strings.HasPrefix(path, "~") {
		return path
	}
	name, rest, _ := strings.Cut(path[1:], "/")
	var home string
	if name == "" {
		home = os.Getenv("HOME")
		if u, err := user.Current(); home == "" && err == nil {
			home = u.HomeDir
		}
	} else if u, err := user.Lookup(name); err == nil {
		home = u.HomeDir
	} else {
		return path
	}
	if len(path) > len(name)+1 {
		rest = "/" + rest
	}
	if out := strings.TrimRight(home, "/") + rest; out != "" {
		return out
	}
	return "/"
}
