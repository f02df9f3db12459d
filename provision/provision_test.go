package provision

import (
	"bytes"
	"context"
	"encoding/json"
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

	"github.com/jackc/pgx/v5"

	"shoal/config"
	"shoal/database/pgtest"
	"shoal/ports"
	"shoal/service"
)

// testOptions are options for n workers whose run directory, state and
// logs live in fresh directories, with ports that other tests are unlikely
// to use at the same time.
func testOptions(t *testing.T, n int) Options {
	t.Helper()
	return Options{
		Workers:    n,
		Ports:      config.Ports{Base: 21000 + 100*int(time.Now().UnixNano()%100), Size: 50},
		ProjectDir: t.TempDir(),
		TempRoot:   t.TempDir(),
		StateDir:   t.TempDir(),
		Env:        os.Environ(),
	}
}

func setup(t *testing.T, opts Options) *Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := Setup(ctx, opts)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return r
}

// checkNothingLeft: no run directory, no state file.
func checkNothingLeft(t *testing.T, opts Options) {
	t.Helper()
	if dirs, _ := filepath.Glob(filepath.Join(opts.TempRoot, dirPrefix+"*")); len(dirs) > 0 {
		t.Errorf("run directories left: %v", dirs)
	}
	if files, _ := filepath.Glob(filepath.Join(runsDir(opts.StateDir), "*")); len(files) > 0 {
		t.Errorf("state files left: %v", files)
	}
}

func TestTempAndPorts(t *testing.T) {
	opts := testOptions(t, 3)
	r := setup(t, opts)
	if filepath.Dir(r.Dir) != opts.TempRoot || !strings.HasPrefix(filepath.Base(r.Dir), "shoal-") {
		t.Errorf("run directory %s, want shoal-… in %s", r.Dir, opts.TempRoot)
	}
	if r.Basetemp != filepath.Join(r.Dir, "basetemp") {
		t.Errorf("basetemp %s should be in the run directory", r.Basetemp)
	}
	seen := map[string]bool{}
	for i, w := range r.Workers {
		env := r.Env(i)
		if w.ID != fmt.Sprintf("gw%d", i) {
			t.Errorf("worker %d is called %s", i, w.ID)
		}
		for _, key := range []string{"TMPDIR", "SHOAL_WORKER_TMP"} {
			dir := env[key]
			if info, err := os.Stat(dir); err != nil || !info.IsDir() || !strings.HasPrefix(dir, r.Dir+"/") {
				t.Errorf("%s: %s=%q should be a directory in the run directory", w.ID, key, dir)
			}
			if seen[dir] {
				t.Errorf("%s: %s=%s is another worker's too", w.ID, key, dir)
			}
			seen[dir] = true
		}
		want := ports.Block{Lo: opts.Ports.Base + 50*i, Hi: opts.Ports.Base + 50*i + 49}
		if env["SHOAL_PORT_RANGE"] != want.String() {
			t.Errorf("%s: SHOAL_PORT_RANGE=%s, want %s", w.ID, env["SHOAL_PORT_RANGE"], want)
		}
		if _, ok := env["SHOAL_DATABASE_URL"]; ok {
			t.Errorf("%s has a database without one configured", w.ID)
		}
		d := r.Describe(w.ID)
		if d == nil || d.TmpDir != env["TMPDIR"] || d.Ports != want.String() || d.Database != "" {
			t.Errorf("Describe(%s) = %+v", w.ID, d)
		}
	}
	if r.Env(3) != nil || r.Describe("gw3") != nil {
		t.Error("a worker that does not exist has resources")
	}
	// Tests leave read-only directories behind; the run directory goes anyway.
	locked := filepath.Join(r.Workers[0].Path, "locked")
	os.MkdirAll(filepath.Join(locked, "inner"), 0o755)
	os.WriteFile(filepath.Join(locked, "inner", "f"), []byte("x"), 0o444)
	os.Chmod(filepath.Join(locked, "inner"), 0o500)
	os.Chmod(locked, 0o500)
	if err := r.Close(false); err != nil {
		t.Fatal(err)
	}
	checkNothingLeft(t, opts)
}

func TestKeepDir(t *testing.T) {
	opts := testOptions(t, 1)
	r := setup(t, opts)
	if err := r.Close(true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Workers[0].Path); err != nil {
		t.Errorf("the kept run directory is gone: %v", err)
	}
	// A later run must not take the kept directory for a leftover.
	r2 := setup(t, opts)
	r2.Close(false)
	if _, err := os.Stat(r.Dir); err != nil {
		t.Errorf("a later run removed the kept run directory: %v", err)
	}
}

// TestPortsHeldByAnotherRun: two runs of one project at once. The second
// finds the first's port blocks held and takes the next window, and says
// so; once the first ends, its blocks are free again.
func TestPortsHeldByAnotherRun(t *testing.T) {
	opts := testOptions(t, 3)
	first := setup(t, opts)
	second := setup(t, opts)
	base, width := opts.Ports.Base, 3*opts.Ports.Size
	want := ports.Block{Lo: base + width, Hi: base + 2*width - 1}
	if got := (ports.Block{Lo: second.Workers[0].Block.Lo, Hi: second.Workers[2].Block.Hi}); got != want {
		t.Errorf("the second run's blocks span %s, want %s", got, want)
	}
	held := ports.Block{Lo: base, Hi: base + width - 1}
	if say := fmt.Sprintf("ports %s are held by another shoal run; this run's workers use %s", held, want); second.PortsNote != say {
		t.Errorf("the second run's note %q, want %q", second.PortsNote, say)
	}
	if first.PortsNote != "" {
		t.Errorf("the first run got the ports it asked for, yet says %q", first.PortsNote)
	}
	if err := first.Close(false); err != nil {
		t.Fatal(err)
	}
	third := setup(t, opts)
	if got := third.Workers[0].Block.Lo; got != base {
		t.Errorf("after the first run ended, a new run starts at port %d, want %d", got, base)
	}
	second.Close(false)
	third.Close(false)
}

func TestPortsOverlapEphemeral(t *testing.T) {
	opts := testOptions(t, 4)
	opts.Ports = config.Ports{Base: 30000, Size: 1000}
	opts.Ephemeral = ports.LinuxDefault
	_, err := Setup(context.Background(), opts)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "30000-33999") || !strings.Contains(e.Msg, "32768-60999") {
		t.Fatalf("got %v, want an *Error naming both ranges", err)
	}
	checkNothingLeft(t, opts)
}

func TestNoPortLeftForTests(t *testing.T) {
	opts := testOptions(t, 2)
	opts.Ports.Size = 1
	opts.Services = []config.Service{{Name: "s", Command: "true", ReadyTimeout: time.Second}}
	_, err := Setup(context.Background(), opts)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Hint, "size") {
		t.Fatalf("got %v, want an *Error about the block size", err)
	}
	checkNothingLeft(t, opts)
}

func TestSQLite(t *testing.T) {
	opts := testOptions(t, 2)
	tpl := filepath.Join(opts.ProjectDir, "db", "app.sqlite3")
	os.MkdirAll(filepath.Dir(tpl), 0o755)
	os.WriteFile(tpl, []byte("template"), 0o644)
	opts.Database.URL = "sqlite:///db/app.sqlite3"
	r := setup(t, opts)
	defer r.Close(false)
	for i, w := range r.Workers {
		url := r.Env(i)["SHOAL_DATABASE_URL"]
		path := strings.TrimPrefix(url, "sqlite:///")
		if data, err := os.ReadFile(path); err != nil || string(data) != "template" || !strings.HasPrefix(path, w.Dir) {
			t.Errorf("%s: %s should be a copy of the template in its directory: %q, %v", w.ID, url, data, err)
		}
	}
	opts.Database.URL = "sqlite:///db/missing.sqlite3"
	_, err := Setup(context.Background(), opts)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "missing.sqlite3") {
		t.Errorf("a missing template gave %v", err)
	}
}

// echo is a service that answers with its worker's name.
const echo = `import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    c, _ = s.accept()
    c.sendall(sys.argv[2].encode())
    c.close()
`

func withEcho(t *testing.T, opts *Options) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	os.WriteFile(filepath.Join(opts.ProjectDir, "echo.py"), []byte(echo), 0o644)
	opts.Services = []config.Service{{Name: "echo", Command: python + " echo.py {port} {worker}", ReadyTimeout: 10 * time.Second}}
}

func TestServices(t *testing.T) {
	opts := testOptions(t, 2)
	withEcho(t, &opts)
	r := setup(t, opts)
	var pids []int
	for i, w := range r.Workers {
		env := r.Env(i)
		port, _ := strconv.Atoi(env["SHOAL_SERVICE_ECHO_PORT"])
		// The first free port of its block: earlier runs' connections may hold some.
		if port < w.Block.Lo || port > w.Block.Hi {
			t.Errorf("%s: service port %d, want one of its block %v", w.ID, port, w.Block)
		}
		if want := (ports.Block{Lo: port + 1, Hi: w.Block.Hi}).String(); env["SHOAL_PORT_RANGE"] != want {
			t.Errorf("%s: SHOAL_PORT_RANGE=%s, want %s: the ports after its service's", w.ID, env["SHOAL_PORT_RANGE"], want)
		}
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatalf("%s's service does not answer: %v", w.ID, err)
		}
		var buf [16]byte
		n, _ := c.Read(buf[:])
		c.Close()
		if string(buf[:n]) != w.ID {
			t.Errorf("port %d answers %q, want %s's instance", port, buf[:n], w.ID)
		}
		d := r.Describe(w.ID)
		if len(d.Services) != 1 || d.Services[0].Log != filepath.Join(r.LogDir, "echo-"+w.ID+".log") {
			t.Errorf("Describe(%s).Services = %+v", w.ID, d.Services)
		}
		pids = append(pids, w.Services[0].PID)
	}
	if err := r.Close(false); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if service.GroupAlive(pid) {
			t.Errorf("service %d still runs after Close", pid)
		}
	}
	checkNothingLeft(t, opts)
}

// TestServiceFails: one instance that cannot start stops the setup; the
// error carries its log's end, and the other instances and the databases
// are gone.
func TestServiceFails(t *testing.T) {
	opts := testOptions(t, 3)
	withEcho(t, &opts)
	server := ""
	if _, err := pgtest.Find(); err == nil || os.Getenv("SHOAL_REQUIRE_POSTGRES") == "1" {
		server = pgtest.URL(t)
		opts.Database.URL = pgtest.Template(t, server)
	}
	opts.Services[0].Command = `if [ {worker} = gw1 ]; then echo "gw1 cannot bind" >&2; exit 7; fi; ` + opts.Services[0].Command
	_, err := Setup(context.Background(), opts)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error", err)
	}
	if !strings.Contains(e.Msg, "service echo of worker gw1 exited (exit code 7)") || !strings.Contains(e.Detail, "gw1 cannot bind") {
		t.Errorf("error %q, detail %q", e.Msg, e.Detail)
	}
	if !strings.Contains(e.Msg, filepath.Join(opts.StateDir, "logs")) {
		t.Errorf("the message should name the log: %s", e.Msg)
	}
	checkNothingLeft(t, opts)
	if left := processesIn(opts.ProjectDir); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
	if server != "" {
		tpl := strings.TrimPrefix(mustURLPath(t, opts.Database.URL), "/")
		if left := pgtest.Databases(t, server, tpl+"_shoal_%"); len(left) > 0 {
			t.Errorf("databases left: %v", left)
		}
	}
}

// processesIn lists live processes working in dir.
func processesIn(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); cwd == dir {
			if stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); !bytes.Contains(stat, []byte(") Z ")) {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

func TestSetupCancelled(t *testing.T) {
	opts := testOptions(t, 2)
	withEcho(t, &opts)
	opts.Services[0].Command = "exec sleep 300"
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := Setup(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	checkNothingLeft(t, opts)
	if left := processesIn(opts.ProjectDir); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

// TestSweep: what a dead run recorded is removed by the next run's Setup;
// a live run's resources are left alone.
func TestSweep(t *testing.T) {
	opts := testOptions(t, 1)
	live := setup(t, opts)
	defer live.Close(false)

	// A dead run: a service process, a database and a directory, recorded
	// in an unlocked state file.
	svc := exec.Command("sleep", "300")
	svc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	go svc.Wait()
	dead := record{PID: 999999, Dir: filepath.Join(opts.TempRoot, "shoal-deadbeef"),
		Services: []proc{{PID: svc.Process.Pid, Start: service.ProcStart(svc.Process.Pid)}}}
	os.MkdirAll(filepath.Join(dead.Dir, "gw0", "tmp"), 0o700)
	server := ""
	if _, err := pgtest.Find(); err == nil || os.Getenv("SHOAL_REQUIRE_POSTGRES") == "1" {
		server = pgtest.URL(t)
		tpl := pgtest.Template(t, server)
		name := strings.TrimPrefix(mustURLPath(t, tpl), "/") + "_shoal_deadbeef_gw0"
		pgtest.Exec(t, server, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		dead.Postgres, dead.Databases = tpl, []string{name}
	}
	data, _ := json.Marshal(dead)
	os.WriteFile(filepath.Join(runsDir(opts.StateDir), "deadbeef.json"), data, 0o600)

	var notes bytes.Buffer
	opts.Notes = &notes
	next := setup(t, opts)
	next.Close(false)
	deadline := time.Now().Add(5 * time.Second)
	for service.GroupAlive(svc.Process.Pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if service.GroupAlive(svc.Process.Pid) {
		t.Error("the dead run's service still runs")
	}
	if _, err := os.Stat(dead.Dir); err == nil {
		t.Error("the dead run's directory is still there")
	}
	if server != "" {
		if left := pgtest.Databases(t, server, dead.Databases[0]); len(left) > 0 {
			t.Errorf("the dead run's database is still there")
		}
	}
	if _, err := os.Stat(filepath.Join(runsDir(opts.StateDir), "deadbeef.json")); err == nil {
		t.Error("the dead run's state file is still there")
	}
	if !strings.Contains(notes.String(), "removed what an earlier run (pid 999999) left") {
		t.Errorf("notes: %q", notes.String())
	}
	// The live run's directory and state file were left alone.
	if _, err := os.Stat(live.Workers[0].TmpDir); err != nil {
		t.Errorf("the sweep removed a live run's directory: %v", err)
	}
	if _, err := os.Stat(live.state.path); err != nil {
		t.Errorf("the sweep removed a live run's state file: %v", err)
	}
}

// TestSweepKeepsWhatItCannotRemove: a database on a server that cannot be
// reached stays recorded for the next run.
func TestSweepKeepsWhatItCannotRemove(t *testing.T) {
	opts := testOptions(t, 1)
	os.MkdirAll(runsDir(opts.StateDir), 0o700)
	dead := record{PID: 999998, Postgres: "postgresql://u:p@127.0.0.1:1/t", Databases: []string{"t_shoal_x_gw0"}}
	data, _ := json.Marshal(dead)
	path := filepath.Join(runsDir(opts.StateDir), "cafe.json")
	os.WriteFile(path, data, 0o600)
	var notes bytes.Buffer
	sweep(context.Background(), opts.StateDir, &notes)
	var rec record
	data, _ = os.ReadFile(path)
	if err := json.Unmarshal(data, &rec); err != nil || len(rec.Databases) != 1 {
		t.Errorf("state file after a failed sweep: %s (%v)", data, err)
	}
	if !strings.Contains(notes.String(), "will try again") || strings.Contains(notes.String(), "u:p@") {
		t.Errorf("notes: %q", notes.String())
	}
}

func mustURLPath(t *testing.T, raw string) string {
	t.Helper()
	i := strings.LastIndex(raw, "/")
	return raw[i:]
}
