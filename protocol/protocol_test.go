package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// brokenLines are lines of the kinds a dying worker or a stray write leaves
// behind. The fuzz test starts from them and from the table's messages
// (testdata/messages.json).
var brokenLines = []string{
	"",
	"\n",
	"{}\n",
	`{"t":""}`,
	`{"t":"done","reports":[{"skip":[1,2]}]}`,
	`{"t":"files","files":[{"items":[["a"]]}]}`,
	`{"t":"files","files":[{"items":[null]}]}`,
	`{"t":"done","f":"zero"}`,
	`{"t":"hello"` + "\n" + `{"t":"bye"}`,
	"\xff\xfe\x00garbage\n",
	`[1,2,3]`,
	`{"t":"exited","status":{"code":1e400}}`,
}

// decodeAll decodes input to its end; a stray line counts as a message of
// kind "?" whose Text is what the error says of it.
func decodeAll(t *testing.T, input string) ([]*Message, error) {
	t.Helper()
	return decodeWith(t, NewDecoder(strings.NewReader(input)))
}

func decodeWith(t *testing.T, dec *Decoder) ([]*Message, error) {
	t.Helper()
	var out []*Message
	for {
		m, err := dec.Decode()
		var stray *StrayError
		if errors.As(err, &stray) {
			out = append(out, &Message{T: "?", Text: stray.Error()})
			continue
		}
		if err != nil {
			if m != nil {
				t.Errorf("Decode returned both a message and the error %v", err)
			}
			return out, err
		}
		out = append(out, m)
	}
}

func TestDecode(t *testing.T) {
	type testCase struct {
		name  string
		input string
		kinds []string // the messages' kinds, in order
		err   string   // "" for a clean end (io.EOF); else a part of the error
	}
	run := func(t *testing.T, tc testCase) {
		msgs, err := decodeAll(t, tc.input)
		var kinds []string
		for _, m := range msgs {
			kinds = append(kinds, m.T)
		}
		if strings.Join(kinds, ",") != strings.Join(tc.kinds, ",") {
			t.Errorf("kinds %v, want %v", kinds, tc.kinds)
		}
		switch {
		case tc.err == "" && !errors.Is(err, io.EOF):
			t.Errorf("error %v, want a clean end", err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("error %v, want one saying %q", err, tc.err)
		}
	}
	var every, kinds []string
	for _, s := range loadTable(t).Plugin {
		every = append(every, s.line(t))
		kinds = append(kinds, s.kind(t))
	}
	testCases := []testCase{
		{name: "nothing", input: ""},
		{name: "every kind", input: strings.Join(every, "\n") + "\n", kinds: kinds},
		{name: "a cut-off last line", input: pluginLine(t, "forked") + "\n" + `{"t":"do`, kinds: []string{"forked"}, err: "unexpected EOF"},
		// Stray lines: each is told, and the messages after it still come.
		{name: "a line without a kind", input: "{}\n", kinds: []string{"?"}},
		{name: "an empty kind", input: `{"t":""}` + "\n", kinds: []string{"?"}},
		{name: "not JSON", input: "hello from a test\n", kinds: []string{"?"}},
		{name: "binary bytes", input: "\xff\xfe\x00\x01\n", kinds: []string{"?"}},
		{name: "an empty line", input: "\n", kinds: []string{"?"}},
		{name: "an array", input: "[1,2]\n", kinds: []string{"?"}},
		{name: "a short item", input: `{"t":"files","files":[{"items":[["a"]]}]}` + "\n", kinds: []string{"?"}},
		{name: "a null item", input: `{"t":"collected_file","items":[null]}` + "\n", kinds: []string{"?"}},
		{name: "a wrong type", input: `{"t":"done","f":"zero"}` + "\n", kinds: []string{"?"}},
		{name: "a bad skip", input: `{"t":"done","reports":[{"skip":[1,2]}]}` + "\n", kinds: []string{"?"}},
		{name: "an out-of-range number", input: `{"t":"exited","status":{"code":1e400}}` + "\n", kinds: []string{"?"}},
		{name: "a stray line between messages", input: pluginLine(t, "forked") + "\nnot from the plugin\n" + pluginLine(t, "bye") + "\n",
			kinds: []string{"forked", "?", "bye"}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

// TestDecodeTooLong: a line longer than the limit is a stray line, read
// to its end; the stream goes on after it.
func TestDecodeTooLong(t *testing.T) {
	input := strings.Repeat("x", 200<<10) + "\n" + pluginLine(t, "bye") + "\n"
	dec := NewDecoder(strings.NewReader(input))
	dec.maxLine = 100 << 10
	msgs, err := decodeWith(t, dec)
	if !errors.Is(err, io.EOF) || len(msgs) != 2 || msgs[0].T != "?" || msgs[1].T != "bye" {
		t.Fatalf("got %d messages and %v, want a stray line and bye", len(msgs), err)
	}
	if want := "(longer than 102400 bytes)"; !strings.Contains(msgs[0].Text, want) || len(msgs[0].Text) > 300 {
		t.Errorf("the stray line is told as %q, want its beginning and %q", msgs[0].Text, want)
	}
}

// TestDecodeValues checks that the fields of the compact forms land where
// they belong.
func TestDecodeValues(t *testing.T) {
	msgs, err := decodeAll(t, pluginLine(t, "collected_file")+"\n"+pluginLine(t, "timer")+"\n"+
		`{"t":"done","reports":[{"when":"call","outcome":"failed","dur":0.5,"sections":[["Captured stdout call","\u00ff\n"]]},`+
		`{"when":"setup","outcome":"skipped","dur":0,"skip":["t.py",null,"why"],"skip_raw":["/r/t.py",2,"why"]}]}`+"\n")
	if !errors.Is(err, io.EOF) || len(msgs) != 3 {
		t.Fatalf("got %d messages and %v", len(msgs), err)
	}
	it := msgs[0].Items[1]
	if it.NodeID != "sub/test_b.py::test_z" || it.Path != "sub/test_b.py" || it.Lineno == nil || *it.Lineno != 9 ||
		it.Domain != "test_z" || it.Marks == nil || !slices.Equal(it.Marks.Locks, []string{"port"}) {
		t.Errorf("item %+v", it)
	}
	if m := msgs[1]; m.F != 0 || m.P != 2 || m.Seconds != 1.5 || m.Start != 1795720153.75 || m.DumpSignal != 38 {
		t.Errorf("timer %+v", m)
	}
	reps := msgs[2].Reports
	if len(reps) != 2 || reps[0].Sections[0].Text != "\u00ff\n" || reps[1].Skip.Reason != "why" || reps[1].Skip.Lineno != nil ||
		reps[1].SkipRaw.Lineno == nil || *reps[1].SkipRaw.Lineno != 2 {
		t.Errorf("reports %+v", reps)
	}
}

// TestMore: More says whether a whole message is buffered, never a partial one.
func TestMore(t *testing.T) {
	forked, bye := pluginLine(t, "forked"), pluginLine(t, "bye")
	r, w := io.Pipe()
	dec := NewDecoder(r)
	go func() {
		_, _ = w.Write([]byte(forked + "\n" + bye + "\n" + `{"t":`))
	}()
	if _, err := dec.Decode(); err != nil {
		t.Fatal(err)
	}
	if !dec.More() {
		t.Fatal("More is false with a whole message buffered")
	}
	if _, err := dec.Decode(); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Error("More is true with only part of a message buffered")
	}
	w.Close()
}

func TestEncode(t *testing.T) {
	var buf bytes.Buffer
	c := Command{T: "fork", Workers: []WorkerSpec{{ID: "gw0", Count: 2, UID: "u", Log: "/l", Stacks: "/s", Captured: "/c"}}}
	if err := Encode(&buf, c); err != nil {
		t.Fatal(err)
	}
	want := `{"t":"fork","workers":[{"id":"gw0","count":2,"uid":"u","basetemp":"","log":"/l","stacks":"/s","captured":"/c"}]}` + "\n"
	if buf.String() != want {
		t.Errorf("got %s want %s", buf.String(), want)
	}
}

// FuzzDecode feeds the decoder arbitrary bytes. It must return messages or
// errors, never panic, never return a message without a kind, and whatever
// it accepts must survive being written and read again unchanged.
//
//	go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 3s ./protocol/
func FuzzDecode(f *testing.F) {
	seeds := brokenLines
	for _, s := range loadTable(f).Plugin {
		seeds = append(seeds, s.line(f))
	}
	for _, s := range seeds {
		f.Add([]byte(s))
		f.Add([]byte(s + "\n" + s + "\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			m, err := dec.Decode()
			if err != nil {
				if m != nil {
					t.Fatalf("a message and an error: %v", err)
				}
				return
			}
			if i > len(data) {
				t.Fatalf("%d messages from %d bytes", i, len(data))
			}
			if m.T == "" {
				t.Fatalf("a message without a kind from %q", data)
			}
			again, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("cannot write back %+v: %v", m, err)
			}
			m2, err := NewDecoder(bytes.NewReader(append(again, '\n'))).Decode()
			if err != nil {
				t.Fatalf("cannot read back %s: %v", again, err)
			}
			if twice, _ := json.Marshal(m2); !bytes.Equal(twice, again) {
				t.Fatalf("not stable:\n%s\n%s", again, twice)
			}
		}
	})
}
