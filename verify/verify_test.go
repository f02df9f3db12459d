package verify

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

// suite is a simulated suite: tests with durations and planted problems,
// run as the real runner would run a batch. Its problems are as
// deterministic as the planted suite's in testdata/suites/verify.
type suite struct {
	dur      []float64
	every    map[int]int // flaky: fails every n-th attempt
	once     map[int]int // fails on its n-th attempt only
	polluter map[int]int // victim: the test that pollutes it
	needs    map[int]int // brittle: the test it needs
	partner  map[int]int // conflict, both ways: the later starter of an overlap fails
	broken   map[int]bool
	attempts map[int]int
	batches  []Batch
	seconds  float64 // the batches' estimated cost (see cost)
}

// cost estimates a batch's wall time on 2 cores as the real runner takes
// it: a session's start, a process per list, and the batch's own span.
func cost(b Batch, got []Ran) float64 {
	span := 0.0
	for _, g := range got {
		span = max(span, g.Stop)
	}
	return 0.9 + 0.25*float64(len(b.Lists)) + span
}

func (s *suite) Run(_ context.Context, b Batch) ([]Ran, error) {
	s.batches = append(s.batches, b)
	got := make([]Ran, len(s.dur))
	clock := 0.0
	pairs := 0 // the first of the two lists whose pairs meet
	apart := b.Lists
	if b.Apart && b.Meets != nil {
		pairs = len(b.Lists) - 2
		apart = b.Lists[:pairs]
	}
	for w, list := range apart {
		if !b.Apart {
			clock = 0
		}
		for _, i := range list {
			got[i] = Ran{Ran: true, List: w, Start: clock, Stop: clock + s.dur[i]}
			clock += s.dur[i]
		}
	}
	if b.Meets != nil {
		s.meet(b, got, pairs, clock)
	}
	for w, list := range b.Lists {
		for k, i := range list {
			got[i].Failed = s.fails(i, list[:k], got, w)
		}
	}
	s.seconds += cost(b, got)
	return got, nil
}

// meet times two lists whose pairs start together, first and the one
// after, from start: each list runs in order, and a test of a pair waits
// for its partner. In a batch that is not apart, the lists after them run
// beside them.
func (s *suite) meet(b Batch, got []Ran, first int, start float64) {
	partner := map[int]int{}
	for _, m := range b.Meets {
		partner[m[0]], partner[m[1]] = m[1], m[0]
	}
	lists := b.Lists[first : first+2]
	pos := []int{0, 0}
	clock := []float64{start, start}
	for pos[0] < len(lists[0]) || pos[1] < len(lists[1]) {
		moved := false
		for w := 0; w < 2; w++ {
			if pos[w] >= len(lists[w]) {
				continue
			}
			i := lists[w][pos[w]]
			p, paired := partner[i]
			if !paired {
				got[i] = Ran{Ran: true, List: first + w, Start: clock[w], Stop: clock[w] + s.dur[i]}
				clock[w] += s.dur[i]
				pos[w]++
				moved = true
				continue
			}
			o := 1 - w
			if pos[o] < len(lists[o]) && lists[o][pos[o]] == p {
				start := max(clock[0], clock[1])
				got[i] = Ran{Ran: true, List: first + w, Start: start, Stop: start + s.dur[i]}
				got[p] = Ran{Ran: true, List: first + o, Start: start, Stop: start + s.dur[p]}
				clock[w], clock[o] = start+s.dur[i], start+s.dur[p]
				pos[w]++
				pos[o]++
				moved = true
			}
		}
		if !moved {
			panic("meets out of order")
		}
	}
	for w := first + 2; w < len(b.Lists) && !b.Apart; w++ {
		c := 0.0
		for _, i := range b.Lists[w] {
			got[i] = Ran{Ran: true, List: w, Start: c, Stop: c + s.dur[i]}
			c += s.dur[i]
		}
	}
}

func (s *suite) fails(i int, before []int, got []Ran, w int) bool {
	if n, ok := s.every[i]; ok {
		s.attempts[i]++
		if s.attempts[i]%n == 0 {
			return true
		}
	}
	if n, ok := s.once[i]; ok {
		s.attempts[i]++
		if s.attempts[i] == n {
			return true
		}
	}
	if p, ok := s.polluter[i]; ok && slices.Contains(before, p) {
		return true
	}
	if p, ok := s.needs[i]; ok && !slices.Contains(before, p) {
		return true
	}
	if p, ok := s.partner[i]; ok {
		o, me := got[p], got[i]
		if o.Ran && o.List != w && o.Start < me.Stop && me.Start < o.Stop && o.Start <= me.Start {
			return true
		}
	}
	return s.broken[i]
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%d", i)
	}
	return out
}

// want is one test's expected verdict.
type want struct {
	class     Class
	polluters []string
	needs     []string
	partners  []string
}

func TestVerifyClassifiesSimulatedSuites(t *testing.T) {
	type testCase struct {
		name  string
		suite suite
		opt   Options
		want  map[string]want // tests not named must be stable
	}
	dur := func(n int, long ...int) []float64 {
		d := make([]float64, n)
		for i := range d {
			d[i] = 0.05
		}
		for _, i := range long {
			d[i] = 0.4
		}
		return d
	}
	cases := []testCase{
		{name: "all stable", suite: suite{dur: dur(8)}, want: nil},
		{name: "flaky every second attempt", suite: suite{dur: dur(8), every: map[int]int{3: 2}},
			want: map[string]want{"t3": {class: Flaky}}},
		{name: "polluter", suite: suite{dur: dur(12), polluter: map[int]int{7: 2}},
			want: map[string]want{"t7": {class: OrderDependent, polluters: []string{"t2"}}}},
		{name: "brittle", suite: suite{dur: dur(12), needs: map[int]int{5: 9}},
			want: map[string]want{"t5": {class: OrderDependent, needs: []string{"t9"}}}},
		{name: "conflicting pair", suite: suite{dur: dur(10, 1, 6), partner: map[int]int{1: 6, 6: 1}},
			want: map[string]want{"t1": {class: Conflict, partners: []string{"t6"}}, "t6": {class: Conflict, partners: []string{"t1"}}}},
		{name: "broken", suite: suite{dur: dur(6), broken: map[int]bool{4: true}},
			want: map[string]want{"t4": {class: Failing}}},
		{name: "everything at once", opt: Options{Seed: 3},
			suite: suite{dur: dur(16, 10, 11, 12, 13), every: map[int]int{0: 2}, polluter: map[int]int{4: 8, 5: 9},
				needs: map[int]int{6: 3}, partner: map[int]int{10: 11, 11: 10, 12: 13, 13: 12}},
			want: map[string]want{
				"t0": {class: Flaky}, "t4": {class: OrderDependent, polluters: []string{"t8"}},
				"t5": {class: OrderDependent, polluters: []string{"t9"}}, "t6": {class: OrderDependent, needs: []string{"t3"}},
				"t10": {class: Conflict, partners: []string{"t11"}}, "t11": {class: Conflict, partners: []string{"t10"}},
				"t12": {class: Conflict, partners: []string{"t13"}}, "t13": {class: Conflict, partners: []string{"t12"}},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.suite
			s.attempts = map[int]int{}
			rep, err := Verify(context.Background(), names(len(s.dur)), &s, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range rep.Tests {
				w, ok := tc.want[v.NodeID]
				if !ok {
					w = want{class: Stable}
				}
				got := want{class: v.Class, polluters: v.Polluters, needs: v.Needs, partners: v.ConflictsWith}
				if len(got.polluters) == 0 {
					got.polluters = nil
				}
				if len(got.partners) == 0 {
					got.partners = nil
				}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("%s: got %+v, want %+v; evidence %q", v.NodeID, got, w, v.Evidence)
				}
				if v.Class != Stable && !v.Explained {
					t.Errorf("%s: not explained: %q", v.NodeID, v.Evidence)
				}
			}
			if rep.Stable() != (len(tc.want) == 0) {
				t.Errorf("Stable() = %v with %d planted problems", rep.Stable(), len(tc.want))
			}
			checkBatches(t, s.batches, len(s.dur))
		})
	}
}

// checkBatches holds every batch to what the runner accepts: each test
// on one list at most, a meeting pair on two lists of one test each: the
// first two, or an apart batch's last two.
func checkBatches(t *testing.T, batches []Batch, n int) {
	t.Helper()
	for k, b := range batches {
		seen := map[int]bool{}
		for _, l := range b.Lists {
			for _, i := range l {
				if i < 0 || i >= n || seen[i] {
					t.Fatalf("batch %d lists test %d twice or out of range: %v", k, i, b.Lists)
				}
				seen[i] = true
			}
		}
		first := 0
		if b.Apart && len(b.Meets) > 0 {
			first = len(b.Lists) - 2
		}
		for p, m := range b.Meets {
			a, c := slices.Index(b.Lists[first], m[0]), slices.Index(b.Lists[first+1], m[1])
			if a < 0 || c < 0 {
				t.Fatalf("batch %d: pair %v not on lists %d and %d of %v", k, m, first, first+1, b.Lists)
			}
			if p > 0 {
				pa, pc := slices.Index(b.Lists[first], b.Meets[p-1][0]), slices.Index(b.Lists[first+1], b.Meets[p-1][1])
				if (a > pa) != (c > pc) {
					t.Fatalf("batch %d: pairs %v and %v in other orders on lists %v", k, b.Meets[p-1], m, b.Lists)
				}
			}
		}
	}
}

func TestBudgetStopsAndSaysWhatIsLeft(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	s := suite{dur: make([]float64, 6), polluter: map[int]int{4: 1}, attempts: map[int]int{}}
	for i := range s.dur {
		s.dur[i] = 0.05
	}
	rep, err := Verify(context.Background(), names(6), &s, Options{Budget: 3 * time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Summary.BudgetSpent || len(s.batches) >= 10 {
		t.Fatalf("budget of 3 s with a 1 s clock step: %d batches, spent %v", len(s.batches), rep.Summary.BudgetSpent)
	}
}

func TestClassify(t *testing.T) {
	type testCase struct {
		name      string
		e         evidence
		class     Class
		brittle   bool
		explained bool
	}
	failed := []occurrence{{run: 1}}
	cases := []testCase{
		{"never failed", evidence{}, Stable, false, true},
		{"never failed, but a partner's collision names it", evidence{partners: []int{2}}, Conflict, false, true},
		{"fails alone now and then", evidence{failing: failed, aloneRuns: 3, aloneFailures: 1}, Flaky, false, true},
		{"fails alone always, never passed", evidence{failing: failed, aloneRuns: 3, aloneFailures: 3}, Failing, false, true},
		{"fails alone always, passed among others, nobody found", evidence{failing: failed, passed: true, aloneRuns: 3, aloneFailures: 3}, OrderDependent, true, false},
		{"passes only after a test", evidence{failing: failed, passed: true, aloneRuns: 3, aloneFailures: 3, needs: []int{1}}, OrderDependent, true, true},
		{"a polluter found", evidence{failing: failed, aloneRuns: 3, polluters: []int{1}}, OrderDependent, false, true},
		{"a partner found", evidence{failing: failed, aloneRuns: 3, partners: []int{1}}, Conflict, false, true},
		{"passed alone, nothing reproduced", evidence{failing: failed, aloneRuns: 3}, Flaky, false, false},
		{"budget spent before any targeted run", evidence{failing: failed}, Flaky, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, b, x := classify(&tc.e)
			if c != tc.class || b != tc.brittle || x != tc.explained {
				t.Fatalf("got %s brittle=%v explained=%v, want %s brittle=%v explained=%v", c, b, x, tc.class, tc.brittle, tc.explained)
			}
		})
	}
}

func TestBisection(t *testing.T) {
	type testCase struct {
		name    string
		likely  []int
		seq     []int
		want    bool
		gives   func(before []int) bool // the test's outcome (failed) after before
		found   []int
		maxRuns int
		busy    []int // tests another probe of the batch uses
		sure    bool  // two shuffled runs or more point to seq
	}
	after := func(p int) func([]int) bool { return func(b []int) bool { return slices.Contains(b, p) } }
	both := func(b []int) bool { return slices.Contains(b, 1) && slices.Contains(b, 6) }
	cases := []testCase{
		{"polluter first", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, true, after(0), []int{0}, 4, nil, false},
		{"polluter last", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, true, after(7), []int{7}, 5, nil, false},
		{"polluter in the middle", nil, []int{9, 8, 7, 6, 5}, true, after(7), []int{7}, 5, nil, false},
		{"only a pass after it", nil, []int{3, 4, 5}, false, func(b []int) bool { return !slices.Contains(b, 4) }, []int{4}, 4, nil, false},
		{"two polluters together", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, true, both, []int{0, 1, 2, 3, 4, 5, 6, 7}, 5, nil, false},
		{"not again", nil, []int{0, 1, 2}, true, func([]int) bool { return false }, nil, 1, nil, false},
		{"the likely one is it: one run", []int{5}, []int{9, 8, 7, 6, 5}, true, after(5), []int{5}, 1, nil, false},
		{"two likely, the second is it", []int{8, 5}, []int{9, 8, 7, 6, 5}, true, after(5), []int{5}, 3, nil, false},
		{"the likely ones are not it: the whole sequence", []int{8, 5}, []int{9, 8, 7, 6, 5}, true, after(7), []int{7}, 6, nil, false},
		{"likely is the whole sequence", []int{1, 2}, []int{1, 2}, true, after(2), []int{2}, 3, nil, false},
		{"busy tests left out of the halves", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, true, after(6), []int{6}, 5, []int{0, 1, 2}, false},
		{"busy polluter: the whole sequence after the part without it", nil, []int{0, 1, 2, 3}, true, after(1), []int{1}, 5, []int{1}, false},
		{"busy tests only: as if none were", nil, []int{0, 1}, true, after(1), []int{1}, 3, []int{0, 1}, false},
		{"sure: not run whole first", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, true, after(0), []int{0}, 3, nil, true},
		{"sure, polluter last", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, true, after(7), []int{7}, 4, nil, true},
		{"sure, two polluters together: the whole last", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, true, both, []int{0, 1, 2, 3, 4, 5, 6, 7}, 5, nil, true},
		{"sure, not again", nil, []int{0, 1, 2}, true, func([]int) bool { return false }, nil, 4, nil, true},
		{"sure of one test: run once", nil, []int{4}, true, after(4), []int{4}, 1, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newBisection(tc.likely, tc.seq, tc.want, tc.sure)
			busy := func(i int) bool { return slices.Contains(tc.busy, i) }
			for {
				seq, ok := s.next(busy)
				if !ok {
					break
				}
				if s.whole && !s.full || !s.whole && len(seq) > 1 && len(seq) < len(s.cand) {
					// A part drawn from the free tests when there are any;
					// the whole, busy tests too, only once that gave nothing.
					free := slices.DeleteFunc(slices.Clone(s.cand), busy)
					if len(free) > 0 && slices.ContainsFunc(seq, busy) {
						t.Fatalf("ran %v with busy tests %v though %v were free", seq, tc.busy, free)
					}
				}
				s.take(tc.gives(seq))
				if s.runs > 20 {
					t.Fatal("bisection does not end")
				}
			}
			if !reflect.DeepEqual(s.seen, tc.found) || s.runs > tc.maxRuns {
				t.Fatalf("found %v in %d runs, want %v in at most %d", s.seen, s.runs, tc.found, tc.maxRuns)
			}
		})
	}
}

func TestRoundRobinMeetsEveryPairOnce(t *testing.T) {
	for n := 0; n <= 7; n++ {
		ids := make([]int, n)
		for i := range ids {
			ids[i] = 10 + i
		}
		met := map[[2]int]int{}
		rounds := n - 1
		if n%2 == 1 {
			rounds = n
		}
		for r := 0; r < rounds; r++ {
			seen := map[int]bool{}
			for _, p := range roundRobin(ids, r) {
				if seen[p[0]] || seen[p[1]] {
					t.Fatalf("%d ids, round %d: a test in two pairs: %v", n, r, roundRobin(ids, r))
				}
				seen[p[0]], seen[p[1]] = true, true
				met[pairKey(p[0], p[1])]++
			}
		}
		if len(met) != n*(n-1)/2 {
			t.Errorf("%d ids: %d pairs met in %d rounds, want %d", n, len(met), rounds, n*(n-1)/2)
		}
		for p, c := range met {
			if c != 1 {
				t.Errorf("%d ids: %v met %d times", n, p, c)
			}
		}
	}
}

func TestArrange(t *testing.T) {
	type testCase struct {
		name    string
		workers int
		dur     []float64
		long    []int // tests that must start their list
	}
	cases := []testCase{
		{"nothing measured", 3, make([]float64, 20), nil},
		{"two long tests among short ones", 2, []float64{.01, .01, .5, .01, .01, .01, .01, .5}, []int{2, 7}},
		{"one worker", 1, []float64{.01, .3, .01, .01}, []int{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b, c := Arrange(tc.workers, 7, tc.dur), Arrange(tc.workers, 7, tc.dur), Arrange(tc.workers, 8, tc.dur)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("same seed, other lists: %v, %v", a, b)
			}
			if tc.workers > 1 && reflect.DeepEqual(a, c) {
				t.Fatalf("seeds 7 and 8 gave the same lists %v", a)
			}
			var all []int
			lo, hi, longest := math.Inf(1), 0.0, 1e-3
			for _, l := range a {
				all = append(all, l...)
				load := 0.0
				for _, i := range l {
					load += max(tc.dur[i], 1e-3)
					longest = max(longest, tc.dur[i])
				}
				lo, hi = min(lo, load), max(hi, load)
				for k, i := range l {
					if slices.Contains(tc.long, i) && k > 0 && !slices.Contains(tc.long, l[k-1]) {
						t.Errorf("long test %d after a short one in %v", i, l)
					}
				}
			}
			if hi-lo > longest+1e-9 {
				t.Errorf("lists %v: work from %.3f to %.3f s", a, lo, hi)
			}
			slices.Sort(all)
			for i, x := range all {
				if x != i {
					t.Fatalf("lists %v do not hold every test once", a)
				}
			}
		})
	}
}

// TestPlantedSuiteOverSeeds simulates testdata/suites/verify (19 tests,
// the same problems and durations) and verifies it with the default
// settings and 200 seeds: every planted problem must be explained every
// time, and no stable test given a class.
func TestPlantedSuiteOverSeeds(t *testing.T) {
	want := map[string]Class{"t6": Flaky, "t7": OrderDependent, "t10": OrderDependent, "t14": OrderDependent,
		"t15": Conflict, "t16": Conflict, "t17": Conflict, "t18": Conflict}
	batches, seconds, worst := 0, 0.0, 0.0
	var plain float64
	for seed := int64(1); seed <= 200; seed++ {
		s := suite{dur: []float64{.05, .05, .05, .05, .001, .1, .001, .001, .001, .001, .001, .001, .001, .001, .001, .4, .4, .4, .4},
			every: map[int]int{6: 2}, polluter: map[int]int{7: 9, 10: 12}, needs: map[int]int{14: 13},
			partner: map[int]int{15: 16, 16: 15, 17: 18, 18: 17}, attempts: map[int]int{}}
		rep, err := Verify(context.Background(), names(19), &s, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range rep.Tests {
			c, ok := want[v.NodeID]
			if !ok {
				c = Stable
			}
			if v.Class != c || !v.Explained {
				t.Errorf("seed %d: %s is %s (explained %v), want %s; evidence %q", seed, v.NodeID, v.Class, v.Explained, c, v.Evidence)
			}
		}
		batches += len(s.batches)
		if plain == 0 {
			// A plain run: two lists, the tests dealt in turn.
			p := suite{dur: s.dur, attempts: map[int]int{}}
			all := Arrange(2, 0, s.dur)
			got, _ := p.Run(context.Background(), Batch{Lists: all})
			plain = cost(Batch{Lists: all}, got)
		}
		seconds += s.seconds
		worst = max(worst, s.seconds)
	}
	t.Logf("%.1f runs per verification on average; estimated cost %.1f plain runs on average, %.1f at most",
		float64(batches)/200, seconds/200/plain, worst/plain)
}

// TestFlakyAloneStopsEarly: a test that passed once and failed once alone
// is flaky; it does not run alone a third time.
func TestFlakyAloneStopsEarly(t *testing.T) {
	s := suite{dur: []float64{.01, .01, .01, .01}, every: map[int]int{2: 2}, attempts: map[int]int{}}
	rep, err := Verify(context.Background(), names(4), &s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	alone := 0
	for _, b := range s.batches {
		if b.Apart && slices.ContainsFunc(b.Lists, func(l []int) bool { return slices.Equal(l, []int{2}) }) {
			alone++
		}
	}
	if rep.Tests[2].Class != Flaky || alone != 2 {
		t.Errorf("t2 is %s after %d runs alone; want flaky after 2", rep.Tests[2].Class, alone)
	}
}

// TestRunsAlone: a test whose polluter is found runs alone twice; one that
// nothing makes fail again runs alone Options.Alone times before it is
// called flaky, unexplained.
func TestRunsAlone(t *testing.T) {
	s := suite{dur: []float64{.01, .01, .01, .01, .01, .01}, once: map[int]int{3: 7}, polluter: map[int]int{1: 4},
		attempts: map[int]int{}}
	rep, err := Verify(context.Background(), names(6), &s, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	alone := map[int]int{}
	for _, b := range s.batches {
		for _, l := range b.Lists {
			if b.Apart && len(l) == 1 && (len(b.Meets) == 0 || !slices.ContainsFunc(b.Meets, func(m [2]int) bool { return m[0] == l[0] || m[1] == l[0] })) {
				alone[l[0]]++
			}
		}
	}
	if v := rep.Tests[1]; v.Class != OrderDependent || alone[1] != 2 {
		t.Errorf("t1 is %s after %d runs alone; want order-dependent after 2", v.Class, alone[1])
	}
	if v := rep.Tests[3]; v.Class != Flaky || v.Explained || alone[3] != 3 {
		t.Errorf("t3 is %s (explained %v) after %d runs alone; want flaky, unexplained, after 3", v.Class, v.Explained, alone[3])
	}
}
