package footprint

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// raw is one line of the plugin's trace: a Test, with the SQL statements
// it sent instead of the tables they name.
type raw struct {
	Test
	SQL []struct {
		Database   string   `json:"database"`
		Statements []string `json:"statements"`
		At         string   `json:"at"`
	} `json:"sql"`
}

// ReadTrace reads the trace files (*.jsonl) the plugin wrote into dir, one
// per worker process, in collection-independent order (by node id). A test
// traced twice (its worker crashed and it ran again) keeps its last trace.
func ReadTrace(dir string) ([]*Test, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	byID := map[string]*Test{}
	for _, name := range names {
		if err := readTraceFile(name, byID); err != nil {
			return nil, err
		}
	}
	out := make([]*Test, 0, len(byID))
	for _, t := range byID {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NodeID < out[j].NodeID })
	return out, nil
}

func readTraceFile(name string, byID map[string]*Test) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("cannot read trace: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var r raw
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			// A worker killed while writing leaves a cut last line.
			continue
		}
		t := r.Test
		for _, s := range r.SQL {
			t.Tables = append(t.Tables, Tables(s.Database, s.Statements, s.At)...)
		}
		if prev, ok := byID[t.NodeID]; !ok || prev.Start <= t.Start {
			byID[t.NodeID] = &t
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("cannot read trace %s line %d: %w", name, line, err)
	}
	return nil
}
