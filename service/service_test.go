package service

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// echoServer is a service: it listens on its port and echoes lines,
// prefixed with its worker's name.
const echoServer = `import socket, sys
port, worker = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen()
print("listening on", port, flush=True)
while True:
    c, _ = s.accept()
    f = c.makefile("rw")
    f.write(worker + ":" + f.readline())
    f.flush()
    c.close()
`

func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("no python3")
	return ""
}

// freePort asks the kernel for a port that is free now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func echoSpec(t *testing.T) (Spec, Vars, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "echo.py"), []byte(echoServer), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := Spec{
		Name: "echo", Command: python(t) + " echo.py {port} {worker}", ReadyTimeout: 10 * time.Second,
		Dir: dir, Env: os.Environ(),
	}
	return spec, Vars{Port: freePort(t), Worker: "gw3", Tmp: dir}, filepath.Join(dir, "echo.log")
}

func ask(t *testing.T, port int, line string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 2*time.Second)
	if err != nil {
		t.Fatalf("cannot reach the service: %v", err)
	}
	defer c.Close()
	fmt.Fprintln(c, line)
	reply, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(reply)
}

func TestStartReadyOnPort(t *testing.T) {
	spec, vars, log := echoSpec(t)
	inst, err := Start(context.Background(), spec, vars, log)
	if err != nil {
		t.Fatal(err)
	}
	if inst.PID <= 0 || inst.Port != vars.Port || inst.Start == "" {
		t.Errorf("instance %+v", inst)
	}
	if got := ask(t, vars.Port, "hello"); got != "gw3:hello" {
		t.Errorf("the service answered %q, want gw3:hello", got)
	}
	inst.Stop(5 * time.Second)
	if GroupAlive(inst.PID) || !inst.Exited() {
		t.Errorf("process group %d still alive after Stop", inst.PID)
	}
	if data, _ := os.ReadFile(log); !strings.Contains(string(data), fmt.Sprint("listening on ", vars.Port)) {
		t.Errorf("the log holds %q, want the service's output", data)
	}
}

// TestStopEndsChildren: what a service starts in the background ends with it.
func TestStopEndsChildren(t *testing.T) {
	spec, vars, log := echoSpec(t)
	pidFile := filepath.Join(vars.Tmp, "child.pid")
	spec.Command = "sleep 300 & echo $! > " + pidFile + "; " + spec.Command
	inst, err := Start(context.Background(), spec, vars, log)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(pidFile)
	child, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("no child pid: %q", data)
	}
	inst.Stop(5 * time.Second)
	if alive(child) {
		t.Errorf("the service's child %d outlived Stop", child)
	}
}

func TestExitsBeforeReady(t *testing.T) {
	spec, vars, log := echoSpec(t)
	spec.Command = "echo 'cannot open config file' >&2; exit 3"
	_, err := Start(context.Background(), spec, vars, log)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error", err)
	}
	if e.Msg != "exited (exit code 3) before it was ready" || !strings.Contains(e.Tail, "cannot open config file") {
		t.Errorf("message %q, tail %q", e.Msg, e.Tail)
	}
	if e.Service != "echo" || e.Worker != "gw3" || e.Log != log || !strings.Contains(e.Error(), "exit 3") {
		t.Errorf("error %+v does not say which service, worker, command and log", e)
	}
}

func TestNotReadyInTime(t *testing.T) {
	spec, vars, log := echoSpec(t)
	spec.Command = "echo $$ > pid; exec sleep 300"
	spec.ReadyTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := Start(context.Background(), spec, vars, log)
	var e *Error
	if !errors.As(err, &e) || e.Msg != "was not ready after 300ms" {
		t.Fatalf("got %v, want an *Error saying it was not ready after 300ms", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Start took %v to give up", d)
	}
	data, _ := os.ReadFile(filepath.Join(vars.Tmp, "pid"))
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); pid == 0 || alive(pid) {
		t.Errorf("the service that never got ready (pid %q) was not stopped", data)
	}
}

func TestReadyCommand(t *testing.T) {
	spec, vars, log := echoSpec(t)
	spec.Command = "sleep 0.3; touch {tmp}/ready; exec sleep 300"
	spec.ReadyCommand = "test -e {tmp}/ready"
	inst, err := Start(context.Background(), spec, vars, log)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop(time.Second)
	if _, err := os.Stat(filepath.Join(vars.Tmp, "ready")); err != nil {
		t.Errorf("Start returned before the readiness command could succeed: %v", err)
	}
}

func TestStartCancelled(t *testing.T) {
	spec, vars, log := echoSpec(t)
	spec.Command = "echo $$ > pid; exec sleep 300"
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := Start(ctx, spec, vars, log)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	data, _ := os.ReadFile(filepath.Join(vars.Tmp, "pid"))
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); pid == 0 || alive(pid) {
		t.Errorf("the service (pid %q) still runs after a cancelled start", data)
	}
}

// TestDiesWithShoal: an instance ends when the process that started it is
// killed with SIGKILL, before it could stop anything. The helper process
// below plays shoal.
func TestDiesWithShoal(t *testing.T) {
	spec, vars, log := echoSpec(t)
	// A compound command: the shell does not exec it, so the server is a
	// child of the shell that gets the signal.
	spec.Command = "true && " + spec.Command
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperStarter$")
	helper.Env = append(os.Environ(), "SERVICE_HELPER=1", "HELPER_DIR="+spec.Dir, "HELPER_PORT="+strconv.Itoa(vars.Port),
		"HELPER_LOG="+log, "HELPER_COMMAND="+spec.Command)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	pid, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "pid "))
	if err != nil {
		helper.Process.Kill()
		t.Fatalf("the helper said %q", line)
	}
	if !GroupAlive(pid) {
		t.Fatalf("the service's group %d is not running", pid)
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for GroupAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if GroupAlive(pid) {
		syscall.Kill(-pid, syscall.SIGKILL)
		t.Errorf("the service (group %d) outlived the process that started it", pid)
	}
}

func TestHelperStarter(t *testing.T) {
	if os.Getenv("SERVICE_HELPER") != "1" {
		t.Skip("a helper for TestDiesWithShoal")
	}
	port, _ := strconv.Atoi(os.Getenv("HELPER_PORT"))
	spec := Spec{Name: "echo", Command: os.Getenv("HELPER_COMMAND"), ReadyTimeout: 10 * time.Second,
		Dir: os.Getenv("HELPER_DIR"), Env: os.Environ()}
	inst, err := Start(context.Background(), spec, Vars{Port: port, Worker: "gw0"}, os.Getenv("HELPER_LOG"))
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Printf("pid %d\n", inst.PID)
	time.Sleep(time.Minute)
}

// alive: the process exists and is no zombie.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

func TestExpand(t *testing.T) {
	v := Vars{Port: 20001, Worker: "gw2", Tmp: "/tmp/shoal-1/gw2/svc echo"}
	cases := map[string]string{
		"redis-server --port {port} --dir {tmp}": "redis-server --port 20001 --dir '/tmp/shoal-1/gw2/svc echo'",
		"serve {worker}:{port}{port}":            "serve gw2:2000120001",
		"serve --home ${HOME} {prt} {port}":      "serve --home ${HOME} {prt} 20001",
		"awk '{print $1}'":                       "awk '{print $1}'",
	}
	for in, want := range cases {
		if got := Expand(in, v); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
	if got := quote("it's"); got != `'it'\''s'` {
		t.Errorf("quote gave %s", got)
	}
}

func TestProcStartAndKillGroup(t *testing.T) {
	if ProcStart(os.Getpid()) == "" {
		t.Fatal("no start time for this process")
	}
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	start := ProcStart(pid)
	KillGroup(pid, "1") // another process's start time: left alone
	time.Sleep(50 * time.Millisecond)
	if !alive(pid) {
		t.Fatal("KillGroup killed a process whose start time did not match")
	}
	KillGroup(pid, start)
	cmd.Wait()
	if GroupAlive(pid) {
		t.Error("KillGroup left the group alive")
	}
}
