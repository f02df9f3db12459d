package main

import (
	"os"
	"path/filepath"

	"shoal/provision"
	"shoal/result"
	"shoal/runner"
)

// repeated is what a command that runs the suite several times in one
// invocation (audit, verify) runs each time with: the suite, its limits,
// the workers' thread pools and their resources (see prepareRuns).
type repeated struct {
	suite  *suite
	args   []string
	noFork bool
	res    *provision.Run
	limits limits
	env    []string // for every pytest process, on top of shoal's own
}

// repeated is what prepareRuns made, for runs of args.
func (p *prepared) repeated(args []string, noFork bool) *repeated {
	return &repeated{suite: p.suite, args: args, noFork: noFork, res: p.res, limits: p.limits, env: p.pools.env}
}

// options are the runner's options for one of the runs, its files in dir,
// with the run's resources and extra environment.
func (r *repeated) options(dir string, extra ...string) (runner.Options, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return runner.Options{}, &exitError{code: result.ExitInternalError, msg: err.Error()}
	}
	opts := r.suite.options(r.args, append(os.Environ(), r.env...))
	opts.Fork = opts.Fork && !r.noFork
	opts.Timeout, opts.MaxWorkerRestart, opts.Grace = r.limits.test.Seconds(), r.limits.maxRestart, r.limits.grace
	opts.RunDir, opts.WorkerEnv = dir, r.res.Env
	opts.Env = append(opts.Env, "SHOAL_RUN_BASETEMP="+filepath.Join(dir, "basetemp"))
	opts.Env = append(opts.Env, extra...)
	return opts, nil
}
