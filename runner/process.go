package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"shoal/plugin"
)

// pytestCommand builds `python -m pytest -p shoal_plugin ARGS` in the given mode.
func (r *runState) pytestCommand(mode string, stdout, stderr io.Writer, extraEnv ...string) *exec.Cmd {
	args := append([]string{"-m", "pytest", "-p", plugin.Module}, r.opts.Args...)
	cmd := exec.Command(r.opts.Python, args...)
	cmd.Dir = r.opts.Dir
	env := withPythonPath(r.opts.Env, r.opts.PluginDir)
	env = append(env, "SHOAL_MODE="+mode, "SHOAL_SOCKET="+r.socket)
	if r.opts.Timeout > 0 {
		env = append(env, "SHOAL_TIMEOUT="+formatSeconds(r.opts.Timeout))
	}
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
		if isRunVariable(kv) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PYTHONPATH="+path)
}

// isRunVariable tells the variables shoal sets for its own pytest processes
// (a shoal run inside a test must not inherit its parent's).
func isRunVariable(kv string) bool {
	for _, p := range []string{"SHOAL_MODE=", "SHOAL_SOCKET=", "SHOAL_TIMEOUT=", "SHOAL_STACKS=", "SHOAL_CAPTURED="} {
		if strings.HasPrefix(kv, p) {
			return true
		}
	}
	return false
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

// processAlive tells whether a process runs: it exists and, where /proc
// says, is not a zombie waiting to be reaped.
func processAlive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) == 0 || fields[0] != "Z"
}

// exitsSoon tells whether a process whose connection closed is gone, or
// goes within a moment: the connection closes as a dying process's files
// do, a little before it becomes a zombie.
func exitsSoon(pid int) bool {
	for deadline := time.Now().Add(250 * time.Millisecond); processAlive(pid); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// killGroupMembers ends every process of group pgid but its leader: what a
// test started, while its worker lives on.
func killGroupMembers(pgid int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pgid {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold anything but ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
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
