// Package service runs the per-worker instances of a run's services: each
// starts from its shell command with the placeholders filled in, counts as
// started once it is ready, and stops together with every process it
// started.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Spec is a service as configured, and where its instances run.
type Spec struct {
	Name    string
	Command string
	// ReadyCommand exits 0 once the service is ready; "" waits for the
	// instance's port to accept connections on 127.0.0.1.
	ReadyCommand string
	ReadyTimeout time.Duration
	Dir          string   // working directory
	Env          []string // environment
}

// Vars fill in one instance's placeholders.
type Vars struct {
	Port   int    // {port}
	Worker string // {worker}
	Tmp    string // {tmp}
}

// Instance is one running instance of a service.
type Instance struct {
	Name   string
	Worker string
	Port   int
	PID    int
	Log    string // its stdout and stderr
	// Start is when the kernel started it (see ProcStart), to tell it from a
	// later process of the same pid.
	Start   string
	done    chan struct{}
	waitErr error
}

// Error is an instance that did not start; Tail is the end of its log.
type Error struct {
	Service, Worker string
	Command         string // as run, placeholders filled in
	Msg             string
	Log             string
	Tail            string
}

func (e *Error) Error() string {
	return fmt.Sprintf("service %s of worker %s %s; command: %s; log: %s", e.Service, e.Worker, e.Msg, e.Command, e.Log)
}

// Start starts an instance, writing its output to log, and returns once it
// is ready. A failure is an *Error, or ctx's error when ctx ends first; the
// instance is stopped then.
func Start(ctx context.Context, spec Spec, v Vars, log string) (*Instance, error) {
	command := Expand(spec.Command, v)
	out, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot create the log of service %s: %w", spec.Name, err)
	}
	defer out.Close()
	cmd := exec.Command("/bin/sh", "-c", supervise, "sh", command)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = spec.Dir, spec.Env, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Its own group, so that stopping it stops what it started; and a
		// SIGTERM if shoal dies before it could stop it.
		Setpgid:   true,
		Pdeathsig: syscall.SIGTERM,
	}
	inst := &Instance{Name: spec.Name, Worker: v.Worker, Port: v.Port, Log: log, done: make(chan struct{})}
	fail := func(msg string) *Error {
		return &Error{Service: spec.Name, Worker: v.Worker, Command: command, Msg: msg, Log: log, Tail: Tail(log, 20)}
	}
	if err := inst.run(cmd); err != nil {
		return nil, fail("cannot start: " + err.Error())
	}
	ready := func(ctx context.Context) bool { return tcpReady(v.Port) }
	if spec.ReadyCommand != "" {
		check := Expand(spec.ReadyCommand, v)
		ready = func(ctx context.Context) bool { return commandReady(ctx, check, spec) }
	}
	if err := inst.await(ctx, spec.ReadyTimeout, ready); err != nil {
		inst.Stop(2 * time.Second)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fail(err.Error())
	}
	return inst, nil
}

// supervise runs a service's command ($1) under a shell that leads its
// process group and passes SIGTERM on to the whole group. The kernel sends
// the Pdeathsig to that shell only, and a shell running a command does not
// pass signals on by itself.
const supervise = `trap 'trap - TERM; kill -TERM 0' TERM
eval "$1" &
wait $!`

// run starts cmd from a goroutine that keeps its thread for as long as the
// process lives: Linux sends the Pdeathsig when the thread that started a
// process ends, not the whole of shoal.
func (i *Instance) run(cmd *exec.Cmd) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread ends with this goroutine, after the process.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		i.PID = cmd.Process.Pid
		i.Start = ProcStart(i.PID)
		started <- nil
		i.waitErr = cmd.Wait()
		close(i.done)
	}()
	return <-started
}

// await polls ready until it says yes, the instance exits, or time is up.
func (i *Instance) await(ctx context.Context, timeout time.Duration, ready func(context.Context) bool) error {
	deadline := time.Now().Add(timeout)
	pause := 20 * time.Millisecond
	for {
		if ready(ctx) {
			// It may have answered on its way out, or another process may hold the port.
			select {
			case <-i.done:
			default:
				return nil
			}
		}
		select {
		case <-i.done:
			return fmt.Errorf("exited (%s) before it was ready", describe(i.waitErr))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("was not ready after %v", timeout)
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

func tcpReady(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// commandReady runs the readiness check; one that hangs counts as "not yet".
func commandReady(ctx context.Context, command string, spec Spec) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Dir, cmd.Env = spec.Dir, spec.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd.Run() == nil
}

func describe(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal " + ws.Signal().String()
		}
		return fmt.Sprintf("exit code %d", exit.ExitCode())
	}
	if err == nil {
		return "exit code 0"
	}
	return err.Error()
}

// Exited tells whether the instance's process has ended.
func (i *Instance) Exited() bool {
	select {
	case <-i.done:
		return true
	default:
		return false
	}
}

// Stop ends the instance and every process of its group: SIGTERM, and
// SIGKILL for what is left after grace.
func (i *Instance) Stop(grace time.Duration) {
	_ = syscall.Kill(-i.PID, syscall.SIGTERM)
	select {
	case <-i.done:
	case <-time.After(grace):
	}
	// Also what the service started and left behind when it ended.
	_ = syscall.Kill(-i.PID, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for !i.Exited() || GroupAlive(i.PID) {
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Expand fills in {port}, {worker} and {tmp}, quoted for the shell. A brace
// after "$" is the shell's (${HOME}) and stays.
func Expand(command string, v Vars) string {
	values := map[string]string{
		"{port}":   strconv.Itoa(v.Port),
		"{worker}": quote(v.Worker),
		"{tmp}":    quote(v.Tmp),
	}
	var b strings.Builder
	for i := 0; i < len(command); {
		matched := false
		if command[i] == '{' && (i == 0 || command[i-1] != '$') {
			for name, value := range values {
				if strings.HasPrefix(command[i:], name) {
					b.WriteString(value)
					i += len(name)
					matched = true
					break
				}
			}
		}
		if !matched {
			b.WriteByte(command[i])
			i++
		}
	}
	return b.String()
}

// quote makes s one word for the shell.
func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Tail returns the last n lines of a file, for messages.
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const most = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > most {
		_, _ = f.Seek(st.Size()-most, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ProcStart is when the kernel started process pid, in clock ticks since
// boot (field 22 of /proc/PID/stat); "" when there is no such process.
func ProcStart(pid int) string {
	f := procStat(pid)
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// procState is a process's state letter and process group.
func procState(pid int) (string, int) {
	f := procStat(pid)
	if len(f) < 3 {
		return "", 0
	}
	group, _ := strconv.Atoi(f[2])
	return f[0], group
}

// procStat is /proc/PID/stat from field 3 (state) on: fields[0] is field 3.
func procStat(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	// The command name, in parentheses, may hold spaces: count from its end.
	s := string(data)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return nil
	}
	return strings.Fields(s[end+1:])
}

// KillGroup ends the process group a dead run's instance led, unless its
// pid now belongs to another process. A group outlives its leader, and
// Linux gives no new process a pid still in use as a group's id, so the
// group is the instance's while no other process has taken the pid.
func KillGroup(pid int, start string) {
	if pid <= 0 {
		return
	}
	if now := ProcStart(pid); now != "" && now != start {
		return
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// GroupAlive tells whether a process of group pgid is alive. Zombies do not
// count: they wait for their parent, or init, to collect them, which can take
// seconds.
func GroupAlive(pgid int) bool {
	if pgid <= 0 || syscall.Kill(-pgid, 0) != nil {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, group := procState(pid)
		if group == pgid && state != "Z" && state != "X" {
			return true
		}
	}
	return false
}
