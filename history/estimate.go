package history

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// Source says where an estimate comes from, from most to least reliable.
type Source int

const (
	Measured Source = iota // the test's own recent runs
	Param                  // other parametrizations of the same function
	Class                  // other tests of the same class
	File                   // other tests of the same file
	Default                // all measured tests, or DefaultSeconds
)

func (s Source) String() string {
	switch s {
	case Measured:
		return "measured"
	case Param:
		return "param"
	case Class:
		return "class"
	case File:
		return "file"
	case Default:
		return "default"
	}
	return "unknown"
}

// Estimate is what a test is expected to cost on a worker where its file's
// module fixtures are already set up.
type Estimate struct {
	Seconds float64 // expected setup+call+teardown of a warm run
	CPU     float64 // expected CPU seconds; 0: unknown
	Source  Source
}

// Estimates returns an estimate for each node ID, in the same order. A
// measured test gets the median of its recent runs, so that one slow run does
// not move it; any other gets the median of its closest measured siblings
// (see Source). If the store cannot be read, every test gets the default.
func (s *Store) Estimates(nodeids []string) []Estimate {
	known, _ := s.measured(context.Background()) // on an error, what was read; the rest borrow
	return estimate(known, nodeids)
}

// measured reads every stored test's estimate.
func (s *Store) measured(ctx context.Context) (map[string]Estimate, error) {
	known := map[string]Estimate{}
	err := s.eachFile(ctx, func(file string, tests []byte) error {
		return decodeFile(tests, func(name []byte, e Estimate, _ []byte) error {
			known[file+string(name)] = e
			return nil
		})
	})
	return known, err
}

// eachFile calls f with every file's row. A file whose blob cannot be read
// is skipped: the tests in it are measured again.
func (s *Store) eachFile(ctx context.Context, f func(file string, tests []byte) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT file, tests FROM files`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var file string
		var tests []byte
		if err := rows.Scan(&file, &tests); err != nil {
			return err
		}
		if err := f(file, tests); err != nil && !errors.Is(err, errBadResults) {
			return err
		}
	}
	return rows.Err()
}

// testEstimate is a measured test's estimate from its kept results: the
// median over its warm results, or, for a test only ever run cold, over its
// cold results less the file's extra setup.
func testEstimate(rs []result, extra float64) Estimate {
	var warmBuf, coldBuf, cpuBuf [KeepRuns]float64 // no allocation for KeepRuns results
	warm, cold, cpu := warmBuf[:0], coldBuf[:0], cpuBuf[:0]
	for _, r := range rs {
		if r.cold {
			cold = append(cold, max(r.setup-extra, 0)+r.call+r.teardown)
		} else {
			warm = append(warm, r.setup+r.call+r.teardown)
		}
		if r.cpu > 0 {
			cpu = append(cpu, r.cpu)
		}
	}
	if len(warm) == 0 {
		warm = cold
	}
	return Estimate{Seconds: sortedMedian(warm), CPU: sortedMedian(cpu), Source: Measured}
}

// estimate is Estimates on what the store holds.
func estimate(known map[string]Estimate, nodeids []string) []Estimate {
	sib := newSiblings(known, nodeids)
	out := make([]Estimate, len(nodeids))
	for i, id := range nodeids {
		if e, ok := known[id]; ok {
			out[i] = e
		} else {
			out[i] = sib.estimate(id)
		}
	}
	return out
}

// siblings groups the measured tests that unmeasured ones may borrow from,
// by function, class and file (levels 0, 1, 2), and all together.
type siblings struct {
	levels [3]map[string]*group
	all    group
}

type group struct {
	seconds, cpu []float64
	done         bool
	result       Estimate
}

func (g *group) add(e Estimate) {
	g.seconds = append(g.seconds, e.Seconds)
	if e.CPU > 0 {
		g.cpu = append(g.cpu, e.CPU)
	}
}

func (g *group) estimate(src Source) Estimate {
	if !g.done {
		g.result = Estimate{Seconds: median(g.seconds), CPU: median(g.cpu), Source: src}
		g.done = true
	}
	return g.result
}

// newSiblings makes groups only for the keys some unmeasured node ID needs,
// then fills them in one pass over the measured tests.
func newSiblings(known map[string]Estimate, nodeids []string) *siblings {
	s := &siblings{}
	for l := range s.levels {
		s.levels[l] = map[string]*group{}
	}
	for _, id := range nodeids {
		if _, ok := known[id]; ok {
			continue
		}
		for l, key := range siblingKeys(id) {
			if key != "" && s.levels[l][key] == nil {
				s.levels[l][key] = &group{}
			}
		}
	}
	for id, e := range known {
		for l, key := range siblingKeys(id) {
			if g := s.levels[l][key]; g != nil {
				g.add(e)
			}
		}
		s.all.add(e)
	}
	return s
}

func (s *siblings) estimate(nodeid string) Estimate {
	for l, key := range siblingKeys(nodeid) {
		if g := s.levels[l][key]; g != nil && len(g.seconds) > 0 {
			return g.estimate(Param + Source(l))
		}
	}
	if len(s.all.seconds) == 0 {
		return Estimate{Seconds: DefaultSeconds, Source: Default}
	}
	return s.all.estimate(Default)
}

// siblingKeys names the groups a node ID belongs to: its function without
// parameters (path::Class::test_f), its class (path::Class; "" at module
// level) and its file (path). Parameters may contain "::", so they are cut
// off first. Each key is a prefix of the node ID, so nothing is allocated.
func siblingKeys(nodeid string) [3]string {
	i := strings.Index(nodeid, "::")
	if i < 0 {
		return [3]string{"", "", nodeid}
	}
	fn := nodeid
	if j := strings.IndexByte(nodeid[i:], '['); j >= 0 {
		fn = nodeid[:i+j]
	}
	var class string
	if k := strings.LastIndex(fn, "::"); k > i {
		class = fn[:k]
	}
	return [3]string{fn, class, nodeid[:i]}
}

// fileOf is the file part of a node ID.
func fileOf(nodeid string) string {
	file, _, _ := strings.Cut(nodeid, "::")
	return file
}

// FileSetup returns, for each file, the extra setup its first test pays on
// a worker (module and class fixtures): the median setup of cold results
// less the median setup of warm ones, over the kept results of the file's
// tests, floored at 0. It is 0 when either is unknown or the store cannot be
// read.
func (s *Store) FileSetup(files []string) []float64 {
	extra := map[string]float64{}
	rows, err := s.db.Query(`SELECT file, extra FROM files`)
	if err == nil {
		for rows.Next() {
			var f string
			var v float64
			if rows.Scan(&f, &v) == nil {
				extra[f] = v
			}
		}
		rows.Close()
	}
	out := make([]float64, len(files))
	for i, f := range files {
		out[i] = extra[f]
	}
	return out
}

// extraSetup is FileSetup's formula.
func extraSetup(cold, warm []float64) float64 {
	if len(cold) == 0 || len(warm) == 0 {
		return 0
	}
	return max(median(cold)-median(warm), 0)
}

// Startup returns the median time from shoal's start to the first test
// starting, over the last KeepRuns runs that measured it; ok is false when
// none did.
func (s *Store) Startup() (seconds float64, ok bool) {
	return s.recentRuns(`SELECT startup FROM runs WHERE startup > 0
		ORDER BY start DESC, id DESC LIMIT ?`)
}

// Overhead returns the median of what a test cost its worker besides its
// own setup, call and teardown, over the last KeepRuns runs that measured
// it; ok is false when none did.
func (s *Store) Overhead() (seconds float64, ok bool) {
	return s.recentRuns(`SELECT overhead FROM runs WHERE overhead > 0
		ORDER BY start DESC, id DESC LIMIT ?`)
}

// Finish returns the median time a run went on after its last test ended,
// over the last KeepRuns runs that measured it; ok is false when none did.
func (s *Store) Finish() (seconds float64, ok bool) {
	return s.recentRuns(`SELECT finish FROM runs WHERE finish > 0
		ORDER BY start DESC, id DESC LIMIT ?`)
}

// recentRuns is the median of the one column query selects from the runs,
// given KeepRuns for its limit.
func (s *Store) recentRuns(query string) (float64, bool) {
	rows, err := s.db.Query(query, KeepRuns)
	if err != nil {
		return 0, false
	}
	defer rows.Close()
	var all []float64
	for rows.Next() {
		var v float64
		if rows.Scan(&v) == nil {
			all = append(all, v)
		}
	}
	if rows.Err() != nil || len(all) == 0 {
		return 0, false
	}
	return median(all), true
}

// median of v, 0 when v is empty. It sorts a copy.
func median(v []float64) float64 {
	return sortedMedian(append([]float64(nil), v...))
}

// sortedMedian is median, sorting v itself.
func sortedMedian(s []float64) float64 {
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
