package audit

import (
	"fmt"
	"sort"

	"shoal/footprint"
	"shoal/rewrite"
)

// Fix is what --fix changes in one file.
type Fix struct {
	Path    string // absolute
	Changes []rewrite.Change
}

// Fixes turns the verdicts into changes to the test files: unneeded
// markers go, fixable ones that keys separate are narrowed to them,
// missing ones are added, and required ones stay. A marker written once
// for several tests (a parametrized function, a class decorator) changes
// only as all of them allow: it goes only when every one is unneeded, and
// is narrowed to every key they need. notes say what was left alone.
func Fixes(tests []Test, verdicts []Verdict, opt Options) (fixes []Fix, notes []string) {
	marker := opt.Marker
	if marker == "" {
		marker = "isolation"
	}
	type siteKey struct {
		path      string
		line, col int
	}
	sites := map[siteKey]footprint.Site{}
	users := map[siteKey][]int{}
	var order []siteKey
	for i, t := range tests {
		if t.Print == nil {
			continue
		}
		for _, s := range t.Print.Sites {
			k := siteKey{s.Path, s.Line, s.Col}
			if _, ok := sites[k]; !ok {
				order = append(order, k)
				sites[k] = s
			}
			users[k] = append(users[k], i)
		}
	}
	byFile := map[string][]rewrite.Change{}
	for _, k := range order {
		s := sites[k]
		if s.Scope == "elsewhere" {
			notes = append(notes, fmt.Sprintf("%s: the %s marker of %s is set through pytestmark or pytest.param: change it by hand", relTo(opt.Rootdir, s.Path), marker, tests[users[k][0]].NodeID))
			continue
		}
		if c, ok := siteChange(s, users[k], verdicts, marker); ok {
			byFile[s.Path] = append(byFile[s.Path], c)
		}
	}
	for path, cs := range missing(tests, verdicts, marker) {
		byFile[path] = append(byFile[path], cs...)
	}
	paths := make([]string, 0, len(byFile))
	for p := range byFile {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fixes = append(fixes, Fix{Path: p, Changes: byFile[p]})
	}
	return fixes, notes
}

// siteChange decides what becomes of one written marker from the verdicts
// of the tests it marks.
func siteChange(s footprint.Site, users []int, verdicts []Verdict, marker string) (rewrite.Change, bool) {
	c := rewrite.Change{Line: s.Line, Col: s.Col, EndLine: s.EndLine, EndCol: s.EndCol, NameEnd: s.NameEnd, Marker: marker}
	keys := map[string]bool{}
	unneeded := 0
	for _, i := range users {
		v := verdicts[i]
		switch {
		case v.Verdict == Unneeded:
			unneeded++
		case v.Verdict == Fixable && v.Key != nil:
			for _, k := range verdictKeys(v) {
				keys[k] = true
			}
		default:
			return c, false // required, a leak, or not traced: the marker stays
		}
	}
	if unneeded == len(users) {
		c.Op = rewrite.Remove
		return c, true
	}
	existing := map[string]bool{}
	for _, k := range s.Keys {
		if k == nil {
			return c, false // an argument that is not a plain string
		}
		existing[*k] = true
	}
	same := len(existing) == len(keys)
	for k := range existing {
		keys[k] = true // never weaker than it was
	}
	for k := range keys {
		same = same && existing[k]
	}
	if same {
		return c, false
	}
	c.Op, c.Keys = rewrite.Narrow, sortedKeys(keys)
	return c, true
}

// missing adds a marker with the needed keys above each test function
// that misses one, once per function.
func missing(tests []Test, verdicts []Verdict, marker string) map[string][]rewrite.Change {
	type fn struct {
		path string
		line int
	}
	keys := map[fn]map[string]bool{}
	var order []fn
	for i, v := range verdicts {
		t := tests[i]
		if v.Verdict != Missing || t.Path == "" || t.Line < 1 {
			continue
		}
		f := fn{t.Path, t.Line}
		if keys[f] == nil {
			keys[f] = map[string]bool{}
			order = append(order, f)
		}
		for _, k := range verdictKeys(v) {
			keys[f][k] = true
		}
	}
	out := map[string][]rewrite.Change{}
	for _, f := range order {
		out[f.path] = append(out[f.path], rewrite.Change{Op: rewrite.Add, Before: f.line, Keys: sortedKeys(keys[f]), Marker: marker})
	}
	return out
}

func verdictKeys(v Verdict) []string {
	if len(v.Keys) > 0 {
		return v.Keys
	}
	if v.Key != nil {
		return []string{*v.Key}
	}
	return nil
}
