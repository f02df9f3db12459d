package runner

import (
	"fmt"
	"path/filepath"

	"shoal/plan"
	"shoal/protocol"
	"shoal/result"
	"shoal/schedule"
	"shoal/worker"
)

// onFiles takes the suite's files from the first worker that walked it.
func (r *runState) onFiles(m *protocol.Message) {
	run := r.run
	r.fileDigest = m.Digest
	run.CollectErrors = collectReportsOf(m.Errors)
	run.Deselected = m.Deselected
	for _, wm := range m.Warnings {
		run.Warnings = append(run.Warnings, warningOf(&wm))
	}
	r.files = make([]fileState, len(m.Files))
	for i, f := range m.Files {
		r.files[i] = fileState{nodeid: f.NodeID, owner: -1}
		if m.Lazy {
			r.collectQ = append(r.collectQ, i)
			continue
		}
		r.files[i].items = f.Items
		r.files[i].collected = true
	}
	r.collectLeft = len(r.collectQ)
	if r.opts.CollectOnly {
		r.numberTests()
		r.stopping, r.collectedOnly = true, true
		return
	}
	if r.collectLeft == 0 {
		r.collected()
	}
}

// startWorkers starts the controller and the workers once the session
// process (the fork server) said hello: forked from it where that is
// safe, else spawned, the session process becoming the controller itself.
// A run that only collects has one worker, the session process.
func (r *runState) startWorkers(m *protocol.Message) error {
	run := r.run
	n := r.opts.Workers
	if r.opts.CollectOnly {
		n = 1
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("gw%d", i)
		w := &workerState{id: id, index: i, files: worker.FilesIn(r.dir, id)}
		r.workers[id] = w
		r.order = append(r.order, w)
		run.Workers = append(run.Workers, &result.Worker{ID: id, Log: w.files.Log})
	}
	if r.opts.CollectOnly {
		w := r.order[0]
		spec := r.spec(w, "")
		w.pid = r.sessionPID
		r.byPID[w.pid] = w
		r.session.Send(protocol.Command{T: "become", Spec: &spec})
		return nil
	}
	r.chooseStart(m)
	ctl := protocol.WorkerSpec{Role: "controller", Count: n, UID: r.uid, Output: filepath.Join(r.dir, "session.end")}
	r.ctl = &controllerState{output: ctl.Output}
	var specs []protocol.WorkerSpec
	for _, w := range r.order {
		specs = append(specs, r.spec(w, ""))
	}
	if r.forking {
		r.session.Send(protocol.Command{T: "fork", Workers: append([]protocol.WorkerSpec{ctl}, specs...)})
		return nil
	}
	r.ctl.pid = r.sessionPID
	r.session.Send(protocol.Command{T: "become", Spec: &ctl})
	for i, w := range r.order {
		if err := r.spawn(w, specs[i]); err != nil {
			// Those started stop as after an interrupt; the others never run.
			for _, rest := range r.order[i:] {
				rest.ended = true
			}
			r.interrupt("Interrupted: " + err.Error())
			return nil
		}
	}
	return nil
}

// chooseStart decides whether the session process forks the controller
// and the workers, and says why it does not where it cannot.
func (r *runState) chooseStart(m *protocol.Message) {
	r.forking = r.opts.Fork && m.CanFork
	r.run.StartMode = "spawn"
	if r.forking {
		r.run.StartMode = "fork"
	}
	switch {
	case !r.opts.Fork:
		r.run.StartNote = "forking is off"
	case !m.CanFork:
		r.run.StartNote = "cannot fork: " + m.ForkNote
	default:
		r.run.StartNote = m.ForkNote
	}
}

// feedCollect asks a worker to collect the next files, two at a time, so
// that importing test modules runs on every worker at once.
func (r *runState) feedCollect(w *workerState) {
	if w.conn == nil || w.ended || !w.walked {
		return
	}
	var files []int
	for len(w.collecting)+len(files) < 2 && len(r.collectQ) > 0 {
		files = append(files, r.collectQ[0])
		r.collectQ = r.collectQ[1:]
	}
	if len(files) > 0 {
		w.collecting = append(w.collecting, files...)
		w.conn.Send(protocol.Command{T: "collect", Files: files})
	}
}

func (r *runState) onCollectedFile(w *workerState, m *protocol.Message) error {
	if w == nil || m.File < 0 || m.File >= len(r.files) {
		return fmt.Errorf("internal error: collection of unknown file %d", m.File)
	}
	f := &r.files[m.File]
	w.collecting = removeInt(w.collecting, m.File)
	if f.collected {
		// After an interrupt nothing more runs, and a collection it cut
		// short differs for that reason.
		if !sameItems(f.items, m.Items) && !r.run.Halted {
			return fmt.Errorf("worker %s collected other tests in %s than worker gw%d did: "+
				"the file's collection is not deterministic (random parametrize ids, set iteration order); "+
				"hint: make its test ids stable", w.id, f.nodeid, f.owner)
		}
		return nil
	}
	f.items, f.errors, f.deselected = m.Items, collectReportsOf(m.Errors), m.Deselected
	f.collected = true
	f.owner = w.index
	r.collectLeft--
	if r.sched != nil {
		return nil
	}
	if r.collectLeft == 0 {
		r.collected()
		return nil
	}
	r.feedCollect(w)
	return nil
}

func sameItems(a, b []protocol.Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].NodeID != b[i].NodeID {
			return false
		}
	}
	return true
}

func removeInt(list []int, x int) []int {
	for k, v := range list {
		if v == x {
			return append(list[:k], list[k+1:]...)
		}
	}
	return list
}

// collected runs once every file is collected: the tests are numbered in
// collection order, planned, and handed out from here on.
func (r *runState) collected() {
	run := r.run
	owners := r.numberTests()
	if err := r.plan(owners); err != nil {
		r.run.Tests = nil
		r.stop(err.Error(), true)
		return
	}
	errorsSeen := run.CollectionErrors()
	r.emit(r.collectedEvent())
	r.tell(protocol.Command{T: "collected", Count: len(run.Tests)})
	if errorsSeen > 0 && !run.Options.ContinueOnCollectionErrors {
		r.stop(fmt.Sprintf("Interrupted: %d error%s during collection", errorsSeen, plural(errorsSeen)), true)
		return
	}
	r.feedAll()
}

// numberTests lists every collected test in collection order; it returns,
// per file, the worker that collected it.
func (r *runState) numberTests() []int {
	run := r.run
	owners := make([]int, len(r.files))
	for i := range r.files {
		f := &r.files[i]
		run.Files = append(run.Files, f.nodeid)
		owners[i] = f.owner
		for p, it := range f.items {
			run.Tests = append(run.Tests, &result.Test{
				File: i, Pos: p, Marks: marksOf(it.Marks),
				NodeID: it.NodeID, Path: it.Path, Lineno: it.Lineno, Domain: it.Domain,
			})
		}
		run.CollectErrors = append(run.CollectErrors, f.errors...)
		run.Deselected += f.deselected
	}
	return owners
}

// plan builds the scheduler. Tests the plan does not keep (another
// shard's) leave run.Tests and count as deselected.
func (r *runState) plan(owners []int) error {
	run := r.run
	planner := r.opts.Plan
	if planner == nil {
		planner = markersOnly(r.opts.Workers)
	}
	tests, cfg, keep, err := planner(run, owners)
	if err != nil {
		return err
	}
	cfg.Workers = len(r.order)
	if keep != nil {
		kept, planned := run.Tests[:0], tests[:0]
		for i, t := range run.Tests {
			if keep[i] {
				kept, planned = append(kept, t), append(planned, tests[i])
			}
		}
		run.Deselected += len(run.Tests) - len(kept)
		run.Tests, tests = kept, planned
	}
	for i := range r.files {
		f := &r.files[i]
		f.index = make([]int, len(f.items))
		for p := range f.index {
			f.index[p] = -1
		}
	}
	for i, t := range run.Tests {
		r.files[t.File].index[t.Pos] = i
	}
	if len(r.order) == 0 {
		cfg.Workers = 1
	}
	r.sched, err = schedule.New(tests, cfg)
	if err == nil {
		run.PlannedBarriers = r.sched.PlannedBarriers()
	}
	return err
}

// markersOnly plans with no history: every duration is learnt as the run goes.
func markersOnly(workers int) Planner {
	return func(run *result.Run, owners []int) ([]schedule.Test, schedule.Config, []bool, error) {
		tests, cfg := plan.SchedulerInput(run, owners, nil, plan.Settings{Workers: workers})
		return tests, cfg, nil, nil
	}
}

// testIndex is the run's index of the test at position pos of file f, or -1.
func (r *runState) testIndex(f, pos int) int {
	if f < 0 || f >= len(r.files) || pos < 0 || pos >= len(r.files[f].index) {
		return -1
	}
	return r.files[f].index[pos]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
