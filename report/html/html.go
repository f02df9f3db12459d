// Package html writes a run as one self-contained page: where the time
// went (the metrics and bottlenecks), then a timeline with a lane per
// worker and a bar per test, coloured by outcome, with the barriers and
// the spans each lock key was held. The page needs no network: its script
// and style are inlined, and the tests travel as compact JSON that the
// script draws on canvases, so a run of 100,000 tests stays a few MB and
// opens fast.
package html

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"shoal/metrics"
	"shoal/report/record"
)

//go:embed page.html
var pageText string

//go:embed timeline.js
var script string

//go:embed style.css
var style string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"seconds": func(s float64) string { return fmt.Sprintf("%.2f s", s) },
	"percent": func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
}).Parse(pageText))

// Limits on what a page carries of each test's output, so that a run with
// much output still makes a page a browser opens; the run record has it all.
const (
	maxDetail      = 16 << 10 // per test
	maxDetailTotal = 8 << 20  // per page
)

// view is what the template fills in.
type view struct {
	Title   string
	Summary metrics.Summary
	Style   template.CSS
	Script  template.JS
	Data    template.JS
}

// Write writes the page of rec, with its summary s, to w.
func Write(w io.Writer, rec *record.Record, s metrics.Summary) error {
	data, err := json.Marshal(build(rec))
	if err != nil {
		return err
	}
	v := view{
		Title: fmt.Sprintf("shoal run: %d tests on %d workers, %.2f s", len(rec.Tests), len(s.Workers), s.Wall), Summary: s,
		Style: template.CSS(style), Script: template.JS(script), Data: template.JS(data),
	}
	return page.Execute(w, v)
}

// WriteFile writes the page of rec to path.
func WriteFile(path string, rec *record.Record, s metrics.Summary) error {
	return record.CreateFile(path, "the HTML report", func(w *bufio.Writer) error { return Write(w, rec, s) })
}

// data is the timeline's JSON. Times are milliseconds from the run's start.
// A test is [file, name, worker, start, duration, setup, call, teardown,
// outcome, detail]: indexes into Files, Workers, Outcomes and Details (-1
// for none), its node id being Files[file] + "::" + name.
type data struct {
	Wall      float64                 `json:"wall"`
	Collected float64                 `json:"collected"`
	Workers   []string                `json:"workers"`
	Files     []string                `json:"files"`
	Outcomes  []string                `json:"outcomes"`
	Tests     [][]any                 `json:"tests"`
	Details   []detail                `json:"details"`
	Barriers  [][2]float64            `json:"barriers"`
	Locks     map[string][][2]float64 `json:"locks"`
}

// detail is a test's failure and output.
type detail struct {
	Message  string      `json:"message,omitempty"`
	Longrepr string      `json:"longrepr,omitempty"`
	Sections [][2]string `json:"sections,omitempty"`
	Locks    []string    `json:"locks,omitempty"`
	Cut      bool        `json:"cut,omitempty"` // output left out: the record has it
}

func build(rec *record.Record) data {
	ms := func(t float64) float64 { return math.Round(max(0, t-rec.Start)*1e5) / 100 }
	dur := func(d float64) float64 { return math.Round(max(0, d)*1e5) / 100 }
	d := data{Wall: ms(rec.Stop), Workers: []string{}, Files: []string{}, Outcomes: []string{}, Tests: [][]any{},
		Details: []detail{}, Barriers: [][2]float64{}, Locks: map[string][][2]float64{}}
	if end := rec.CollectionEnd(); end > 0 {
		d.Collected = ms(end)
	}
	index := func(list *[]string, seen map[string]int, s string) int {
		i, ok := seen[s]
		if !ok {
			i = len(*list)
			seen[s] = i
			*list = append(*list, s)
		}
		return i
	}
	workers, files, outcomes := map[string]int{}, map[string]int{}, map[string]int{}
	for _, w := range rec.Workers {
		index(&d.Workers, workers, w.ID)
	}
	budget := maxDetailTotal
	for _, t := range rec.Tests {
		file, name, _ := strings.Cut(t.NodeID, "::")
		det := -1
		if x, ok := detailOf(t, &budget); ok {
			det = len(d.Details)
			d.Details = append(d.Details, x)
		}
		d.Tests = append(d.Tests, []any{index(&d.Files, files, file), name, index(&d.Workers, workers, t.Worker),
			ms(t.Start), dur(t.Stop - t.Start), dur(t.Phases.Setup), dur(t.Phases.Call), dur(t.Phases.Teardown),
			index(&d.Outcomes, outcomes, t.Outcome), det})
		for _, k := range t.Locks {
			d.Locks[k] = append(d.Locks[k], [2]float64{ms(t.Start), ms(t.Stop)})
		}
	}
	for _, b := range rec.Barriers {
		d.Barriers = append(d.Barriers, [2]float64{ms(b.Start), ms(b.Stop)})
	}
	return d
}

// detailOf is what the page shows of a test beyond its bar, within the
// page's budget; false when there is nothing.
func detailOf(t record.Test, budget *int) (detail, bool) {
	x := detail{Message: t.Message, Longrepr: clip(t.Longrepr, maxDetail), Locks: t.Locks}
	left := maxDetail - len(x.Longrepr)
	for _, s := range t.Sections {
		if left <= 0 || *budget <= 0 {
			x.Cut = true
			break
		}
		text := clip(s[1], min(left, *budget))
		x.Cut = x.Cut || len(text) < len(s[1])
		x.Sections = append(x.Sections, [2]string{s[0], text})
		left -= len(text)
		*budget -= len(text)
	}
	*budget -= len(x.Longrepr)
	return x, x.Message != "" || x.Longrepr != "" || len(x.Sections) > 0 || len(x.Locks) > 0
}

// clip cuts s to at most n bytes, on a character's boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:max(0, n)]
}
