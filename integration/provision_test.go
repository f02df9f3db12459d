//go:build integration

package integration_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shoal/database/pgtest"
)

// The resources suite's tests each hold a port, a file in a fixed place, a
// table of a fixed name or their worker's echo service for a while; see
// testdata/suites/resources. Under shoal every worker has its own of each,
// so the suite passes; without, workers side by side collide.

// resourcesTests is how many tests the suite has, test_hold.py's aside;
// tablesTests of them need the database.
const resourcesTests, tablesTests = 40, 8

// portBase hands every shoal run here a block range of its own: runs go on
// side by side, and a port another run probed free a moment ago is no
// longer free when both bind it.
var portBase atomic.Int64

func nextPortBase() int {
	// 4 workers × 100 ports; 24 runs fit below the ephemeral range.
	return 22400 + int(portBase.Add(1)%24)*400
}

// provisionRun is a copy of the suite with its own ports, database, cache
// directory (state files, service logs) and TMPDIR.
type provisionRun struct {
	dir      string
	server   string // the PostgreSQL maintenance URL; "" without a database
	template string // the template database's name
	cache    string
	tmp      string
	extraEnv []string // for every run
}

// newProvisionRun copies the suite; withDatabase gives it a template
// database when a PostgreSQL server is there (see pgtest).
func newProvisionRun(t *testing.T, withDatabase bool) *provisionRun {
	t.Helper()
	r := &provisionRun{dir: copySuite(t, "resources"), cache: t.TempDir(), tmp: privateTmp(t)}
	conf := fmt.Sprintf("\n[tool.shoal.ports]\nbase = %d\n", nextPortBase())
	if withDatabase && postgresWanted(t) {
		r.server = pgtest.URL(t)
		tpl := pgtest.Template(t, r.server)
		r.template = tpl[strings.LastIndex(tpl, "/")+1:]
		conf += fmt.Sprintf("\n[tool.shoal.database]\nurl = %q\n", tpl)
	}
	r.appendConfig(t, conf)
	return r
}

// postgresWanted: a server answers, or CI says one must.
func postgresWanted(t *testing.T) bool {
	if os.Getenv("SHOAL_REQUIRE_POSTGRES") == "1" {
		return true
	}
	_, err := pgtest.Find()
	return err == nil
}

func (r *provisionRun) appendConfig(t *testing.T, text string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(r.dir, "pyproject.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func (r *provisionRun) env(extra ...string) []string {
	extra = append(append([]string{"SHOAL_CACHE_DIR=" + r.cache}, r.extraEnv...), extra...)
	return baseEnv(extra...)
}

// shoal runs shoal -n 4 on the suite and waits for it.
func (r *provisionRun) shoal(t *testing.T, mode startMode, flags []string, args ...string) shoalRun {
	t.Helper()
	return runShoal(t, r.dir, shoalCall{mode: mode, env: r.env(), tmp: r.tmp,
		flags: append([]string{"-n", "4"}, flags...), args: args, hangAfter: time.Minute})
}

// databases lists the run's worker databases that exist.
func (r *provisionRun) databases(t *testing.T) []string {
	t.Helper()
	if r.server == "" {
		return nil
	}
	return pgtest.Databases(t, r.server, r.template+"_shoal_%")
}

// checkNothingLeft: no worker database, no process working in the suite
// (pytest's or a service's), no run directory, no state file.
func (r *provisionRun) checkNothingLeft(t *testing.T) {
	t.Helper()
	checkNoneLeft(t, r.dir)
	if dbs := r.databases(t); len(dbs) > 0 {
		t.Errorf("databases left: %v", dbs)
	}
	if dirs, _ := filepath.Glob(filepath.Join(r.tmp, "shoal-*")); len(dirs) > 0 {
		t.Errorf("run directories left: %v", dirs)
	}
	if files, _ := filepath.Glob(filepath.Join(r.cache, "runs", "*")); len(files) > 0 {
		t.Errorf("state files left: %v", files)
	}
}

// TestProvision runs the suite on four workers: every test passes, each
// worker's resources are its own and are listed by -v and in the record,
// and nothing is left afterwards.
func TestProvision(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			r := newProvisionRun(t, true)
			portLog := t.TempDir()
			r.extraEnv = []string{"RESOURCES_SUITE_LOG=" + portLog}
			sh := r.shoal(t, mode, []string{"-v"})
			r.checkNothingLeft(t)
			if sh.code != 0 || sh.record == nil {
				t.Fatalf("shoal should pass the suite:\n%s", sh.output)
			}
			passed, skipped := resourcesTests, 1
			if r.server == "" {
				passed, skipped = resourcesTests-tablesTests, 1+tablesTests
			}
			if got, want := summaryLine(sh.stdout), fmt.Sprintf("%d passed, %d skipped", passed, skipped); got != want {
				t.Errorf("summary %q, want %q", got, want)
			}
			checkMode(t, mode, sh)
			checkWorkerProvisions(t, r, sh)
			checkFreePorts(t, sh, portLog)
		})
	}
}

// checkFreePorts: every port free_port handed out lies in its worker's
// range, and none was handed out twice.
func checkFreePorts(t *testing.T, sh shoalRun, logDir string) {
	t.Helper()
	owner := map[int]string{}
	total := 0
	for _, w := range sh.record.Workers {
		if w.Provisions == nil {
			continue
		}
		var lo, hi int
		fmt.Sscanf(w.Provisions.Ports, "%d-%d", &lo, &hi)
		data, _ := os.ReadFile(filepath.Join(logDir, "ports-"+w.ID))
		for _, field := range strings.Fields(string(data)) {
			port, _ := strconv.Atoi(field)
			total++
			if port < lo || port > hi {
				t.Errorf("%s got port %d from free_port, outside its range %s", w.ID, port, w.Provisions.Ports)
			}
			if other, dup := owner[port]; dup {
				t.Errorf("free_port handed out %d twice (%s and %s)", port, other, w.ID)
			}
			owner[port] = w.ID
		}
	}
	if total != 8 {
		t.Errorf("free_port handed out %d ports, want one per test_port test (8)", total)
	}
}

// TestProvisionKeepTmp: with --keep-tmp, a failed run's run directory stays
// and the summary says where; the databases and services go all the same.
func TestProvisionKeepTmp(t *testing.T) {
	requirePython(t)
	t.Parallel()
	r := newProvisionRun(t, true)
	test := "def test_leaves_a_file(worker_tmp_path):\n" +
		"    (worker_tmp_path / 'evidence.txt').write_text('kept')\n" +
		"    assert False\n"
	if err := os.WriteFile(filepath.Join(r.dir, "test_fail.py"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	sh := r.shoal(t, startModes[0], []string{"--keep-tmp"}, "test_fail.py")
	if sh.code != 1 || sh.record == nil {
		t.Fatalf("shoal should exit 1:\n%s", sh.output)
	}
	dirs, _ := filepath.Glob(filepath.Join(r.tmp, "shoal-*"))
	if len(dirs) != 1 || !strings.Contains(sh.stdout, "kept temporary files in "+dirs[0]) {
		t.Fatalf("run directories %v; the summary should name the kept one:\n%s", dirs, sh.stdout)
	}
	evidence, _ := filepath.Glob(filepath.Join(dirs[0], "gw*", "path", "evidence.txt"))
	if len(evidence) != 1 {
		t.Errorf("the test's file is not in the kept directory")
	}
	checkNoneLeft(t, r.dir)
	if dbs := r.databases(t); len(dbs) > 0 {
		t.Errorf("databases left: %v", dbs)
	}
	if files, _ := filepath.Glob(filepath.Join(r.cache, "runs", "*")); len(files) > 0 {
		t.Errorf("state files left: %v", files)
	}
}

// checkWorkerProvisions: the record lists each worker's own directories,
// ports, database and echo instance; -v lists them too; the summary names
// the logs, which hold what each instance printed.
func checkWorkerProvisions(t *testing.T, r *provisionRun, sh shoalRun) {
	t.Helper()
	if len(sh.record.Workers) != 4 {
		t.Fatalf("record has %d workers, want 4", len(sh.record.Workers))
	}
	seen := map[string]string{}
	own := func(w, what, v string) {
		if v == "" {
			t.Errorf("%s has no %s", w, what)
		} else if other, dup := seen[what+v]; dup {
			t.Errorf("%s and %s share %s %s", w, other, what, v)
		}
		seen[what+v] = w
	}
	for _, w := range sh.record.Workers {
		res := w.Provisions
		if res == nil {
			t.Errorf("record: %s has no resources", w.ID)
			continue
		}
		own(w.ID, "TMPDIR", res.TmpDir)
		own(w.ID, "worker_tmp_path", res.Path)
		own(w.ID, "ports", res.Ports)
		if !strings.HasPrefix(res.TmpDir, r.tmp+"/shoal-") {
			t.Errorf("%s's TMPDIR %s is not in a run directory under %s", w.ID, res.TmpDir, r.tmp)
		}
		if r.server != "" {
			own(w.ID, "database", res.Database)
			if !strings.Contains(res.Database, ":xxxxx@") || !strings.Contains(res.Database, r.template+"_shoal_") {
				t.Errorf("%s's database %q should be a copy of %s, shown without its password", w.ID, res.Database, r.template)
			}
		}
		if len(res.Services) != 1 || res.Services[0].Name != "echo" || res.Services[0].PID == 0 {
			t.Errorf("%s's services: %+v, want its echo instance", w.ID, res.Services)
			continue
		}
		svc := res.Services[0]
		own(w.ID, "service port", strconv.Itoa(svc.Port))
		if log, err := os.ReadFile(svc.Log); err != nil || !strings.Contains(string(log), fmt.Sprintf("echo for %s listening on %d", w.ID, svc.Port)) {
			t.Errorf("%s's echo log %s: %q, %v", w.ID, svc.Log, log, err)
		}
		line := fmt.Sprintf("shoal: %s: TMPDIR %s, worker_tmp_path %s, ports %s", w.ID, res.TmpDir, res.Path, res.Ports)
		if !strings.Contains(sh.stdout, line) || !strings.Contains(sh.stdout, fmt.Sprintf("service echo on port %d (pid %d)", svc.Port, svc.PID)) {
			t.Errorf("-v does not list %s's resources (%q):\n%s", w.ID, line, sh.stdout)
		}
		if !strings.Contains(sh.stdout, "service echo: logs in "+filepath.Dir(svc.Log)) {
			t.Errorf("the summary does not name the echo logs in %s", filepath.Dir(svc.Log))
		}
	}
	if strings.Contains(sh.output.String(), "shoal_test:shoal_test@") {
		t.Errorf("shoal showed the database password")
	}
}

// TestProvisionCollideWithoutShoal: the same suite on pytest-xdist's four
// workers fails, which is what makes TestProvision mean something.
func TestProvisionCollideWithoutShoal(t *testing.T) {
	requirePython(t)
	if err := exec.Command(python, "-c", "import xdist").Run(); err != nil {
		t.Skip("no pytest-xdist")
	}
	t.Parallel()
	dir := copySuite(t, "resources")
	py := runPytest(t, dir, "-n", "4")
	if py.code != 1 {
		t.Fatalf("pytest -n 4 should fail the suite:\n%s", py.output)
	}
	failed := 0
	for _, outcome := range py.outcomes {
		if outcome == "failed" {
			failed++
		}
	}
	if failed == 0 {
		t.Errorf("pytest -n 4 exited 1 but no test failed:\n%s", py.output)
	}
}

// TestProvisionBadInput: what a user can get wrong stops the run before any
// test, exit code 4, with one line naming the problem and a hint.
func TestProvisionBadInput(t *testing.T) {
	requirePython(t)
	t.Parallel()
	ephemeral := "32768-60999"
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		f := strings.Fields(string(data))
		ephemeral = f[0] + "-" + f[1]
	}
	type testCase struct {
		name   string
		config func(t *testing.T, r *provisionRun) string
		want   []string // in stderr
	}
	testCases := []testCase{
		{
			name: "unreachable database",
			config: func(t *testing.T, r *provisionRun) string {
				return "[tool.shoal.database]\nurl = \"postgresql://app:s3cret-pw@127.0.0.1:1/app_test\"\n"
			},
			want: []string{"shoal: error: cannot connect to the database server (postgresql://app:xxxxx@127.0.0.1:1/app_test)", "hint: "},
		},
		{
			name: "unreachable database, password as parameters",
			config: func(t *testing.T, r *provisionRun) string {
				return "[tool.shoal.database]\nurl = \"postgresql://app@127.0.0.1:1/app_test?password=s3cret-pw&sslpassword=s3cret-key\"\n"
			},
			want: []string{"cannot connect to the database server (postgresql://app@127.0.0.1:1/app_test?password=xxxxx&sslpassword=xxxxx)"},
		},
		{
			name: "database URL whose password holds a /",
			config: func(t *testing.T, r *provisionRun) string {
				return "[tool.shoal.database]\nurl = \"postgresql://app:s3cret/pw@127.0.0.1:1/app_test\"\n"
			},
			want: []string{"database.url: expected a database URL, got one that does not parse (postgresql://app:xxxxx@127.0.0.1:1/app_test)"},
		},
		{
			name: "database as keywords and values",
			config: func(t *testing.T, r *provisionRun) string {
				return "[tool.shoal.database]\nurl = \"host=127.0.0.1 port=1 user=app password=s3cret-pw dbname=app_test\"\n"
			},
			want: []string{"expected a postgresql:// or sqlite:/// URL, got host=127.0.0.1 port=1 user=app password=xxxxx dbname=app_test"},
		},
		{
			name: "missing template",
			config: func(t *testing.T, r *provisionRun) string {
				if !postgresWanted(t) {
					t.Skip("no PostgreSQL server")
				}
				url := pgtest.WithDatabase(t, pgtest.URL(t), "shoal_no_such_template")
				return fmt.Sprintf("[tool.shoal.database]\nurl = %q\n", url)
			},
			want: []string{`the template database "shoal_no_such_template" does not exist (postgresql://`, ":xxxxx@", "hint: create it"},
		},
		{
			name: "ports in the ephemeral range",
			config: func(t *testing.T, r *provisionRun) string {
				return "[tool.shoal.ports]\nbase = 30000\nsize = 1000\n"
			},
			want: []string{"the port blocks 30000-33999", "overlap the ephemeral port range " + ephemeral, "hint: set [tool.shoal.ports]"},
		},
		{
			name: "service that cannot start",
			config: func(t *testing.T, r *provisionRun) string {
				return "[[tool.shoal.services]]\nname = \"broken\"\n" +
					"command = \"python3 -c 'import sys; sys.exit(\\\"broken: no such config file\\\")'\"\n"
			},
			want: []string{"service broken of worker gw", "exited (exit code 1) before it was ready", "broken: no such config file", "hint: "},
		},
		{
			name: "bad key",
			config: func(t *testing.T, r *provisionRun) string {
				return "[tool.shoal.ports]\nbase = 20000\nszie = 10\n"
			},
			want: []string{"pyproject.toml:", "[tool.shoal] ports.szie: unknown key", "hint: check the spelling"},
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &provisionRun{dir: copySuite(t, "resources"), cache: t.TempDir(), tmp: privateTmp(t)}
			conf := tc.config(t, r)
			// A port block of its own, unless the case sets ports itself.
			if !strings.Contains(conf, "[tool.shoal.ports]") {
				conf += fmt.Sprintf("\n[tool.shoal.ports]\nbase = %d\n", nextPortBase())
			}
			r.appendConfig(t, "\n"+conf)
			sh := r.shoal(t, startModes[0], nil)
			if sh.code != 4 {
				t.Errorf("shoal exited %d, want 4:\n%s", sh.code, sh.output)
			}
			for _, w := range tc.want {
				if !strings.Contains(sh.stderr, w) {
					t.Errorf("stderr should contain %q:\n%s", w, sh.stderr)
				}
			}
			if strings.Contains(sh.output.String(), "s3cret") {
				t.Errorf("shoal showed the password:\n%s", sh.output)
			}
			if strings.Contains(sh.stdout, "test session starts") || sh.record != nil || strings.Contains(sh.stderr, "panic") {
				t.Errorf("shoal should stop before any test:\n%s", sh.output)
			}
			r.checkNothingLeft(t)
		})
	}
}

// TestProvisionRepeat is the suite's check for flakiness:
// SHOAL_PROVISION_REPEAT=N runs it N times in a row on four workers, and
// pytest -n 4 as often, and reports how many runs of each failed. shoal's
// must all pass. It takes a few seconds a run, so CI leaves it out:
//
//	SHOAL_PROVISION_REPEAT=20 go test -count=1 -tags integration -run TestProvisionRepeat -v ./integration/
func TestProvisionRepeat(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SHOAL_PROVISION_REPEAT"))
	if n <= 0 {
		t.Skip("set SHOAL_PROVISION_REPEAT=N to run the suite N times")
	}
	requirePython(t)
	r := newProvisionRun(t, true)
	shoalFailed, testsFailed := 0, 0
	var elapsed time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		sh := r.shoal(t, startModes[0], nil)
		elapsed += time.Since(start)
		if sh.code != 0 {
			shoalFailed++
			testsFailed += sh.record.Summary["failed"] + sh.record.Summary["error"]
			t.Errorf("shoal run %d failed:\n%s", i+1, sh.output)
		}
		r.checkNothingLeft(t)
	}
	t.Logf("shoal run -n 4: %d of %d runs failed, %d failed tests in all, %.1f s a run",
		shoalFailed, n, testsFailed, elapsed.Seconds()/float64(n))

	// The same suite under pytest-xdist, its database shared by the workers.
	env := baseEnv()
	if r.server != "" {
		shared := r.template + "_shared"
		pgtest.Exec(t, r.server, "CREATE DATABASE "+shared+" TEMPLATE "+r.template)
		t.Cleanup(func() { pgtest.Drop(t, r.server, shared) })
		env = append(env, "RESOURCES_SUITE_DATABASE_URL="+pgtest.WithDatabase(t, r.server, shared))
	}
	pytestFailed, failedTests := 0, 0
	kinds := map[string]int{}
	for i := 0; i < n; i++ {
		py := runPytestEnv(t, r.dir, env, "-n", "4")
		if py.code != 0 {
			pytestFailed++
		}
		for id, outcome := range py.outcomes {
			if outcome == "failed" || outcome == "error" {
				failedTests++
				name, _, _ := strings.Cut(id[strings.Index(id, "::")+2:], "[")
				kinds[name]++
			}
		}
	}
	t.Logf("pytest -n 4: %d of %d runs failed, %d failed tests in all, by test: %v", pytestFailed, n, failedTests, kinds)
}
