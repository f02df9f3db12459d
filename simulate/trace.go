package simulate

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Trace is a measured run: every test's node id and duration, in the order
// they ran (pytest's collection order for a serial run).
type Trace struct {
	NodeIDs []string
	Seconds []float64
}

// Files groups the trace's tests by file: per test its file index, and the
// files in order of appearance.
func (t Trace) Files() (group []int, files []string) {
	index := map[string]int{}
	for _, id := range t.NodeIDs {
		file, _, _ := strings.Cut(id, "::")
		g, ok := index[file]
		if !ok {
			g = len(files)
			index[file] = g
			files = append(files, file)
		}
		group = append(group, g)
	}
	return group, files
}

// ReadTrace reads JSON lines with "nodeid" and "seconds".
func ReadTrace(r io.Reader) (Trace, error) {
	var t Trace
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var rec struct {
			NodeID  string   `json:"nodeid"`
			Seconds *float64 `json:"seconds"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return t, fmt.Errorf("line %d: %w", n, err)
		}
		if rec.NodeID == "" || rec.Seconds == nil || *rec.Seconds < 0 {
			return t, fmt.Errorf("line %d: want a \"nodeid\" and non-negative \"seconds\"", n)
		}
		t.NodeIDs = append(t.NodeIDs, rec.NodeID)
		t.Seconds = append(t.Seconds, *rec.Seconds)
	}
	if err := sc.Err(); err != nil {
		return t, err
	}
	if len(t.NodeIDs) == 0 {
		return t, fmt.Errorf("no tests in the trace")
	}
	return t, nil
}

// ReadTraceFile reads a trace file, gzip-compressed when its name ends in .gz.
func ReadTraceFile(path string) (Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return Trace{}, fmt.Errorf("cannot read trace: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return Trace{}, fmt.Errorf("cannot read trace %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	t, err := ReadTrace(r)
	if err != nil {
		return t, fmt.Errorf("trace %s: %w", path, err)
	}
	return t, nil
}
