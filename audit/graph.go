// Package audit judges a suite's isolation markers from what each test
// touched (package footprint): which tests conflict and over what, which
// markers are needed, which a key or a per-worker resource would replace,
// and which are missing. It is pure: footprints and markers in, verdicts
// with their evidence out; running the suite is the caller's.
package audit

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"shoal/footprint"
)

// Conflict is two tests that may break each other when they run at the
// same time: one writes what the other reads or writes.
type Conflict struct {
	A, B int    // indices of the tests, A < B
	Key  string // the lock key that keeps them apart: port:8080, file:/tmp/x, table:users
	// Sure is set when both write (bind the port, write the file or
	// table); a read against a write depends on timing.
	Sure bool
	// What says, per side, what the test does, with where.
	WhatA, WhatB string
}

// use is one test's use of one resource.
type use struct {
	test int
	ops  map[string]bool
	at   string
	host string // ports: the address bound or connected to
}

var writeOps = []string{"write", "remove", "chmod", "sqlite", "bind"}

func (u use) writes() bool {
	for _, op := range writeOps {
		if u.ops[op] {
			return true
		}
	}
	return false
}

// creates tells whether u changes what a listing of its parent shows.
func (u use) creates() bool { return u.writes() || u.ops["mkdir"] }

// Graph finds every conflict between tests. prints[i] is test i's
// footprint, nil for a test that did not run.
func Graph(prints []*footprint.Test, rootdir string) []Conflict {
	g := &graph{rootdir: rootdir, seen: map[[2]int]map[string]bool{}}
	g.files(prints)
	g.ports(prints)
	g.tables(prints)
	sort.Slice(g.out, func(i, j int) bool {
		a, b := g.out[i], g.out[j]
		if a.A != b.A {
			return a.A < b.A
		}
		if a.B != b.B {
			return a.B < b.B
		}
		return a.Key < b.Key
	})
	return g.out
}

type graph struct {
	rootdir string
	out     []Conflict
	seen    map[[2]int]map[string]bool
}

func (g *graph) add(a, b use, key string, sure bool, whatA, whatB string) {
	if a.test == b.test {
		return
	}
	if a.test > b.test {
		a, b, whatA, whatB = b, a, whatB, whatA
	}
	pair := [2]int{a.test, b.test}
	if g.seen[pair] == nil {
		g.seen[pair] = map[string]bool{}
	}
	if g.seen[pair][key] {
		return
	}
	g.seen[pair][key] = true
	g.out = append(g.out, Conflict{A: a.test, B: b.test, Key: key, Sure: sure, WhatA: whatA, WhatB: whatB})
}

func (g *graph) files(prints []*footprint.Test) {
	byPath := map[string][]use{}
	for i, p := range prints {
		if p == nil {
			continue
		}
		for _, f := range p.Files {
			byPath[f.Path] = append(byPath[f.Path], use{test: i, ops: set(f.Ops), at: f.At})
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		g.samePath(p, byPath[p])
		g.underDir(p, byPath, paths)
	}
}

// samePath: a write against any use of the same path, but two mkdirs.
func (g *graph) samePath(p string, uses []use) {
	key := g.fileKey(p)
	for i, a := range uses {
		if !a.writes() {
			continue
		}
		for j, b := range uses {
			if j == i || (b.writes() && j < i) || !(b.writes() || b.ops["read"] || b.ops["list"] || b.ops["mkdir"] || b.ops["connect"]) {
				continue
			}
			g.add(a, b, key, b.writes(), g.fileWhat(p, a), g.fileWhat(p, b))
		}
	}
}

// underDir: removing or listing a directory against what others do in it.
func (g *graph) underDir(dir string, byPath map[string][]use, paths []string) {
	var dirUses []use
	for _, u := range byPath[dir] {
		if u.ops["remove"] || u.ops["list"] {
			dirUses = append(dirUses, u)
		}
	}
	if len(dirUses) == 0 {
		return
	}
	prefix := dir + "/"
	start := sort.SearchStrings(paths, prefix)
	key := g.fileKey(dir)
	for k := start; k < len(paths) && strings.HasPrefix(paths[k], prefix); k++ {
		for _, a := range dirUses {
			for _, b := range byPath[paths[k]] {
				if a.ops["remove"] || b.creates() {
					g.add(a, b, key, a.ops["remove"] && b.writes(), g.fileWhat(dir, a), g.fileWhat(paths[k], b))
				}
			}
		}
	}
}

func (g *graph) ports(prints []*footprint.Test) {
	type portKey struct {
		proto string
		port  int
	}
	byPort := map[portKey][]use{}
	var keys []portKey
	for i, p := range prints {
		if p == nil {
			continue
		}
		for _, pt := range p.Ports {
			k := portKey{pt.Proto, pt.Port}
			if byPort[k] == nil {
				keys = append(keys, k)
			}
			byPort[k] = append(byPort[k], use{test: i, ops: map[string]bool{pt.Op: true}, at: pt.At, host: pt.Host})
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].port < keys[j].port || keys[i].port == keys[j].port && keys[i].proto < keys[j].proto
	})
	for _, k := range keys {
		uses := byPort[k]
		key := fmt.Sprintf("port:%d", k.port)
		for i, a := range uses {
			if !a.ops["bind"] {
				continue
			}
			for j, b := range uses {
				if j == i || (b.ops["bind"] && j < i) || (!b.ops["bind"] && !local(b.host)) {
					continue
				}
				g.add(a, b, key, b.ops["bind"], portWhat(k.proto, k.port, a, g), portWhat(k.proto, k.port, b, g))
			}
		}
	}
}

func (g *graph) tables(prints []*footprint.Test) {
	byTable := map[[2]string][]use{}
	var keys [][2]string
	for i, p := range prints {
		if p == nil {
			continue
		}
		for _, t := range p.Tables {
			k := [2]string{t.Database, t.Table}
			if byTable[k] == nil {
				keys = append(keys, k)
			}
			byTable[k] = append(byTable[k], use{test: i, ops: map[string]bool{t.Access: true}, at: t.At})
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
	for _, k := range keys {
		uses := byTable[k]
		for i, a := range uses {
			if !a.ops["write"] {
				continue
			}
			for j, b := range uses {
				if j == i || (b.ops["write"] && j < i) {
					continue
				}
				g.add(a, b, "table:"+k[1], b.ops["write"], tableWhat(k, a, g), tableWhat(k, b, g))
			}
		}
	}
}

// local tells whether a connection to host reaches this machine.
func local(host string) bool {
	switch host {
	case "", "localhost", "0.0.0.0", "::", "::1":
		return true
	}
	return strings.HasPrefix(host, "127.")
}

func set(ops []string) map[string]bool {
	m := make(map[string]bool, len(ops))
	for _, op := range ops {
		m[op] = true
	}
	return m
}

// fileKey is the lock key for path: relative to the rootdir inside it.
func (g *graph) fileKey(path string) string {
	return "file:" + g.show(path)
}

// show writes a path relative to the rootdir where it is inside it.
func (g *graph) show(path string) string {
	return relTo(g.rootdir, path)
}

func relTo(root, path string) string {
	if root != "" {
		if rel, err := filepath.Rel(root, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return path
}

// where shows "path:line" (and ", called from path:line") with paths
// inside the rootdir relative to it.
func where(root, at string) string {
	if at == "" {
		return "where the trace could not see"
	}
	if root == "" {
		return at
	}
	return strings.ReplaceAll(at, strings.TrimSuffix(root, "/")+"/", "")
}

var opWords = []struct{ op, word string }{
	{"remove", "removes"}, {"write", "writes"}, {"sqlite", "opens the SQLite database"}, {"chmod", "changes the mode of"},
	{"bind", "listens on the socket"}, {"mkdir", "makes the directory"}, {"list", "lists"}, {"read", "reads"},
	{"connect", "connects to the socket"},
}

func (g *graph) fileWhat(path string, u use) string {
	word := "uses"
	for _, ow := range opWords {
		if u.ops[ow.op] {
			word = ow.word
			break
		}
	}
	return fmt.Sprintf("%s %s (%s)", word, g.show(path), where(g.rootdir, u.at))
}

func portWhat(proto string, port int, u use, g *graph) string {
	verb := "connects to"
	if u.ops["bind"] {
		verb = "binds"
	}
	return fmt.Sprintf("%s %s port %d (%s)", verb, proto, port, where(g.rootdir, u.at))
}

func tableWhat(k [2]string, u use, g *graph) string {
	verb := "reads"
	if u.ops["write"] {
		verb = "writes"
	}
	return fmt.Sprintf("%s table %s of %s (%s)", verb, k[1], k[0], where(g.rootdir, u.at))
}
