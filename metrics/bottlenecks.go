package metrics

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"shoal/report/record"
)

// bottlenecks finds what cost the run time, largest first. Each kind
// counts what it cost the wall time: worker time lost, spread over the
// workers, or how far it pushed the run's end past an even split.
func (r *run) bottlenecks(opt Options) []Bottleneck {
	var out []Bottleneck
	add := func(bs ...Bottleneck) {
		for _, b := range bs {
			if b.Seconds >= minSeconds {
				if b.Tests == nil {
					b.Tests = []string{}
				}
				out = append(out, b)
			}
		}
	}
	add(r.isolation(opt.Verdicts))
	add(r.longTests()...)
	add(r.fixtures()...)
	add(r.startupCost())
	add(r.locks()...)
	add(r.heavy())
	add(r.restarts()...)
	slices.SortStableFunc(out, func(a, b Bottleneck) int { return cmp.Compare(b.Seconds, a.Seconds) })
	if out == nil {
		out = []Bottleneck{}
	}
	return out
}

func (r *run) n() float64 { return float64(max(1, len(r.workers))) }

// isolation: while exclusive tests run, nothing else does. The run loses
// the time they held the whole machine less their own share of it.
func (r *run) isolation(verdicts map[string]string) Bottleneck {
	var alone []record.Test
	var own float64
	for _, t := range r.rec.Tests {
		if t.Exclusive {
			alone = append(alone, t)
			own += testTime(t)
		}
	}
	if len(alone) == 0 || len(r.workers) < 2 {
		return Bottleneck{}
	}
	held := union(alone)
	advice := fmt.Sprintf("%d test%s marked isolation ran for %.2f s with nothing beside them; ", len(alone), plural(len(alone)), held)
	gone := 0
	for _, t := range alone {
		if verdicts[t.NodeID] == unneeded {
			gone++
		}
	}
	if verdicts != nil {
		advice += fmt.Sprintf("shoal audit judged %d of them unneeded: `shoal audit --fix` removes those markers", gone)
	} else {
		advice += "`shoal audit` tells which markers the tests need, and which a key or a per-worker resource would replace"
	}
	return Bottleneck{Kind: KindIsolation, Seconds: held - own/r.n(), Advice: advice, Tests: longest(alone, maxNamedTests)}
}

// union is the time during which at least one of tests ran.
func union(tests []record.Test) float64 {
	spans := slices.Clone(tests)
	slices.SortFunc(spans, func(a, b record.Test) int { return cmp.Compare(a.Start, b.Start) })
	var total, from, to float64
	for i, t := range spans {
		if i == 0 || t.Start > to {
			total += to - from
			from, to = t.Start, t.Stop
			continue
		}
		to = max(to, t.Stop)
	}
	return total + to - from
}

// longTests: a test longer than a worker's even share of all the work
// ends the run after the others have finished, whatever the schedule.
func (r *run) longTests() []Bottleneck {
	if len(r.workers) < 2 {
		return nil
	}
	var out []Bottleneck
	for _, t := range r.rec.Tests {
		if d := testTime(t); d > r.share {
			out = append(out, Bottleneck{Kind: KindLongTest, Seconds: d - r.share, Tests: []string{t.NodeID},
				Advice: fmt.Sprintf("%s takes %.2f s, more than a worker's even share of the run's work (%.2f s), so the run cannot end sooner: split it (parametrize it, or move its slow set-up to a fixture of wider scope)", t.NodeID, d, r.share)})
		}
	}
	return out
}

// fixtures: a file whose first test on a worker sets up much longer than
// its other tests paid a module fixture on every worker that ran it.
func (r *run) fixtures() []Bottleneck {
	type visit struct{ first []record.Test }
	files := map[string]*visit{}
	usual := map[string][]float64{}
	var order []string
	for _, id := range r.workers {
		seen := map[string]bool{}
		for _, t := range r.byWorker[id] {
			f := file(t.NodeID)
			if files[f] == nil {
				files[f] = &visit{}
				order = append(order, f)
			}
			if seen[f] {
				usual[f] = append(usual[f], t.Phases.Setup)
				continue
			}
			seen[f] = true
			files[f].first = append(files[f].first, t)
		}
	}
	var out []Bottleneck
	for _, f := range order {
		first := files[f].first
		if len(first) < 2 {
			continue
		}
		var sum float64
		for _, t := range first {
			sum += t.Phases.Setup
		}
		mean := sum / float64(len(first))
		if mean < minFixture || mean < fixtureFactor*median(usual[f]) {
			continue
		}
		k := len(first)
		out = append(out, Bottleneck{Kind: KindFixture, Seconds: mean * float64(k-1), Tests: names(first),
			Advice: fmt.Sprintf("%s sets up for %.2f s on each of the %d workers that ran it, %d times more than once: make its module fixture cheaper, or session-scoped and shared, or keep the file on fewer workers", f, mean, k, k-1)})
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	return s[len(s)/2]
}

func names(tests []record.Test) []string {
	out := make([]string, 0, len(tests))
	for _, t := range tests {
		out = append(out, t.NodeID)
	}
	return out
}

func (r *run) startupCost() Bottleneck {
	advice := fmt.Sprintf("%.2f s passed before the first test: pytest's start, collection and the workers' start", r.startup)
	if r.rec.StartMode == "spawn" {
		advice += "; the workers were spawned, each importing again: a conftest.py that starts a thread keeps shoal from forking them"
	} else {
		advice += "; keep conftest.py's imports light, since every run pays them first"
	}
	return Bottleneck{Kind: KindStartup, Seconds: r.startup, Advice: advice}
}

// locks: tests holding one key run in turn, so their chain is a floor
// under the run's wall time when it is longer than a worker's even share.
func (r *run) locks() []Bottleneck {
	byKey := map[string][]record.Test{}
	var keys []string
	for _, t := range r.rec.Tests {
		for _, k := range t.Locks {
			if byKey[k] == nil {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], t)
		}
	}
	var out []Bottleneck
	for _, k := range keys {
		tests := byKey[k]
		var chain float64
		for _, t := range tests {
			chain += testTime(t)
		}
		limit := concurrency(tests)
		floor := chain / float64(limit)
		out = append(out, Bottleneck{Kind: KindLock, Seconds: floor - r.share, Tests: longest(tests, maxNamedTests),
			Advice: fmt.Sprintf("%d tests holding %q took turns, %d at a time: %.2f s in a row, more than a worker's even share (%.2f s); raise its limit in [tool.shoal.resources], narrow the key, or give each worker its own resource", len(tests), k, limit, floor, r.share)})
	}
	return out
}

// concurrency is the most of tests that ran at the same time.
func concurrency(tests []record.Test) int {
	type edge struct {
		at    float64
		delta int
	}
	var edges []edge
	for _, t := range tests {
		edges = append(edges, edge{t.Start, 1}, edge{t.Stop, -1})
	}
	// An end and a start at the same instant do not overlap.
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.delta, b.delta)) })
	best, now := 1, 0
	for _, e := range edges {
		now += e.delta
		best = max(best, now)
	}
	return best
}

// heavy: a test that takes N slots keeps N-1 other workers' share idle.
func (r *run) heavy() Bottleneck {
	var tests []record.Test
	var held float64
	for _, t := range r.rec.Tests {
		if t.Slots > 1 {
			tests = append(tests, t)
			held += testTime(t) * float64(t.Slots-1)
		}
	}
	if len(tests) == 0 {
		return Bottleneck{}
	}
	return Bottleneck{Kind: KindHeavy, Seconds: held / r.n(), Tests: longest(tests, maxNamedTests),
		Advice: fmt.Sprintf("%d heavy test%s kept %.2f s of other workers' slots free for them; lower slots= where a test uses less of the machine", len(tests), plural(len(tests)), held)}
}

// restarts: a worker replaced after a crash starts and collects again.
func (r *run) restarts() []Bottleneck {
	var out []Bottleneck
	for _, w := range r.rec.Workers {
		if w.Restarts == 0 {
			continue
		}
		var crashed []string
		for _, t := range r.byWorker[w.ID] {
			if t.Crashed {
				crashed = append(crashed, t.NodeID)
			}
		}
		out = append(out, Bottleneck{Kind: KindRestart, Seconds: float64(w.Restarts) * r.startup, Tests: crashed,
			Advice: fmt.Sprintf("%s was started again %d time%s after a crash, each start costing about the run's start-up: fix the crashing test%s", w.ID, w.Restarts, plural(w.Restarts), plural(len(crashed)))})
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
