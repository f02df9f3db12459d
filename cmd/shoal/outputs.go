package main

import (
	"shoal/metrics"
	"shoal/report/html"
	"shoal/report/record"
	"shoal/report/trace"
	"shoal/result"
)

// outputs are the files of other formats a run writes from its record,
// besides the record itself: the trace and the HTML page.
type outputs struct {
	followers []*record.Follower
}

// newOutputs follows a run for each file the flags ask for.
func newOutputs(f runFlags) *outputs {
	o := &outputs{}
	if f.trace != "" {
		o.add(func(rec *record.Record) error { return trace.WriteFile(f.trace, rec) })
	}
	if f.html != "" {
		o.add(func(rec *record.Record) error {
			return html.WriteFile(f.html, rec, metrics.Compute(rec, metrics.Options{}))
		})
	}
	return o
}

func (o *outputs) add(write func(*record.Record) error) {
	o.followers = append(o.followers, record.Follow(write))
}

// Event hands the run's events to every file's follower.
func (o *outputs) Event(e result.Event) {
	for _, f := range o.followers {
		f.Event(e)
	}
}

// Err is the first file that could not be written.
func (o *outputs) Err() error {
	for _, f := range o.followers {
		if err := f.Err(); err != nil {
			return err
		}
	}
	return nil
}
