//go:build integration

package integration_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// junitSuite is the part of a JUnit file the tests compare.
type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string     `xml:"classname,attr"`
	Name      string     `xml:"name,attr"`
	Failures  []struct{} `xml:"failure"`
	Errors    []struct{} `xml:"error"`
	Skipped   []struct{} `xml:"skipped"`
}

// key is "classname name: kinds", kinds being failure/error/skipped or passed.
func (c junitCase) key() string {
	var kinds []string
	for range c.Failures {
		kinds = append(kinds, "failure")
	}
	for range c.Errors {
		kinds = append(kinds, "error")
	}
	for range c.Skipped {
		kinds = append(kinds, "skipped")
	}
	if len(kinds) == 0 {
		kinds = []string{"passed"}
	}
	return fmt.Sprintf("%s %s: %s", c.Classname, c.Name, strings.Join(kinds, ","))
}

// readJUnit parses a JUnit file, which must be well-formed XML with one
// root element: <testsuites> holding one <testsuite>, as pytest writes it.
func readJUnit(t *testing.T, path string) junitSuite {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JUnit file: %v", err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	roots := 0
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v\n%s", path, err, data)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 {
		t.Fatalf("%s has %d root elements, want 1", path, roots)
	}
	var doc struct {
		XMLName xml.Name
		Suites  []junitSuite `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("cannot decode %s: %v", path, err)
	}
	if doc.XMLName.Local != "testsuites" || len(doc.Suites) != 1 {
		t.Fatalf("%s: root <%s> with %d <testsuite>, want <testsuites> with 1", path, doc.XMLName.Local, len(doc.Suites))
	}
	return doc.Suites[0]
}

// TestJUnit compares shoal's --junitxml file with pytest's for the same
// suite: the same testcases, each with the same kind of result, and the same
// counts. pytest writes a test whose call failed and whose teardown errored
// as two testcases of the same name (a failure and an error); so must shoal.
func TestJUnit(t *testing.T) {
	requirePython(t)
	t.Parallel()
	tests := []struct {
		suite string
		args  []string
		// xmlAfterDash hands --junitxml to pytest after "--" rather than
		// using shoal's own --junitxml flag.
		xmlAfterDash bool
	}{
		{suite: "outcomes"},
		{suite: "outcomes", xmlAfterDash: true},
		{suite: "collect_error", args: []string{"--continue-on-collection-errors"}},
		{suite: "exitfirst", args: []string{"-x"}},
	}
	for _, tc := range tests {
		name := tc.suite + strings.Join(tc.args, "")
		if tc.xmlAfterDash {
			name += "/after-dashdash"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pyXML := filepath.Join(t.TempDir(), "pytest.xml")
			py := runPytest(t, copySuite(t, tc.suite), append([]string{"--junitxml=" + pyXML}, tc.args...)...)
			shXML := filepath.Join(t.TempDir(), "shoal.xml")
			var shoalFlags []string
			args := tc.args
			if tc.xmlAfterDash {
				args = append([]string{"--junitxml=" + shXML}, args...)
			} else {
				shoalFlags = []string{"--junitxml", shXML}
			}
			sh := runShoal(t, copySuite(t, tc.suite), shoalCall{mode: startModes[0], flags: shoalFlags, args: args})
			if sh.code != py.code {
				t.Errorf("shoal exited %d, pytest %d:\n%s", sh.code, py.code, sh.output)
			}
			if !strings.Contains(sh.stdout, "generated xml file: "+shXML) {
				t.Errorf("shoal does not say it wrote %s:\n%s", shXML, sh.stdout)
			}
			want, got := readJUnit(t, pyXML), readJUnit(t, shXML)
			compareJUnit(t, want, got)
			if sh.record != nil {
				checkOneCasePerTest(t, got, sh.record)
			}
		})
	}
}

func compareJUnit(t *testing.T, want, got junitSuite) {
	t.Helper()
	if got.Name != want.Name || got.Tests != want.Tests || got.Failures != want.Failures ||
		got.Errors != want.Errors || got.Skipped != want.Skipped {
		t.Errorf("testsuite attributes differ:\nshoal:  name=%q tests=%d failures=%d errors=%d skipped=%d\n"+
			"pytest: name=%q tests=%d failures=%d errors=%d skipped=%d",
			got.Name, got.Tests, got.Failures, got.Errors, got.Skipped,
			want.Name, want.Tests, want.Failures, want.Errors, want.Skipped)
	}
	keys := func(s junitSuite) []string {
		var out []string
		for _, c := range s.Cases {
			out = append(out, c.key())
		}
		sort.Strings(out)
		return out
	}
	if w, g := keys(want), keys(got); !slices.Equal(w, g) {
		t.Errorf("testcases differ (-pytest +shoal):\n%s", diffLists(w, g))
	}
}

// checkOneCasePerTest: every test that ran, and every file that failed to
// collect or was skipped whole, has a testcase; nothing else has one.
func checkOneCasePerTest(t *testing.T, s junitSuite, rec *record) {
	t.Helper()
	names := map[string]bool{}
	for _, c := range s.Cases {
		names[c.Classname+"::"+c.Name] = true
	}
	if want := len(rec.Tests) + len(rec.CollectErrors); len(names) != want {
		t.Errorf("%d distinct testcases, want %d (%d tests ran, %d collect reports)",
			len(names), want, len(rec.Tests), len(rec.CollectErrors))
	}
}

// diffLists shows the lines only in want (-) or only in got (+), both sorted.
func diffLists(want, got []string) string {
	count := map[string]int{}
	for _, w := range want {
		count[w]--
	}
	for _, g := range got {
		count[g]++
	}
	var lines []string
	for k, n := range count {
		for ; n < 0; n++ {
			lines = append(lines, "-"+k)
		}
		for ; n > 0; n-- {
			lines = append(lines, "+"+k)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
