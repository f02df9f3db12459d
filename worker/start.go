package worker

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"shoal/plugin"
	"shoal/protocol"
)

// Config is what every pytest process of a run shares.
type Config struct {
	Python    string   // interpreter that has pytest
	PluginDir string   // directory holding the unpacked plugin package
	Args      []string // pytest's arguments
	Dir       string   // working directory
	Env       []string // environment, before shoal's own variables
	Socket    string   // shoal's socket, where the plugin connects
	// Timeout is how many seconds one test may run where its timeout
	// marker does not say otherwise; 0 means no limit.
	Timeout float64
	// Watchdog ends the processes' groups if shoal dies; nil for none.
	Watchdog *Watchdog
	// Stdout and Stderr are where the controller prints; nil discards.
	Stdout, Stderr io.Writer
}

// Launcher starts a run's pytest processes, each in its own process group,
// and tells the run through events when one ends.
type Launcher struct {
	cfg    Config
	events chan<- Event
	done   <-chan struct{}
	// terminal is what the session process gets as fds 3 and 4: the
	// controller's stdout and stderr.
	terminal [2]*os.File
	copies   sync.WaitGroup
	closers  []io.Closer
}

// NewLauncher starts processes as cfg says; their ends go to events until
// done is closed. Close it when the run is over.
func NewLauncher(cfg Config, events chan<- Event, done <-chan struct{}) (*Launcher, error) {
	l := &Launcher{cfg: cfg, events: events, done: done}
	for i, w := range []io.Writer{cfg.Stdout, cfg.Stderr} {
		f, err := l.terminalFile(w)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("cannot pass the terminal on to pytest: %w", err)
		}
		l.terminal[i] = f
	}
	return l, nil
}

// terminalFile is a file the session process can write w through: w
// itself where it is one, else a pipe copied into w.
func (l *Launcher) terminalFile(w io.Writer) (*os.File, error) {
	if f, ok := w.(*os.File); ok {
		return f, nil
	}
	if w == nil {
		f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err == nil {
			l.closers = append(l.closers, f)
		}
		return f, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	l.closers = append(l.closers, pw)
	l.copies.Add(1)
	go func() {
		defer l.copies.Done()
		defer pr.Close()
		_, _ = io.Copy(drain{w}, pr)
	}()
	return pw, nil
}

// drain writes to w and reports every write whole even where w failed,
// so that the session's processes never see shoal's own output fail (a
// full disk, /dev/full): their pipe is read to its end; w (shoal's
// output) remembers the failure and the run says so.
type drain struct{ w io.Writer }

func (d drain) Write(p []byte) (int, error) {
	_, _ = d.w.Write(p)
	return len(p), nil
}

// Close lets go of the terminal files and waits a moment for what the
// session's processes wrote to be copied out.
func (l *Launcher) Close() {
	for _, c := range l.closers {
		_ = c.Close()
	}
	l.closers = nil
	copied := make(chan struct{})
	go func() { l.copies.Wait(); close(copied) }()
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
}

// StartSession starts the session process, the fork server: it forks the
// controller and the workers where it can, else becomes the controller.
// Its own output goes to the files stdout and stderr, made anew; it gets
// the run's Stdout and Stderr as fds 3 and 4 for the controller.
func (l *Launcher) StartSession(stdout, stderr string, env ...string) (pid int, err error) {
	out, err := os.Create(stdout)
	if err != nil {
		return 0, fmt.Errorf("cannot create session log: %w", err)
	}
	defer out.Close()
	errOut, err := os.Create(stderr)
	if err != nil {
		return 0, fmt.Errorf("cannot create session log: %w", err)
	}
	defer errOut.Close()
	cmd := l.cfg.command("session", out, errOut, env...)
	cmd.ExtraFiles = l.terminal[:]
	if err := l.start(cmd); err != nil {
		if out := outOfFiles(err, "start pytest"); out != nil {
			return 0, out
		}
		return 0, fmt.Errorf("cannot start pytest with %s: %w", l.cfg.Python, err)
	}
	return cmd.Process.Pid, nil
}

// StartWorker spawns a worker as spec says; its output goes on at the end
// of spec.Log.
func (l *Launcher) StartWorker(spec protocol.WorkerSpec) (pid int, err error) {
	log, err := os.OpenFile(spec.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("cannot create log for worker %s: %w", spec.ID, err)
	}
	defer log.Close()
	cmd := l.cfg.command("worker", log, log, spawnEnv(spec)...)
	if err := l.start(cmd); err != nil {
		if out := outOfFiles(err, "start worker "+spec.ID); out != nil {
			return 0, out
		}
		return 0, fmt.Errorf("cannot start worker %s with %s: %w", spec.ID, l.cfg.Python, err)
	}
	return cmd.Process.Pid, nil
}

// start starts cmd, has the watchdog guard its group, and posts its Exit
// when it ends. It starts and waits from a goroutine that keeps its thread
// for as long as the process lives: Linux sends the process its
// Pdeathsig when the thread that started it ends, not only shoal.
func (l *Launcher) start(cmd *exec.Cmd) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends after the process
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		l.Watch(cmd.Process.Pid)
		started <- nil
		err := cmd.Wait()
		code := -1
		if cmd.ProcessState != nil {
			code = cmd.ProcessState.ExitCode()
		}
		exit := &Exit{PID: cmd.Process.Pid, Status: describeExit(err, cmd.ProcessState), Code: code}
		post(l.events, l.done, Event{Exit: exit})
	}()
	return <-started
}

// Watch has the watchdog end the process group pgid if shoal dies: a
// worker's, which the session forked.
func (l *Launcher) Watch(pgid int) { l.cfg.Watchdog.Watch(pgid) }

// Signal sends a process signal sig, where sig is one.
func (l *Launcher) Signal(pid, sig int) {
	if pid > 0 && sig > 0 && sig < 65 {
		_ = syscall.Kill(pid, syscall.Signal(sig))
	}
}

// Interrupt sends SIGINT to the process group that pid leads, as Ctrl-C
// in a terminal does: the running test gets KeyboardInterrupt, and so do
// the processes it started.
func (l *Launcher) Interrupt(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGINT)
	}
}

// Kill ends the process group that pid leads: the process and what its
// tests started.
func (l *Launcher) Kill(pid int) { killGroup(pid) }

// KillChildren ends every process of the group pid leads but pid itself:
// what a test started, while its worker lives on.
func (l *Launcher) KillChildren(pid int) { killGroupMembers(pid) }

// Gone tells whether a process whose connection closed has ended, or ends
// within a moment.
func (l *Launcher) Gone(pid int) bool { return exitsSoon(pid) }

// command builds `python -m pytest -p shoal_plugin ARGS` in the given mode.
func (c Config) command(mode string, stdout, stderr io.Writer, extraEnv ...string) *exec.Cmd {
	args := append([]string{"-m", "pytest", "-p", plugin.Module}, c.Args...)
	cmd := exec.Command(c.Python, args...)
	cmd.Dir = c.Dir
	env := withPythonPath(c.Env, c.PluginDir)
	env = append(env, "SHOAL_MODE="+mode, "SHOAL_SOCKET="+c.Socket)
	if c.Timeout > 0 {
		env = append(env, "SHOAL_TIMEOUT="+formatSeconds(c.Timeout))
	}
	cmd.Env = append(env, extraEnv...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// Its own process group: the terminal's Ctrl-C reaches shoal only, and
	// shoal can end a worker together with everything its tests started.
	// It dies with shoal, however shoal ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// spawnEnv is what a spawned worker learns from its environment; a forked
// one is told the same in its spec.
func spawnEnv(spec protocol.WorkerSpec) []string {
	env := []string{
		"SHOAL_WORKER=" + spec.ID,
		"SHOAL_WORKER_COUNT=" + strconv.Itoa(spec.Count),
		"PYTEST_XDIST_TESTRUNUID=" + spec.UID,
		"SHOAL_BASETEMP=" + spec.Basetemp,
		"SHOAL_STACKS=" + spec.Stacks,
		"SHOAL_CAPTURED=" + spec.Captured,
	}
	return append(env, envList(spec.Env)...)
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

// Foreground is `python -m pytest -p shoal_plugin ARGS` in the inline mode
// (shoal run -n 0): pytest runs the suite itself, in shoal's process group
// and with its terminal, so that Ctrl-C, --pdb and breakpoint() reach it as
// they reach plain pytest. It ends with shoal, however shoal ends.
func (c Config) Foreground(stdin io.Reader, stdout, stderr io.Writer, extraEnv ...string) *exec.Cmd {
	cmd := exec.Command(c.Python, append([]string{"-m", "pytest", "-p", plugin.Module}, c.Args...)...)
	cmd.Dir = c.Dir
	cmd.Env = append(append(withPythonPath(c.Env, c.PluginDir), "SHOAL_MODE=inline"), extraEnv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return cmd
}
