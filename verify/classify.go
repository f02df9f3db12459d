package verify

// Class is what verification found a test to be.
type Class string

// The classes. Failing is beyond the four a suite should have: a test that
// failed every time it ran, alone too, is simply broken.
const (
	Stable         Class = "stable"
	Flaky          Class = "flaky"           // fails alone, whatever the order
	OrderDependent Class = "order-dependent" // fails after a polluter, or only passes after a test it needs
	Conflict       Class = "conflict"        // fails when a partner runs at the same time
	Failing        Class = "failing"
)

// evidence is everything verification learnt of one test.
type evidence struct {
	runs, failures int // every run of it, shuffled or targeted
	failing        []occurrence
	passing        *occurrence // the passing shuffled run with the fewest tests before it (at least one)
	passed         bool        // it passed in some shuffled run

	stage                    stage
	aloneRuns, aloneFailures int
	search                   *bisection
	from                     *occurrence // the failing run whose sequence was bisected
	later                    *occurrence // one to bisect if no partner collides with it
	suspects                 []suspect
	tries                    map[int]int // times run beside each suspect

	polluters []int // run before it in its process, they make it fail
	needs     []int // it fails alone, and passes after these
	partners  []int // run at the same time, they collide with it
	notes     []string
}

// mixed: it both passed and failed alone, so it is flaky on its own.
func (e *evidence) mixed() bool {
	return e.aloneFailures > 0 && e.aloneFailures < e.aloneRuns
}

// explained: a cause was found, or it is flaky on its own.
func (e *evidence) explained() bool {
	return len(e.partners) > 0 || len(e.polluters) > 0 || len(e.needs) > 0 || e.mixed()
}

// classify says what a test is from what was learnt of it, and whether
// that is explained (the cause seen again on purpose) or only the best
// guess when the budget ran out or nothing made it fail again.
func classify(e *evidence) (c Class, brittle, explained bool) {
	switch {
	case e.mixed():
		// Whatever else was seen, it fails alone now and then.
		return Flaky, false, true
	case len(e.partners) > 0:
		return Conflict, false, true
	case len(e.polluters) > 0:
		return OrderDependent, false, true
	case len(e.needs) > 0:
		return OrderDependent, true, true
	case len(e.failing) == 0:
		return Stable, false, true
	case e.aloneRuns > 0 && e.aloneFailures == e.aloneRuns && !e.passed:
		return Failing, false, true
	case e.aloneRuns > 0 && e.aloneFailures == e.aloneRuns:
		// Fails on its own every time, yet passed among others: it needs
		// something they do, though no single test was found.
		return OrderDependent, true, false
	default:
		// It failed, but never again on purpose: alone, after its
		// sequence, or beside its partners.
		return Flaky, false, false
	}
}
