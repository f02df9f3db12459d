package provision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"shoal/config"
	"shoal/ports"
	"shoal/service"
)

// startServices gives each service of each worker the first free port of the
// worker's block and starts all instances at once.
func (r *Run) startServices(ctx context.Context) error {
	if len(r.opts.Services) == 0 {
		return nil
	}
	if err := os.MkdirAll(r.LogDir, 0o755); err != nil {
		return fmt.Errorf("cannot create the services' log directory: %w", err)
	}
	type job struct {
		w    *Worker
		spec service.Spec
		vars service.Vars
		log  string
		inst *service.Instance
		err  error
	}
	var jobs []*job
	for _, w := range r.Workers {
		next := w.Block.Lo
		for _, s := range r.opts.Services {
			port, err := ports.FirstFree(w.Block, next)
			if err != nil {
				return &Error{Msg: fmt.Sprintf("no free port for service %s of worker %s: %v", s.Name, w.ID, err),
					Hint: "free the ports, or move [tool.shoal.ports] base", Err: err}
			}
			next = port + 1
			tmp := filepath.Join(w.Dir, "service-"+s.Name)
			if err := os.Mkdir(tmp, 0o700); err != nil {
				return fmt.Errorf("cannot create a directory for service %s: %w", s.Name, err)
			}
			jobs = append(jobs, &job{w: w, spec: r.serviceSpec(s, w), vars: service.Vars{Port: port, Worker: w.ID, Tmp: tmp},
				log: filepath.Join(r.LogDir, s.Name+"-"+w.ID+".log")})
		}
		w.Ports = ports.Block{Lo: next, Hi: w.Block.Hi}
		if next > w.Block.Hi {
			return &Error{Msg: fmt.Sprintf("worker %s's services took every port of its block %s", w.ID, w.Block),
				Hint: "raise [tool.shoal.ports] size, or free the ports of the block"}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.inst, j.err = service.Start(ctx, j.spec, j.vars, j.log)
			if j.err != nil {
				cancel() // one failure stops the run: stop waiting for the others
			}
		}()
	}
	wg.Wait()
	var first error
	for _, j := range jobs {
		if j.inst != nil {
			j.w.Services = append(j.w.Services, j.inst)
			r.state.rec.Services = append(r.state.rec.Services, proc{PID: j.inst.PID, Start: j.inst.Start})
		}
		if first == nil && j.err != nil && !errors.Is(j.err, context.Canceled) {
			first = j.err
		}
	}
	_ = r.state.save()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return serviceError(first)
}

func serviceError(err error) error {
	var se *service.Error
	if errors.As(err, &se) {
		return &Error{Msg: se.Error(), Err: err,
			Hint:   "fix the service's command in [[tool.shoal.services]], or see its log",
			Detail: "last lines of its log:\n    " + strings.ReplaceAll(se.Tail, "\n", "\n    ")}
	}
	return err
}

// serviceSpec is service s as worker w runs it: in the project directory,
// with the worker's own environment.
func (r *Run) serviceSpec(s config.Service, w *Worker) service.Spec {
	env := append([]string(nil), r.opts.Env...)
	env = append(env, "SHOAL_WORKER="+w.ID, "TMPDIR="+w.TmpDir)
	return service.Spec{Name: s.Name, Command: s.Command, ReadyCommand: s.ReadyCommand,
		ReadyTimeout: s.ReadyTimeout, Dir: r.opts.ProjectDir, Env: env}
}
