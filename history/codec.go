package history

import (
	"encoding/binary"
	"errors"
	"math"
)

// result is one kept result of a test, as the tests table stores it.
type result struct {
	run                        int64 // runs.id
	start                      int64 // the run's start, Unix nanoseconds: results are ordered by it
	setup, call, teardown, cpu float64
	outcome, worker            string
	cold                       bool
}

// codecVersion starts every encoded list, so that the layout can change.
const codecVersion = 1

// outcomes are stored as their index here; any other outcome as otherOutcome
// followed by its text.
var outcomes = []string{"passed", "failed", "skipped", "error", "xfailed", "xpassed"}

const otherOutcome = 255

// encodeResults packs a test's results into the blob the tests table keeps:
// a version byte, then per result the run and start as varints, setup,
// call, teardown and CPU as varint microseconds, the outcome, the worker
// (length-prefixed) and cold. About 25 bytes a result keeps a 100,000-test
// suite's history in tens of megabytes; one row per test instead of one per
// result keeps recording it to a few statements per file.
func encodeResults(rs []result) []byte {
	b := make([]byte, 0, 1+len(rs)*32)
	b = append(b, codecVersion)
	for _, r := range rs {
		b = binary.AppendUvarint(b, uint64(r.run))
		b = binary.AppendVarint(b, r.start)
		for _, v := range []float64{r.setup, r.call, r.teardown, r.cpu} {
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

// decodeResults unpacks what encodeResults packed.
func decodeResults(b []byte) ([]result, error) {
	if len(b) == 0 || b[0] != codecVersion {
		return nil, errBadResults
	}
	d := decoder{b: b[1:]}
	var rs []result
	for len(d.b) > 0 && d.err == nil {
		r := result{run: int64(d.uvarint()), start: d.varint()}
		r.setup, r.call = fromMicros(d.uvarint()), fromMicros(d.uvarint())
		r.teardown, r.cpu = fromMicros(d.uvarint()), fromMicros(d.uvarint())
		r.outcome, r.worker = d.outcome(), d.string()
		r.cold = d.byte() == 1
		rs = append(rs, r)
	}
	if d.err != nil {
		return nil, d.err
	}
	return rs, nil
}

// decoder reads from b until the first error, then returns zeros.
type decoder struct {
	b   []byte
	err error
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

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errBadResults
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
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
