// Package provision gives each worker of a run what it must not share with
// the others: a temporary directory and basetemp, a block of ports, a
// database and its own instances of the project's services. It makes them
// before the workers start, removes them when the run ends, and removes
// what a run that was killed left behind.
package provision

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"shoal/config"
	"shoal/database"
	"shoal/dsn"
	"shoal/ports"
	"shoal/result"
	"shoal/service"
)

// Options say what a run's workers get.
type Options struct {
	Workers int
	Ports   config.Ports
	// Database and Services as [tool.shoal] sets them.
	Database config.Database
	Services []config.Service
	// ProjectDir is where services run and sqlite:/// paths start:
	// pyproject.toml's directory.
	ProjectDir string
	// TempRoot holds the run directory; "" is the system's ($TMPDIR).
	TempRoot string
	// StateDir is shoal's cache directory: state files and service logs.
	StateDir string
	// Env is the environment services start from.
	Env []string
	// Ephemeral is the kernel's ephemeral port range; zero reads it.
	Ephemeral ports.Ephemeral
	// Notes hears of leftovers of earlier runs removed, and of removals
	// that failed; nil discards.
	Notes io.Writer
}

// Worker is what one worker owns.
type Worker struct {
	ID     string
	Dir    string      // shoal's directory for it, in the run directory
	TmpDir string      // its TMPDIR
	Path   string      // worker_tmp_path
	Block  ports.Block // its ports
	Ports  ports.Block // those its services left for its tests
	// Database is its database's URL, password included; "" without one.
	Database string
	Services []*service.Instance
}

// Run is one run's resources.
type Run struct {
	ID       string
	Dir      string // the run directory, which holds everything but the logs
	Basetemp string // pytest's basetemp for the run, in Dir
	LogDir   string // the services' logs, kept after the run
	// PortsNote says, where other shoal runs held the configured port
	// blocks, which the run took instead; "" where it has them.
	PortsNote string
	Workers   []*Worker
	opts      Options
	pg        *database.Postgres
	dbURL     string // redacted
	state     *state
	claim     *ports.Claim
}

// Error is a resource a run cannot have; the run stops before any test.
type Error struct {
	Msg    string // one line
	Hint   string
	Detail string // more lines: the end of a service's log
	Err    error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// dirPrefix starts the name of every run directory.
const dirPrefix = "shoal-"

// stopGrace is how long a service may take to stop after SIGTERM.
const stopGrace = 5 * time.Second

// Setup makes each worker's resources. It first removes what dead runs
// left. Errors a user can fix are *Error; a cancelled ctx gives ctx's
// error. Whatever fails, nothing made is left behind.
func Setup(ctx context.Context, opts Options) (*Run, error) {
	if opts.Notes == nil {
		opts.Notes = io.Discard
	}
	if opts.Ephemeral.Hi == 0 {
		opts.Ephemeral = ports.ReadEphemeral()
	}
	sweep(ctx, opts.StateDir, opts.Notes)
	r := &Run{ID: randomHex(8), opts: opts}
	blocks, err := r.plan()
	if err != nil {
		return nil, err
	}
	if err := r.openDatabase(ctx); err != nil {
		r.claim.Release()
		return nil, err
	}
	if r.state, err = createState(opts.StateDir, r.ID); err != nil {
		r.claim.Release()
		r.closeDatabase()
		return nil, err
	}
	if err := r.make(ctx, blocks); err != nil {
		if cerr := r.Close(false); cerr != nil {
			fmt.Fprintf(opts.Notes, "shoal: %v\n", cerr)
		}
		return nil, err
	}
	if r.pg != nil {
		// Not held through the run: idle connections get closed.
		r.pg.Close()
	}
	return r, nil
}

// plan checks the port blocks: disjoint, out of the ephemeral range, and
// each with room for its services and at least one test port.
func (r *Run) plan() ([]ports.Block, error) {
	p := r.opts.Ports
	blocks, err := ports.Plan(p.Base, p.Size, r.opts.Workers, r.opts.Ephemeral)
	var pe *ports.Error
	if errors.As(err, &pe) {
		return nil, &Error{Msg: pe.Msg, Hint: pe.Hint, Err: err}
	}
	if err != nil {
		return nil, err
	}
	if n := len(r.opts.Services); p.Size <= n {
		return nil, &Error{
			Msg:  fmt.Sprintf("each worker's %d ports leave none for tests after its %d services", p.Size, n),
			Hint: "raise [tool.shoal.ports] size",
		}
	}
	return r.claimPorts(blocks)
}

// claimPorts holds the blocks against other shoal runs on the machine.
// Where another run holds one, as when two runs of one project go on at
// once, it takes the first window of as many blocks further up that
// nobody holds, past the ephemeral range if need be, and says so in
// PortsNote.
func (r *Run) claimPorts(blocks []ports.Block) ([]ports.Block, error) {
	p, eph := r.opts.Ports, r.opts.Ephemeral
	width := len(blocks) * p.Size
	planned := ports.Block{Lo: blocks[0].Lo, Hi: blocks[len(blocks)-1].Hi}
	for base := p.Base; base+width-1 <= 65535; base += width {
		if base <= eph.Hi && base+width-1 >= eph.Lo {
			base = eph.Hi + 1 - width // the loop's step lands on eph.Hi+1
			continue
		}
		plan, err := ports.Plan(base, p.Size, len(blocks), eph)
		if err != nil {
			break
		}
		claim, err := ports.Take(plan)
		if errors.Is(err, ports.ErrTaken) {
			continue
		}
		r.claim = claim
		if base != p.Base {
			r.PortsNote = fmt.Sprintf("ports %s are held by another shoal run; this run's workers use %s",
				planned, ports.Block{Lo: base, Hi: base + width - 1})
		}
		return plan, nil
	}
	return nil, &Error{
		Msg:  fmt.Sprintf("the port blocks %s are held by another shoal run, and so is every free window of %d ports above them", planned, width),
		Hint: "wait for the other runs to end, or give this one another [tool.shoal.ports] base",
	}
}

// openDatabase checks the template before anything is made.
func (r *Run) openDatabase(ctx context.Context) error {
	u := r.opts.Database.URL
	if u == "" {
		return nil
	}
	r.dbURL = dsn.Redact(u)
	if isSQLite(u) {
		path, err := database.SQLitePath(u, r.opts.ProjectDir)
		if err == nil {
			err = database.CheckSQLite(u, path)
		}
		return databaseError(err)
	}
	pg, err := database.Open(ctx, u)
	if err != nil {
		return databaseError(err)
	}
	r.pg = pg
	return nil
}

func isSQLite(u string) bool { return len(u) >= 7 && u[:7] == "sqlite:" }

func databaseError(err error) error {
	var de *database.Error
	if errors.As(err, &de) {
		return &Error{Msg: de.Error(), Hint: de.Hint, Err: err}
	}
	return err
}

func (r *Run) closeDatabase() {
	if r.pg != nil {
		r.pg.Close()
	}
}

// make creates the run directory, then each worker's directories,
// database and service instances, recording each before it exists.
func (r *Run) make(ctx context.Context, blocks []ports.Block) error {
	root := r.opts.TempRoot
	if root == "" {
		root = os.TempDir()
	}
	r.Dir = filepath.Join(root, dirPrefix+r.ID)
	r.Basetemp = filepath.Join(r.Dir, "basetemp")
	r.LogDir = filepath.Join(r.opts.StateDir, "logs", r.ID)
	r.state.rec.Dir = r.Dir
	if err := r.state.save(); err != nil {
		return fmt.Errorf("cannot write the run's state file: %w", err)
	}
	if err := os.Mkdir(r.Dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the run directory: %w", err)
	}
	for i, b := range blocks {
		w := &Worker{ID: fmt.Sprintf("gw%d", i), Block: b, Ports: b}
		w.Dir = filepath.Join(r.Dir, w.ID)
		w.TmpDir = filepath.Join(w.Dir, "tmp")
		w.Path = filepath.Join(w.Dir, "path")
		for _, d := range []string{w.Dir, w.TmpDir, w.Path} {
			if err := os.Mkdir(d, 0o700); err != nil {
				return fmt.Errorf("cannot create worker %s's directory: %w", w.ID, err)
			}
		}
		r.Workers = append(r.Workers, w)
	}
	if err := r.makeDatabases(ctx); err != nil {
		return err
	}
	return r.startServices(ctx)
}

func (r *Run) makeDatabases(ctx context.Context) error {
	u := r.opts.Database.URL
	switch {
	case u == "":
		return nil
	case isSQLite(u):
		tpl, _ := database.SQLitePath(u, r.opts.ProjectDir)
		for _, w := range r.Workers {
			path := filepath.Join(w.Dir, filepath.Base(tpl))
			if err := database.CopySQLite(tpl, path); err != nil {
				return err
			}
			w.Database = database.SQLiteURL(path)
		}
		return nil
	}
	limit := r.opts.Database.MaxConnections
	if limit == 0 {
		var err error
		if limit, err = r.pg.FairShare(ctx, len(r.Workers)); err != nil {
			return databaseError(err)
		}
	}
	r.state.rec.Postgres = u
	for _, w := range r.Workers {
		name := database.Name(r.pg.Template, r.ID, w.ID)
		r.state.rec.Databases = append(r.state.rec.Databases, name)
		if err := r.state.save(); err != nil {
			return fmt.Errorf("cannot write the run's state file: %w", err)
		}
		if err := r.pg.Create(ctx, name, limit); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return databaseError(err)
		}
		w.Database = r.pg.URLOf(name)
	}
	return nil
}

// Env is the environment worker index gets on top of shoal's.
func (r *Run) Env(index int) map[string]string {
	if index < 0 || index >= len(r.Workers) {
		return nil
	}
	w := r.Workers[index]
	env := map[string]string{
		"TMPDIR":           w.TmpDir,
		"SHOAL_WORKER_TMP": w.Path,
		"SHOAL_PORT_RANGE": w.Ports.String(),
	}
	if w.Database != "" {
		env["SHOAL_DATABASE_URL"] = w.Database
	}
	for _, s := range w.Services {
		env["SHOAL_SERVICE_"+config.EnvName(s.Name)+"_PORT"] = strconv.Itoa(s.Port)
	}
	return env
}

// Describe is what worker id has, for `shoal run -v` and the run record.
func (r *Run) Describe(id string) *result.Provisions {
	for _, w := range r.Workers {
		if w.ID != id {
			continue
		}
		d := &result.Provisions{TmpDir: w.TmpDir, Path: w.Path, Ports: w.Ports.String()}
		if w.Database != "" {
			d.Database = dsn.Redact(w.Database)
		}
		for _, s := range w.Services {
			d.Services = append(d.Services, result.Service{Name: s.Name, Port: s.Port, PID: s.PID, Log: s.Log})
		}
		return d
	}
	return nil
}

// Close stops the services, drops the databases and, unless keepDir, removes
// the run directory. What it cannot remove stays recorded for a later run,
// and the error says what that is.
func (r *Run) Close(keepDir bool) error {
	var wg sync.WaitGroup
	for _, w := range r.Workers {
		for _, s := range w.Services {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.Stop(stopGrace)
			}()
		}
	}
	wg.Wait()
	r.claim.Release()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.state.rec.Services = nil
	var err error
	if len(r.state.rec.Databases) > 0 {
		dropped, derr := r.dropDatabases(ctx)
		r.state.rec.Databases = r.state.rec.Databases[dropped:]
		err = errors.Join(err, derr)
	}
	r.closeDatabase()
	if keepDir || r.Dir == "" {
		r.state.rec.Dir = ""
	} else if rerr := removeDir(r.Dir); rerr != nil {
		err = errors.Join(err, rerr)
	} else {
		r.state.rec.Dir = ""
	}
	pruneLogs(r.opts.StateDir, keepLogs)
	if r.state.rec.empty() {
		r.state.remove()
		return err
	}
	_ = r.state.save()
	r.state.release()
	return fmt.Errorf("%w; a later run will try again", err)
}

// dropDatabases drops the run's databases in order, over a new connection.
func (r *Run) dropDatabases(ctx context.Context) (int, error) {
	if err := r.pg.Reconnect(ctx); err != nil {
		return 0, err
	}
	for i, name := range r.state.rec.Databases {
		if err := r.pg.Drop(ctx, name); err != nil {
			return i, err
		}
	}
	return len(r.state.rec.Databases), nil
}

// keepLogs is how many runs' service logs stay in the cache.
const keepLogs = 20

// pruneLogs removes the service logs of all but the newest keep runs.
func pruneLogs(stateDir string, keep int) {
	dir := filepath.Join(stateDir, "logs")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= keep {
		return
	}
	type aged struct {
		name string
		mod  time.Time
	}
	var all []aged
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			all = append(all, aged{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod.After(all[j].mod) }) // newest first
	for _, a := range all[min(keep, len(all)):] {
		os.RemoveAll(filepath.Join(dir, a.name))
	}
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
