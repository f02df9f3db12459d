package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"

	"shoal/plugin"
)

// pytestCommand builds `python -m pytest -p shoal_plugin ARGS` in the given mode.
func (r *runState) pytestCommand(mode string, stdout, stderr io.Writer, extraEnv ...string) *exec.Cmd {
	args := append([]string{"-m", "pytest", "-p", plugin.Module}, r.opts.Args...)
	cmd := exec.Command(r.opts.Python, args...)
	cmd.Dir = r.opts.Dir
	env := withPythonPath(r.opts.Env, r.opts.PluginDir)
	env = append(env, "SHOAL_MODE="+mode, "SHOAL_SOCKET="+r.socket)
	cmd.Env = append(env, extraEnv...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// Its own process group: the terminal's Ctrl-C reaches shoal only, and
	// shoal can end a worker together with everything its tests started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func withPythonPath(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	path := dir
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PYTHONPATH="); ok {
			if v != "" {
				path = dir + string(os.PathListSeparator) + v
			}
			continue
		}
		if strings.HasPrefix(kv, "SHOAL_MODE=") || strings.HasPrefix(kv, "SHOAL_SOCKET=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PYTHONPATH="+path)
}

// envList is env as KEY=VALUE entries, sorted so that runs are repeatable.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// killGroup ends a process group; a group that is already gone is no error.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// describeExit turns a process's end into words: "exit code 3", "signal 11 (segmentation fault)".
func describeExit(err error, state *os.ProcessState) string {
	if state == nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			state = exitErr.ProcessState
		}
	}
	if state == nil {
		if err != nil {
			return err.Error()
		}
		return "unknown status"
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return describeSignal(int(ws.Signal()))
	}
	return fmt.Sprintf("exit code %d", state.ExitCode())
}

func describeSignal(sig int) string {
	return fmt.Sprintf("signal %d (%s)", sig, syscall.Signal(sig).String())
}

// tail returns the last n lines of a file, for crash reports.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > max {
		_, _ = f.Seek(st.Size()-max, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
