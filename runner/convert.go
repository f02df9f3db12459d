package runner

import (
	"shoal/protocol"
	"shoal/result"
)

// The plugin's messages become the run's own types here, as they arrive:
// what reporters read never depends on how the wire spells it.

func reportsOf(in []protocol.Report) []result.Report {
	if in == nil {
		return nil
	}
	out := make([]result.Report, len(in))
	for i, r := range in {
		out[i] = result.Report{
			When: r.When, Outcome: r.Outcome, Duration: r.Duration,
			Category: r.Category, Letter: r.Letter, Word: r.Word,
			LongRepr: r.LongRepr, Term: r.Term,
			Crash: r.Crash, CrashPath: r.CrashPath, CrashLineno: r.CrashLineno,
			Skip: skipOf(r.Skip), WasXFail: r.WasXFail, Sections: sectionsOf(r.Sections),
			Props: r.Props, SkipRaw: skipOf(r.SkipRaw), PropText: r.PropText, Head: r.Head,
		}
	}
	return out
}

func sectionsOf(in []protocol.Section) []result.Section {
	if in == nil {
		return nil
	}
	out := make([]result.Section, len(in))
	for i, s := range in {
		out[i] = result.Section(s)
	}
	return out
}

func skipOf(s *protocol.SkipInfo) *result.SkipInfo {
	if s == nil {
		return nil
	}
	return &result.SkipInfo{Path: s.Path, Lineno: s.Lineno, Reason: s.Reason}
}

func collectReportsOf(in []protocol.CollectReport) []result.CollectReport {
	if in == nil {
		return nil
	}
	out := make([]result.CollectReport, len(in))
	for i, c := range in {
		out[i] = result.CollectReport{
			NodeID: c.NodeID, Outcome: c.Outcome, LongRepr: c.LongRepr,
			Term: c.Term, Crash: c.Crash, Skip: skipOf(c.Skip),
		}
	}
	return out
}

func marksOf(m *protocol.Marks) *result.Marks {
	if m == nil {
		return nil
	}
	return &result.Marks{Exclusive: m.Exclusive, Locks: m.Locks, Slots: m.Slots, First: m.First}
}

// optionsOf relies on the two types having the same fields: a field added
// to one only stops the build here.
func optionsOf(o protocol.Options) result.Options {
	return result.Options(o)
}
