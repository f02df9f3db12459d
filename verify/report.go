package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Verdict is one test's class and how it was established.
type Verdict struct {
	NodeID string `json:"nodeid"`
	Class  Class  `json:"class"`
	// Brittle: order-dependent the other way round, it passes only after
	// the tests in Needs.
	Brittle       bool     `json:"brittle,omitempty"`
	Polluters     []string `json:"polluters"`
	Needs         []string `json:"needs,omitempty"`
	ConflictsWith []string `json:"conflicts_with"`
	Runs          int      `json:"runs"`
	Failures      int      `json:"failures"`
	Evidence      []string `json:"evidence"`
	// Explained: the cause was seen again on purpose; otherwise the class
	// is the best guess left when the budget ran out or nothing made the
	// test fail again.
	Explained bool `json:"explained"`
	// Sequence is the shortest run that shows the problem: the polluters
	// or needed tests then the test, or the test and its partner.
	Sequence []string `json:"sequence,omitempty"`
	// Reproduce is one command that shows it (set by the caller, who
	// knows the interpreter and the command line).
	Reproduce string `json:"reproduce,omitempty"`
}

// Summary counts the classes.
type Summary struct {
	Tests          int      `json:"tests"`
	Stable         int      `json:"stable"`
	Flaky          int      `json:"flaky"`
	OrderDependent int      `json:"order_dependent"`
	Conflict       int      `json:"conflict"`
	Failing        int      `json:"failing"`
	Unexplained    []string `json:"unexplained"`
	Runs           int      `json:"runs"` // batches run, shuffled and targeted
	Seconds        float64  `json:"seconds"`
	Seed           int64    `json:"seed"`
	BudgetSpent    bool     `json:"budget_spent"`
}

// Report is a whole verification.
type Report struct {
	Tests   []Verdict `json:"tests"`
	Summary Summary   `json:"summary"`
}

// Stable tells whether every test is.
func (r *Report) Stable() bool { return r.Summary.Stable == r.Summary.Tests }

func (v *verifier) report() *Report {
	rep := &Report{Summary: Summary{Tests: len(v.names), Runs: v.runs, Seed: v.opt.Seed, BudgetSpent: v.over,
		Seconds: v.opt.Now().Sub(v.start).Seconds(), Unexplained: []string{}}}
	for i, e := range v.tests {
		c, brittle, explained := classify(e)
		vd := Verdict{NodeID: v.names[i], Class: c, Brittle: brittle, Explained: explained,
			Polluters: v.namesOf(e.polluters), ConflictsWith: v.namesOf(e.partners),
			Runs: e.runs, Failures: e.failures, Evidence: v.evidence(e)}
		if len(e.needs) > 0 {
			vd.Needs = v.namesOf(e.needs)
		}
		switch {
		case c == Conflict:
			vd.Sequence = []string{v.names[i], v.names[e.partners[0]]}
		case len(e.polluters) > 0:
			vd.Sequence = append(v.namesOf(e.polluters), v.names[i])
		case len(e.needs) > 0:
			vd.Sequence = append(v.namesOf(e.needs), v.names[i])
		case c != Stable:
			vd.Sequence = []string{v.names[i]}
		}
		rep.Tests = append(rep.Tests, vd)
		rep.Summary.count(c)
		if !explained {
			rep.Summary.Unexplained = append(rep.Summary.Unexplained, v.names[i])
		}
	}
	return rep
}

func (s *Summary) count(c Class) {
	switch c {
	case Stable:
		s.Stable++
	case Flaky:
		s.Flaky++
	case OrderDependent:
		s.OrderDependent++
	case Conflict:
		s.Conflict++
	case Failing:
		s.Failing++
	}
}

func (v *verifier) namesOf(idx []int) []string {
	out := make([]string, 0, len(idx))
	seen := map[int]bool{}
	for _, i := range idx {
		if !seen[i] {
			seen[i] = true
			out = append(out, v.names[i])
		}
	}
	return out
}

// evidence is what the report says of a test: its shuffled runs, its
// runs alone, then what the targeted runs found.
func (v *verifier) evidence(e *evidence) []string {
	var out []string
	if len(e.failing) > 0 {
		var runs []string
		for _, o := range e.failing {
			how := ""
			if o.reversed {
				how = " reversed"
			}
			runs = append(runs, fmt.Sprintf("%d (seed %d%s)", o.run, o.seed, how))
		}
		out = append(out, fmt.Sprintf("failed in shuffled run%s %s", plural(len(runs)), strings.Join(runs, ", ")))
	}
	if e.aloneRuns > 0 {
		out = append(out, fmt.Sprintf("alone in a fresh worker: failed %d of %d", e.aloneFailures, e.aloneRuns))
	}
	out = append(out, e.notes...)
	if len(e.failing) > 0 && e.suspects != nil && len(e.partners) == 0 {
		tried := 0
		for _, n := range e.tries {
			tried += n
		}
		out = append(out, fmt.Sprintf("run at the same time as %d of the %d tests that overlapped it: no collision in %d runs", len(e.tries), len(e.suspects), tried))
	}
	return out
}

// Text writes the report for a person: every test that is not stable,
// with its evidence and how to reproduce it, then the counts.
func (r *Report) Text(w io.Writer) {
	for _, t := range r.Tests {
		if t.Class == Stable {
			continue
		}
		head := string(t.Class)
		switch {
		case t.Brittle:
			head += " (brittle)"
		case !t.Explained:
			head += " (unexplained)"
		}
		fmt.Fprintf(w, "%s: %s, failed %d of %d runs\n", t.NodeID, head, t.Failures, t.Runs)
		if len(t.Polluters) > 0 {
			fmt.Fprintf(w, "    polluted by: %s\n", strings.Join(t.Polluters, ", "))
		}
		if len(t.Needs) > 0 {
			fmt.Fprintf(w, "    passes only after: %s\n", strings.Join(t.Needs, ", "))
		}
		if len(t.ConflictsWith) > 0 {
			fmt.Fprintf(w, "    conflicts with: %s\n", strings.Join(t.ConflictsWith, ", "))
		}
		for _, e := range t.Evidence {
			fmt.Fprintf(w, "    - %s\n", e)
		}
		if t.Reproduce != "" {
			fmt.Fprintf(w, "    reproduce: %s\n", t.Reproduce)
		}
	}
	s := r.Summary
	fmt.Fprintf(w, "shoal verify: %d tests: %d stable, %d flaky, %d order-dependent, %d conflict", s.Tests, s.Stable, s.Flaky, s.OrderDependent, s.Conflict)
	if s.Failing > 0 {
		fmt.Fprintf(w, ", %d failing", s.Failing)
	}
	fmt.Fprintf(w, " (%d runs in %.1f s, seed %d)\n", s.Runs, s.Seconds, s.Seed)
	if len(s.Unexplained) > 0 {
		why := "nothing made them fail again"
		if s.BudgetSpent {
			why = "the budget was spent first"
		}
		fmt.Fprintf(w, "shoal verify: %d not explained (%s): %s\n", len(s.Unexplained), why, strings.Join(s.Unexplained, ", "))
	}
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
