// Package trace writes a run as Chrome's trace-event JSON, which Perfetto
// and chrome://tracing open: a track per worker with a complete event per
// test and its setup, call and teardown nested in it, and a track for the
// run itself with start-up and collection and the barriers.
package trace

import (
	"bufio"
	"encoding/json"
	"io"

	"shoal/report/record"
)

// Event is one trace event, as the trace-event format names its fields.
// Times are microseconds from the run's start.
type Event struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	TS   float64        `json:"ts"`
	Dur  *float64       `json:"dur,omitempty"`
	PID  int            `json:"pid"`
	TID  int            `json:"tid"`
	Args map[string]any `json:"args,omitempty"`
}

// File is the trace's top level (the JSON object format).
type File struct {
	TraceEvents     []Event `json:"traceEvents"`
	DisplayTimeUnit string  `json:"displayTimeUnit"`
}

const (
	pid    = 1
	runTID = 0 // the run's own track; workers' tracks follow in order
)

// Build makes the trace of a run record.
func Build(rec *record.Record) *File {
	f := &File{TraceEvents: []Event{}, DisplayTimeUnit: "ms"}
	us := func(t float64) float64 { return max(0, (t-rec.Start)*1e6) }
	meta := func(name string, tid int, value string) {
		f.TraceEvents = append(f.TraceEvents, Event{Name: name, Ph: "M", PID: pid, TID: tid, Args: map[string]any{"name": value}})
	}
	span := func(name, cat string, tid int, from, to float64, args map[string]any) {
		d := max(0, us(to)-us(from))
		f.TraceEvents = append(f.TraceEvents, Event{Name: name, Cat: cat, Ph: "X", TS: us(from), Dur: &d, PID: pid, TID: tid, Args: args})
	}
	meta("process_name", runTID, "shoal run")
	meta("thread_name", runTID, "run")
	tids := map[string]int{}
	for i, w := range rec.Workers {
		tids[w.ID] = i + 1
		meta("thread_name", i+1, w.ID)
	}
	if collected := rec.CollectionEnd(); collected > rec.Start {
		span("start-up and collection", "run", runTID, rec.Start, collected, nil)
	}
	for _, b := range rec.Barriers {
		span("barrier: exclusive tests alone", "barrier", runTID, b.Start, b.Stop, nil)
	}
	for _, t := range rec.Tests {
		tid, ok := tids[t.Worker]
		if !ok {
			tid = len(tids) + 1
			tids[t.Worker] = tid
			meta("thread_name", tid, t.Worker)
		}
		args := map[string]any{"outcome": t.Outcome}
		if t.Message != "" {
			args["message"] = t.Message
		}
		span(t.NodeID, "test", tid, t.Start, t.Stop, args)
		// pytest measures each phase's duration, not its start: the phases
		// follow one another from the test's start, within its end.
		at := t.Start
		for _, p := range []struct {
			name string
			d    float64
		}{{"setup", t.Phases.Setup}, {"call", t.Phases.Call}, {"teardown", t.Phases.Teardown}} {
			end := min(t.Stop, at+p.d)
			span(p.name, "phase", tid, at, end, nil)
			at = end
		}
	}
	return f
}

// Write writes the trace of rec to w.
func Write(w io.Writer, rec *record.Record) error {
	return json.NewEncoder(w).Encode(Build(rec))
}

// WriteFile writes the trace of rec to path.
func WriteFile(path string, rec *record.Record) error {
	return record.CreateFile(path, "trace", func(w *bufio.Writer) error { return Write(w, rec) })
}
