package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"shoal/config"
	"shoal/plugin"
	"shoal/provision"
	"shoal/result"
)

// startProvision makes each worker's resources. A problem the user can fix
// is a usage error, told with its hint and, for a service, its log's end.
func startProvision(ctx context.Context, cfg *config.Config, workers int, dir string, env []string, stderr io.Writer) (*provision.Run, error) {
	project := dir
	if cfg.File != "" {
		project = filepath.Dir(cfg.File)
	}
	res, err := provision.Setup(ctx, provision.Options{
		Workers: workers, Ports: cfg.Ports, Database: cfg.Database, Services: cfg.Services,
		ProjectDir: project, StateDir: plugin.DefaultCacheDir(), Env: env, Notes: stderr,
	})
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil {
		return nil, &exitError{code: result.ExitInterrupted, msg: "interrupted while making the workers' resources"}
	}
	var re *provision.Error
	if errors.As(err, &re) {
		msg := re.Msg
		if re.Detail != "" {
			msg += "\n" + re.Detail
		}
		return nil, usageError(msg, re.Hint)
	}
	return nil, &exitError{code: result.ExitInternalError, msg: err.Error()}
}

// closeProvision stops and removes what the workers had; what it cannot
// remove a later run will.
func closeProvision(res *provision.Run, keep bool, stderr io.Writer) {
	if err := res.Close(keep); err != nil {
		fmt.Fprintf(stderr, "shoal: warning: %v\n", err)
	}
}

// infoOnly tells whether pytest's arguments only ask for information
// (--help, --version, --collect-only, …): no worker will start, so none
// needs resources, and a database that is down must not stand in the way.
func infoOnly(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		switch a {
		case "-h", "--help", "--version", "-V", "--collect-only", "--co", "--fixtures", "--funcargs",
			"--fixtures-per-test", "--markers":
			return true
		}
	}
	return false
}

// provisionLines list each worker's resources for `shoal run -v`, after
// the ports it took where other runs held those it was to have.
func provisionLines(run *result.Run, res *provision.Run) []string {
	var out []string
	if res.PortsNote != "" {
		out = append(out, "shoal: "+res.PortsNote)
	}
	for _, w := range run.Workers {
		d := res.Describe(w.ID)
		if d == nil {
			continue
		}
		parts := []string{"TMPDIR " + d.TmpDir, "worker_tmp_path " + d.Path, "ports " + d.Ports}
		if d.Database != "" {
			parts = append(parts, "database "+d.Database)
		}
		for _, s := range d.Services {
			parts = append(parts, fmt.Sprintf("service %s on port %d (pid %d)", s.Name, s.Port, s.PID))
		}
		out = append(out, fmt.Sprintf("shoal: %s: %s", w.ID, strings.Join(parts, ", ")))
	}
	return out
}

// serviceLogNotes name the services' logs, one line per service.
func serviceLogNotes(res *provision.Run) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range res.Workers {
		for _, s := range w.Services {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, fmt.Sprintf("service %s: logs in %s", s.Name,
					filepath.Join(res.LogDir, s.Name+"-gw*.log")))
			}
		}
	}
	return out
}

// prepared is a suite made ready for commands that start runs of their
// own (audit, verify, replay): its limits, the workers' thread pools and
// their resources. done closes what it opened.
type prepared struct {
	*suite
	limits limits
	pools  threadPools
	res    *provision.Run
}

// prepareRuns prepares the suite and the resources of at least atLeast
// workers (more than the suite's own when a command's runs use more).
func prepareRuns(ctx context.Context, f runFlags, atLeast int, stderr io.Writer) (p *prepared, done func(), err error) {
	s, err := prepare(f, stderr)
	if err != nil {
		return nil, nil, err
	}
	p = &prepared{suite: s}
	fail := func(err error) (*prepared, func(), error) {
		s.history.close()
		return nil, nil, err
	}
	if p.limits, err = resolveLimits(f, s.cfg); err != nil {
		return fail(err)
	}
	// The workers' numerical thread pools are shared out as shoal run shares them.
	if p.pools, err = resolveThreadPools(f.threadPools, s.cfg, cpuShare("/sys", runtime.NumCPU(), os.Getenv), s.workers, os.Getenv); err != nil {
		return fail(err)
	}
	if p.res, err = startProvision(ctx, s.cfg, max(s.workers, atLeast), s.dir, append(os.Environ(), markersEnv(s.cfg)...), stderr); err != nil {
		return fail(err)
	}
	return p, func() { closeProvision(p.res, false, stderr); s.history.close() }, nil
}
