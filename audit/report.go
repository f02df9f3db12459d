package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Summary counts the verdicts and says what the suggestions change.
type Summary struct {
	Tests    int `json:"tests"`
	Traced   int `json:"traced"`
	Marked   int `json:"marked"`
	Unneeded int `json:"unneeded"`
	Fixable  int `json:"fixable"`
	Required int `json:"required"`
	Safe     int `json:"safe"`
	Missing  int `json:"missing"`
	Unknown  int `json:"unknown"`
	// Conflicts counts pairs of tests that conflict.
	Conflicts int `json:"conflicts"`
	// Tried pairs were run together to confirm a conflict; Confirmed of
	// them made a test fail.
	Tried     int `json:"pairs_run_together"`
	Confirmed int `json:"pairs_confirmed"`
	// AloneBefore and AloneAfter count the tests that run alone as
	// written and with the suggestions; MarkedAfter, the tests with an
	// isolation marker (keyed or not) with the suggestions.
	AloneBefore int `json:"alone_as_written"`
	AloneAfter  int `json:"alone_after"`
	MarkedAfter int `json:"marked_after"`
	// Predicted wall times in seconds, as written and with the
	// suggestions, on Workers workers; 0 where no prediction was made.
	Workers         int     `json:"workers"`
	PredictedBefore float64 `json:"predicted_seconds_as_written"`
	PredictedAfter  float64 `json:"predicted_seconds_after"`
}

// Report is the audit's result, as --json writes it.
type Report struct {
	Tests   []Verdict `json:"tests"`
	Summary Summary   `json:"summary"`
}

// Summarize counts the verdicts.
func Summarize(tests []Test, verdicts []Verdict, conflicts []Conflict) Summary {
	s := Summary{Tests: len(tests)}
	pairs := map[[2]int]bool{}
	for _, c := range conflicts {
		pairs[[2]int{c.A, c.B}] = true
	}
	s.Conflicts = len(pairs)
	for i, v := range verdicts {
		t := tests[i]
		if t.Print != nil {
			s.Traced++
		}
		if t.Marked {
			s.Marked++
		}
		if t.Exclusive {
			s.AloneBefore++
		}
		if v.Alone {
			s.AloneAfter++
		}
		switch v.Verdict {
		case Unneeded:
			s.Unneeded++
		case Fixable:
			s.Fixable++
		case Required:
			s.Required++
		case Safe:
			s.Safe++
		case Missing:
			s.Missing++
		case Unknown:
			s.Unknown++
		}
		if v.Alone || v.Key != nil || (t.Marked && v.Verdict != Unneeded) {
			s.MarkedAfter++
		}
	}
	return s
}

// WriteJSON writes the report to path.
func (r Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write the audit report: %w", err)
	}
	return nil
}

// maxEvidence is how many lines of evidence the text report shows per test.
const maxEvidence = 4

// Text writes the report for a person: the counts, then every fixable,
// required and missing verdict with its evidence and suggestion; the
// unneeded ones by name.
func (r Report) Text(w io.Writer, marker string) {
	s := r.Summary
	fmt.Fprintf(w, "%d of %d tests (%s) marked %s; %d unneeded, %d fixable, %d required", s.Marked, s.Tests, percent(s.Marked, s.Tests), marker, s.Unneeded, s.Fixable, s.Required)
	if s.Missing > 0 {
		fmt.Fprintf(w, "; %d unmarked tests miss a marker", s.Missing)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "after the changes %d (%s) need %s: %d run alone (%d as written), %d hold keys\n", s.MarkedAfter, percent(s.MarkedAfter, s.Tests), marker, s.AloneAfter, s.AloneBefore, s.MarkedAfter-s.AloneAfter)
	if s.PredictedBefore > 0 {
		fmt.Fprintf(w, "predicted wall time on %d workers: %.2f s as written, %.2f s with the changes\n", s.Workers, s.PredictedBefore, s.PredictedAfter)
	}
	fmt.Fprintf(w, "%s of tests conflict", count(s.Conflicts, "pair"))
	if s.Tried > 0 {
		fmt.Fprintf(w, "; %s run at the same time to confirm, %d failed", count(s.Tried, "pair"), s.Confirmed)
	}
	fmt.Fprintln(w)
	if s.Unknown > 0 {
		fmt.Fprintf(w, "%d tests did not run and are not judged\n", s.Unknown)
	}
	for _, kind := range []Kind{Fixable, Required, Missing} {
		r.section(w, kind, marker)
	}
	r.leaks(w)
	var names []string
	for _, v := range r.Tests {
		if v.Verdict == Unneeded {
			names = append(names, v.NodeID)
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(w, "\nunneeded (%d): the marker can go\n", len(names))
		for _, n := range names {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
}

// leaks lists the unmarked tests that leave state behind: no marker
// helps them, but the tests after them on their worker see it.
func (r Report) leaks(w io.Writer) {
	var vs []Verdict
	for _, v := range r.Tests {
		if v.Leaks && !v.Marked {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nleave state behind in their worker (%d): no marker helps, the tests after them see it\n", len(vs))
	for _, v := range vs {
		fmt.Fprintf(w, "  %s\n", v.NodeID)
		for _, e := range v.Evidence {
			if strings.HasPrefix(e, "leaves ") {
				fmt.Fprintf(w, "      %s\n", e)
			}
		}
	}
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (r Report) section(w io.Writer, kind Kind, marker string) {
	var vs []Verdict
	for _, v := range r.Tests {
		if v.Verdict == kind {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s (%d)\n", kind, len(vs))
	for _, v := range vs {
		fmt.Fprintf(w, "  %s  %s\n", v.NodeID, change(v, marker))
		for k, e := range v.Evidence {
			if k == maxEvidence {
				fmt.Fprintf(w, "      … %d more (--json lists them)\n", len(v.Evidence)-k)
				break
			}
			fmt.Fprintf(w, "      %s\n", e)
		}
		if v.Suggestion != "" {
			fmt.Fprintf(w, "      → %s\n", v.Suggestion)
		}
	}
}

// change says what becomes of the test's marker.
func change(v Verdict, marker string) string {
	was := v.Marker
	if was == "" {
		was = "no marker"
	}
	switch {
	case v.Verdict == Unneeded:
		return was + " → none"
	case v.Key != nil:
		return was + " → " + markerCall(marker, verdictKeys(v))
	}
	return "[" + was + "]"
}

func percent(n, of int) string {
	if of == 0 {
		return "0%"
	}
	p := fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
	return strings.TrimSpace(p)
}
