package history

import (
	"encoding/binary"
	"errors"
	"math"
)

// result is one kept result of a test, as its file's row stores it.
type result struct {
	run                        int64 // runs.id
	start                      int64 // the run's start, Unix nanoseconds: results are ordered by it
	setup, call, teardown, cpu float64
	outcome, worker            string
	cold                       bool
}

// outcomes are stored as their index here; any other outcome as otherOutcome
// followed by its text.
var outcomes = []string{"passed", "failed", "skipped", "error", "xfailed", "xpassed"}

const otherOutcome = 255

// appendResults packs a test's results: per result the run and start as
// varints, setup, call, teardown and CPU as varint microseconds, the
// outcome, the worker (length-prefixed) and cold. About 25 bytes a result
// keeps a 100,000-test suite's history in tens of megabytes.
func appendResults(b []byte, rs []result) []byte {
	for _, r := range rs {
		b = binary.AppendUvarint(b, uint64(r.run))
		b = binary.AppendVarint(b, r.start)
		for _, v := range [...]float64{r.setup, r.call, r.teardown, r.cpu} {
			b = binary.AppendUvarint(b, micros(v))
		}
		b = appendOutcome(b, r.outcome)
		b = appendString(b, r.worker)
		b = append(b, byte(boolInt(r.cold)))
	}
	return b
}

// micros rounds seconds to whole microseconds, far finer than test timings
// vary; seconds(micros(x)) prints as the x it came from for any x already
// so rounded, so export and import give back the same numbers.
func micros(v float64) uint64 {
	return uint64(math.Round(seconds(v) * 1e6))
}

func fromMicros(us uint64) float64 { return float64(us) / 1e6 }

func appendOutcome(b []byte, outcome string) []byte {
	for i, o := range outcomes {
		if o == outcome {
			return append(b, byte(i))
		}
	}
	return appendString(append(b, otherOutcome), outcome)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errBadResults = errors.New("unreadable stored results")

// decodeResults unpacks what appendResults packed, appending to rs. Worker
// names come from intern, so that the same name is one string.
func decodeResults(b []byte, rs []result, intern map[string]string) ([]result, error) {
	d := decoder{b: b, intern: intern}
	for len(d.b) > 0 && d.err == nil {
		r := result{run: int64(d.uvarint()), start: d.varint()}
		r.setup, r.call = fromMicros(d.uvarint()), fromMicros(d.uvarint())
		r.teardown, r.cpu = fromMicros(d.uvarint()), fromMicros(d.uvarint())
		r.outcome, r.worker = d.outcome(), d.string()
		r.cold = d.byte() == 1
		rs = append(rs, r)
	}
	return rs, d.err
}

// fileTest is one test as its file's row keeps it.
type fileTest struct {
	name     string   // the node ID after its file's path, such as "::test_x[1]"
	estimate Estimate // from results (Source is always Measured)
	results  []result // the KeepRuns newest, newest first
}

// fileVersion starts every file's blob, so that the layout can change.
const fileVersion = 2

// encodeFile packs a file's tests into the blob its row keeps: a version
// byte, then per test its name, its estimate's seconds and CPU (8 bytes
// each, exactly) and its results behind their length in bytes, so that a
// reader after estimates alone skips them. One row per file keeps recording
// a run to two statements per file.
func encodeFile(tests []fileTest) []byte {
	b := make([]byte, 0, 1+len(tests)*(40+KeepRuns*28))
	b = append(b, fileVersion)
	var scratch []byte
	for _, t := range tests {
		b = appendString(b, t.name)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.estimate.Seconds))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.estimate.CPU))
		scratch = appendResults(scratch[:0], t.results)
		b = binary.AppendUvarint(b, uint64(len(scratch)))
		b = append(b, scratch...)
	}
	return b
}

// decodeFile calls each for every test in a file's blob, in order, with
// its name, its estimate and its still encoded results (see
// decodeResults). name and results point into b.
func decodeFile(b []byte, each func(name []byte, e Estimate, results []byte) error) error {
	if len(b) == 0 || b[0] != fileVersion {
		return errBadResults
	}
	d := decoder{b: b[1:]}
	for len(d.b) > 0 {
		name := d.bytes()
		e := Estimate{Seconds: d.float(), CPU: d.float(), Source: Measured}
		results := d.bytes()
		if d.err != nil {
			return d.err
		}
		if err := each(name, e, results); err != nil {
			return err
		}
	}
	return nil
}

// decoder reads from b until the first error, then returns zeros.
type decoder struct {
	b      []byte
	err    error
	intern map[string]string // strings read so far; nil: none kept
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadResults
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errBadResults
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errBadResults
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// bytes reads a length-prefixed run of bytes, pointing into the input.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errBadResults
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) string() string {
	b := d.bytes()
	if d.intern == nil {
		return string(b)
	}
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	d.intern[s] = s
	return s
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.err = errBadResults
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) outcome() string {
	c := d.byte()
	if int(c) < len(outcomes) {
		return outcomes[c]
	}
	if c == otherOutcome {
		return d.string()
	}
	d.err = errBadResults
	return ""
}
