package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"shoal/footprint"
)

// Kind is a verdict on one test's marker.
type Kind string

// The verdicts. Marked tests get Unneeded, Fixable or Required; the others
// Safe or Missing. Unknown: the test did not run, so nothing is known.
const (
	Unneeded Kind = "unneeded"
	Fixable  Kind = "fixable"
	Required Kind = "required"
	Safe     Kind = "safe"
	Missing  Kind = "missing"
	Unknown  Kind = "unknown"
)

// Test is one collected test as the audit sees it.
type Test struct {
	NodeID string
	// Marked: it has an isolation marker; Exclusive: one without keys,
	// so it runs alone. Keys are the marker's keys.
	Marked    bool
	Exclusive bool
	Keys      []string
	// Locks are every lock key it holds as written (isolation keys,
	// resource, xdist_group): tests sharing one never run together.
	Locks []string
	// Print is what it touched; nil when it did not run.
	Print *footprint.Test
	// Path is its file (absolute) and Line the first line of its
	// definition (its first decorator), from 1; where a missing marker goes.
	Path string
	Line int
}

// Options say what the audit needs to know of the suite.
type Options struct {
	Rootdir string
	Marker  string // the suite's name for the isolation marker
	// Temp are the directories whose files are temporary by nature
	// (/tmp and the like); a write outside them and the rootdir changes
	// the machine for everyone. Default: TempDirs().
	Temp []string
}

// Verdict is the audit's judgement of one test, in the form of the JSON report.
type Verdict struct {
	NodeID        string   `json:"nodeid"`
	Marked        bool     `json:"marked"`
	Marker        string   `json:"marker"`
	Verdict       Kind     `json:"verdict"`
	Evidence      []string `json:"evidence"`
	ConflictsWith []string `json:"conflicts_with"`
	Key           *string  `json:"key"`
	Keys          []string `json:"keys,omitempty"` // every key, where there are several
	Suggestion    string   `json:"suggestion"`
	// Outcome is the test's outcome in the traced run; the caller sets it.
	Outcome string `json:"outcome,omitempty"`
	// Alone: with the suggestions applied, it still runs alone.
	Alone bool `json:"-"`
	// Leaks: it leaves state behind in its worker.
	Leaks bool `json:"-"`
}

// TempDirs are the usual places for temporary files, and $TMPDIR.
func TempDirs() []string {
	dirs := []string{"/tmp", "/var/tmp", "/dev/shm"}
	if t := os.Getenv("TMPDIR"); t != "" {
		dirs = append(dirs, filepath.Clean(t))
	}
	return dirs
}

// Judge gives every test its verdict. conflicts come from Graph over the
// same tests.
func Judge(tests []Test, conflicts []Conflict, opt Options) []Verdict {
	if opt.Marker == "" {
		opt.Marker = "isolation"
	}
	if opt.Temp == nil {
		opt.Temp = TempDirs()
	}
	j := &judge{tests: tests, opt: opt, by: make([][]int, len(tests))}
	for k, c := range conflicts {
		j.by[c.A] = append(j.by[c.A], k)
		j.by[c.B] = append(j.by[c.B], k)
	}
	j.conflicts = conflicts
	out := make([]Verdict, len(tests))
	required := make([]bool, len(tests))
	for i, t := range tests {
		out[i] = Verdict{NodeID: t.NodeID, Marked: t.Marked, Marker: markerText(opt.Marker, t), ConflictsWith: []string{}, Evidence: []string{}}
		if t.Marked && t.Print != nil {
			if why := j.required(i); len(why) > 0 {
				required[i] = true
				out[i].Verdict, out[i].Alone = Required, true
				out[i].Evidence = why
				out[i].Suggestion = "keep the marker: what it changes cannot be given to each worker"
			}
		}
	}
	for i, t := range tests {
		switch {
		case t.Print == nil:
			out[i].Verdict, out[i].Alone = Unknown, t.Exclusive
			out[i].Evidence = append(out[i].Evidence, "it did not run, so nothing was traced")
		case required[i]:
			j.partners(i, &out[i], nil)
		case t.Marked:
			j.marked(i, &out[i])
		default:
			j.unmarked(i, &out[i], required)
		}
	}
	return out
}

type judge struct {
	tests     []Test
	opt       Options
	conflicts []Conflict
	by        [][]int // test -> indices of its conflicts
}

// required lists why test i is really global: it writes outside the
// rootdir and the temporary directories, or writes a file of the project
// that another test uses.
func (j *judge) required(i int) []string {
	var why []string
	for _, f := range j.tests[i].Print.Files {
		if !(use{ops: set(f.Ops)}).writes() {
			continue
		}
		switch {
		case !j.inside(f.Path, j.opt.Rootdir) && !j.temporary(f.Path):
			why = append(why, fmt.Sprintf("changes %s, outside the project and the temporary directories (%s): other programs and every worker see it", f.Path, where(j.opt.Rootdir, f.At)))
		case j.inside(f.Path, j.opt.Rootdir):
			key := "file:" + relTo(j.opt.Rootdir, f.Path)
			users := 0
			for _, k := range j.by[i] {
				if j.conflicts[k].Key == key {
					users++
				}
			}
			if users > 0 {
				why = append(why, fmt.Sprintf("writes %s, a file of the project (%s), which %s use while it runs", relTo(j.opt.Rootdir, f.Path), where(j.opt.Rootdir, f.At), count(users, "other test")))
			}
		}
	}
	return why
}

func (j *judge) inside(path, dir string) bool {
	return dir != "" && (path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/"))
}

func (j *judge) temporary(path string) bool {
	for _, d := range j.opt.Temp {
		if j.inside(path, d) {
			return true
		}
	}
	return false
}

// side returns, for conflict c seen from test i, the other test, what i
// does and what the other does.
func (j *judge) side(c Conflict, i int) (other int, mine, theirs string) {
	if c.A == i {
		return c.B, c.WhatA, c.WhatB
	}
	return c.A, c.WhatB, c.WhatA
}

// partners adds i's conflicts to v as evidence and conflicts_with, and
// returns the keys of those that count: protected (when given) says which
// partners can never run beside i, whose conflicts need no key.
func (j *judge) partners(i int, v *Verdict, protected func(other int) string) []string {
	keys := map[string]bool{}
	names := map[string]bool{}
	for _, k := range j.by[i] {
		c := j.conflicts[k]
		other, mine, theirs := j.side(c, i)
		if !names[j.tests[other].NodeID] {
			names[j.tests[other].NodeID] = true
			v.ConflictsWith = append(v.ConflictsWith, j.tests[other].NodeID)
		}
		text := fmt.Sprintf("%s; %s %s", mine, j.tests[other].NodeID, theirs)
		if protected != nil {
			if why := protected(other); why != "" {
				v.Evidence = append(v.Evidence, text+" (no key needed: "+why+")")
				continue
			}
		}
		keys[c.Key] = true
		v.Evidence = append(v.Evidence, text)
	}
	sort.Strings(v.ConflictsWith)
	return sortedKeys(keys)
}

func (j *judge) marked(i int, v *Verdict) {
	keys := j.partners(i, v, nil)
	if len(keys) == 0 {
		keys = j.sharedKeys(i, v)
	}
	leaks := j.leaks(i, v)
	switch {
	case len(keys) > 0:
		v.Verdict = Fixable
		setKeys(v, keys)
		v.Suggestion = j.fixHint(keys)
		if len(leaks) > 0 {
			v.Suggestion += "; and " + leakHint(leaks)
		}
	case len(leaks) > 0:
		v.Verdict, v.Alone = Fixable, j.tests[i].Exclusive
		v.Suggestion = leakHint(leaks) + "; isolation does not protect what a test leaves behind in its worker, so the marker does not help"
	default:
		v.Verdict = Unneeded
		v.Evidence = append(v.Evidence, j.private(i))
		v.Suggestion = "remove the marker"
	}
}

func (j *judge) unmarked(i int, v *Verdict, required []bool) {
	keys := j.partners(i, v, func(other int) string {
		switch {
		case required[other]:
			return j.tests[other].NodeID + " runs alone"
		case j.shareLock(i, other):
			return "they already share a lock"
		}
		return ""
	})
	leaks := j.leaks(i, v)
	if len(keys) > 0 {
		v.Verdict = Missing
		setKeys(v, keys)
		v.Suggestion = fmt.Sprintf("add %s", markerCall(j.opt.Marker, keys))
	} else {
		v.Verdict = Safe
	}
	if len(leaks) > 0 {
		hint := leakHint(leaks) + " (no marker helps with that)"
		if v.Suggestion == "" {
			v.Suggestion = hint
		} else {
			v.Suggestion += "; " + hint
		}
	}
}

// shareLock tells whether two tests already hold a common lock key.
func (j *judge) shareLock(a, b int) bool {
	for _, x := range j.tests[a].Locks {
		for _, y := range j.tests[b].Locks {
			if x == y {
				return true
			}
		}
	}
	return false
}

// sharedKeys lists keys for what test i changes that is shared although
// no other test touches it: fixed ports bound, files written outside
// private directories, tables written. Files in one directory share its
// key once there are more than three.
func (j *judge) sharedKeys(i int, v *Verdict) []string {
	p := j.tests[i].Print
	keys := map[string]bool{}
	var files []string
	for _, f := range p.Files {
		if (use{ops: set(f.Ops)}).writes() {
			files = append(files, f.Path)
			v.Evidence = append(v.Evidence, fmt.Sprintf("writes %s (%s), outside its private directories", relTo(j.opt.Rootdir, f.Path), where(j.opt.Rootdir, f.At)))
		}
	}
	if len(files) > 3 {
		files = []string{commonDir(files)}
	}
	for _, f := range files {
		keys["file:"+relTo(j.opt.Rootdir, f)] = true
	}
	for _, pt := range p.Ports {
		if pt.Op == "bind" {
			keys[fmt.Sprintf("port:%d", pt.Port)] = true
			v.Evidence = append(v.Evidence, fmt.Sprintf("binds fixed %s port %d (%s)", pt.Proto, pt.Port, where(j.opt.Rootdir, pt.At)))
		}
	}
	for _, t := range p.Tables {
		if t.Access == "write" {
			keys["table:"+t.Table] = true
			v.Evidence = append(v.Evidence, fmt.Sprintf("writes table %s of the shared database %s (%s)", t.Table, t.Database, where(j.opt.Rootdir, t.At)))
		}
	}
	return sortedKeys(keys)
}

// leaks adds what test i left changed in its worker to v's evidence and
// returns the descriptions. Changes that a module, class or session
// fixture set up or torn down in the same test may have made are noted,
// not held against the test.
func (j *judge) leaks(i int, v *Verdict) []string {
	var own []string
	p := j.tests[i].Print
	for _, l := range p.Leaks {
		what := describeLeak(l, p, j.opt.Rootdir)
		if len(l.By) > 0 {
			v.Evidence = append(v.Evidence, fmt.Sprintf("%s, while fixture %s was set up or torn down (not counted)", what, strings.Join(l.By, ", ")))
			continue
		}
		own = append(own, what)
		v.Evidence = append(v.Evidence, what)
	}
	v.Leaks = len(own) > 0
	return own
}

func describeLeak(l footprint.Leak, p *footprint.Test, root string) string {
	switch l.Kind {
	case "env":
		for _, e := range p.Env {
			if e.Name == l.What && e.At != "" {
				return fmt.Sprintf("leaves os.environ[%q] changed (%s)", l.What, where(root, e.At))
			}
		}
		return fmt.Sprintf("leaves os.environ[%q] changed", l.What)
	case "cwd":
		if p.Cwd != nil && p.Cwd.At != "" {
			return fmt.Sprintf("leaves the working directory changed (%s)", where(root, p.Cwd.At))
		}
		return "leaves the working directory changed"
	case "thread":
		return fmt.Sprintf("leaves thread %q running", l.What)
	case "process":
		return fmt.Sprintf("leaves process %q running", l.What)
	case "module":
		return "leaves module state changed: " + l.What
	}
	return "leaves " + l.What + " changed"
}

// leakHint says how to put back what leaks describes.
func leakHint(leaks []string) string {
	var ways []string
	seen := map[string]bool{}
	for _, l := range leaks {
		way := "put it back in a fixture's teardown"
		switch {
		case strings.HasPrefix(l, "leaves os.environ"):
			way = "set environment variables with monkeypatch.setenv"
		case strings.HasPrefix(l, "leaves the working directory"):
			way = "change directory with monkeypatch.chdir"
		case strings.HasPrefix(l, "leaves module state"):
			way = "change module state with monkeypatch.setattr or monkeypatch.setitem"
		case strings.HasPrefix(l, "leaves thread"), strings.HasPrefix(l, "leaves process"):
			way = "stop the threads and processes it starts before it ends"
		}
		if !seen[way] {
			seen[way] = true
			ways = append(ways, way)
		}
	}
	return "put back what it leaves changed: " + strings.Join(ways, ", ")
}

// private describes what test i touched that is its own, for an unneeded marker.
func (j *judge) private(i int) string {
	p := j.tests[i].Print
	if len(p.Private) == 0 && len(p.Env) == 0 && p.Cwd == nil {
		return "touches nothing shared"
	}
	var parts []string
	kinds := make([]string, 0, len(p.Private))
	for k := range p.Private {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, p.Private[k]))
	}
	if len(p.Env) > 0 || p.Cwd != nil {
		parts = append(parts, "environment or cwd changes, put back by the end of the test")
	}
	return "touches nothing shared; only its own: " + strings.Join(parts, ", ")
}

func (j *judge) fixHint(keys []string) string {
	var hints []string
	for _, k := range keys {
		kind, what, _ := strings.Cut(k, ":")
		switch kind {
		case "port":
			hints = append(hints, fmt.Sprintf("use free_port (a port of the worker's SHOAL_PORT_RANGE) instead of port %s", what))
		case "file":
			hints = append(hints, fmt.Sprintf("use tmp_path or worker_tmp_path instead of %s", what))
		case "table":
			hints = append(hints, fmt.Sprintf("use worker_database_url for table %s", what))
		}
	}
	return strings.Join(hints, "; ") + fmt.Sprintf("; or narrow the marker to %s", markerCall(j.opt.Marker, keys))
}

func setKeys(v *Verdict, keys []string) {
	k := keys[0]
	v.Key = &k
	if len(keys) > 1 {
		v.Keys = keys
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func commonDir(paths []string) string {
	dir := filepath.Dir(paths[0])
	for _, p := range paths[1:] {
		for dir != "/" && !strings.HasPrefix(p, dir+"/") {
			dir = filepath.Dir(dir)
		}
	}
	return dir
}

// markerCall writes the marker with keys, as in isolation("port:8080").
func markerCall(name string, keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	return fmt.Sprintf("%s(%s)", name, strings.Join(quoted, ", "))
}

func markerText(name string, t Test) string {
	switch {
	case !t.Marked:
		return ""
	case len(t.Keys) == 0:
		return name
	}
	return markerCall(name, t.Keys)
}
