package trace

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Validate checks a trace against the rules of the trace-event format that
// viewers rely on: the JSON object form with a traceEvents array; every
// event named, with a known phase, integer pid and tid, and a timestamp;
// complete events ("X") with a duration of at least zero; metadata ("M")
// naming a process or thread; and complete events on one thread nested,
// never partly overlapping. It is what shoal's tests hold its traces to.
func Validate(r io.Reader) error {
	var top struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return fmt.Errorf("not a trace's JSON object: %w", err)
	}
	if top.TraceEvents == nil {
		return fmt.Errorf("no traceEvents array")
	}
	spans := map[[2]int64][][2]float64{}
	for i, e := range top.TraceEvents {
		s, err := checkEvent(e)
		if err != nil {
			return fmt.Errorf("event %d %v: %w", i, e, err)
		}
		if s != nil {
			spans[s.thread] = append(spans[s.thread], [2]float64{s.from, s.to})
		}
	}
	for thread, list := range spans {
		if err := nested(list); err != nil {
			return fmt.Errorf("pid %d tid %d: %w", thread[0], thread[1], err)
		}
	}
	return nil
}

type checked struct {
	thread   [2]int64
	from, to float64
}

func checkEvent(e map[string]any) (*checked, error) {
	name, ok := e["name"].(string)
	if !ok || name == "" {
		return nil, fmt.Errorf("no name")
	}
	pid, err1 := integer(e["pid"])
	tid, err2 := integer(e["tid"])
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pid and tid must be integers")
	}
	switch e["ph"] {
	case "M":
		args, _ := e["args"].(map[string]any)
		if _, ok := args["name"].(string); !ok || (name != "process_name" && name != "thread_name") {
			return nil, fmt.Errorf("metadata must name a process or thread")
		}
		return nil, nil
	case "X":
		ts, err := number(e["ts"])
		if err != nil || ts < 0 {
			return nil, fmt.Errorf("ts: %v", e["ts"])
		}
		dur, err := number(e["dur"])
		if err != nil || dur < 0 {
			return nil, fmt.Errorf("dur: %v", e["dur"])
		}
		return &checked{thread: [2]int64{pid, tid}, from: ts, to: ts + dur}, nil
	case "B", "E", "i", "I", "C", "b", "e", "n", "s", "t", "f":
		if _, err := number(e["ts"]); err != nil {
			return nil, fmt.Errorf("ts: %v", e["ts"])
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown phase %v", e["ph"])
}

// nested tells whether spans on one thread nest: each one that starts
// within another ends within it too (to within a nanosecond's rounding).
func nested(spans [][2]float64) error {
	const slack = 1e-3 // microseconds
	sort.Slice(spans, func(i, j int) bool {
		if spans[i][0] != spans[j][0] {
			return spans[i][0] < spans[j][0]
		}
		return spans[i][1] > spans[j][1]
	})
	var open [][2]float64
	for _, s := range spans {
		for len(open) > 0 && s[0] >= open[len(open)-1][1]-slack {
			open = open[:len(open)-1]
		}
		if len(open) > 0 && s[1] > open[len(open)-1][1]+slack {
			return fmt.Errorf("span %v overlaps %v without nesting in it", s, open[len(open)-1])
		}
		open = append(open, s)
	}
	return nil
}

func number(v any) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	return n.Float64()
}

func integer(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	return n.Int64()
}
