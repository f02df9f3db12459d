package rewrite

import (
	"strings"
	"testing"
)

const src = `import pytest  # the suite's

# a comment that stays
@pytest.mark.isolation
def test_pure():
    assert 1


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.isolation  # needs the port
def test_port(n):
    pass


class TestThings:
    @pytest.mark.isolation()
    def test_file(self):
        pass

    @pytest.mark.slow
    def test_unmarked(self):
        pass


@pytest.mark.isolation ; x = 1
def test_odd():
    pass
`

func TestApply(t *testing.T) {
	type testCase struct {
		name     string
		src      string
		changes  []Change
		want     string // the new text, or "" for src unchanged
		problems []string
	}
	run := func(t *testing.T, tc testCase) {
		got, problems := Apply([]byte(tc.src), tc.changes)
		want := tc.want
		if want == "" {
			want = tc.src
		}
		if string(got) != want {
			t.Errorf("Apply:\n%s\nwant:\n%s", got, want)
		}
		if len(problems) != len(tc.problems) {
			t.Fatalf("problems %q, want %q", problems, tc.problems)
		}
		for i, p := range problems {
			if !strings.Contains(p, tc.problems[i]) {
				t.Errorf("problem %q, want one with %q", p, tc.problems[i])
			}
		}
	}
	site := func(op Op, line, col, endCol, nameEnd int, keys ...string) Change {
		return Change{Op: op, Line: line, Col: col, EndLine: line, EndCol: endCol, NameEnd: [2]int{line, nameEnd}, Keys: keys, Marker: "isolation"}
	}
	cases := []testCase{
		{
			name:    "remove keeps everything else",
			src:     src,
			changes: []Change{site(Remove, 4, 1, 22, 22)},
			want:    strings.Replace(src, "# a comment that stays\n@pytest.mark.isolation\n", "# a comment that stays\n", 1),
		},
		{
			name:    "remove takes the decorator's comment with it; narrow keeps it",
			src:     src,
			changes: []Change{site(Remove, 10, 1, 22, 22), site(Narrow, 16, 5, 28, 26, "file:out.txt")},
			want: strings.Replace(strings.Replace(src, "@pytest.mark.isolation  # needs the port\n", "", 1),
				"@pytest.mark.isolation()", `@pytest.mark.isolation("file:out.txt")`, 1),
		},
		{
			name:    "narrow a bare marker, twice through two tests",
			src:     src,
			changes: []Change{site(Narrow, 10, 1, 22, 22, "port:8080"), site(Narrow, 10, 1, 22, 22, "port:8080")},
			want:    strings.Replace(src, "@pytest.mark.isolation  # needs", `@pytest.mark.isolation("port:8080")  # needs`, 1),
		},
		{
			name:    "add above the first decorator, indented",
			src:     src,
			changes: []Change{{Op: Add, Before: 20, Keys: []string{"port:9000", "file:x"}, Marker: "isolation"}},
			want:    strings.Replace(src, "    @pytest.mark.slow\n", "    @pytest.mark.isolation(\"port:9000\", \"file:x\")\n    @pytest.mark.slow\n", 1),
		},
		{
			name:     "a decorator sharing its line is left alone",
			src:      src,
			changes:  []Change{site(Remove, 25, 1, 22, 22)},
			problems: []string{"code follows the decorator"},
		},
		{
			name:     "a file changed since the trace is left alone",
			src:      src,
			changes:  []Change{site(Remove, 5, 1, 22, 22)},
			problems: []string{"is not the isolation marker"},
		},
		{
			name:     "add needs a decorator or def line",
			src:      src,
			changes:  []Change{{Op: Add, Before: 3, Keys: []string{"k"}, Marker: "isolation"}},
			problems: []string{"no decorator or def"},
		},
		{
			name:    "the suite's own marker name and pytest's alias",
			src:     "import pytest as pt\r\n\r\ndef test_x():\r\n    pass\r\n",
			changes: []Change{{Op: Add, Before: 3, Keys: []string{"table:users"}, Marker: "serial"}},
			want:    "import pytest as pt\r\n\r\n@pt.mark.serial(\"table:users\")\r\ndef test_x():\r\n    pass\r\n",
		},
		{
			name:     "no pytest imported",
			src:      "def test_x():\n    pass\n",
			changes:  []Change{{Op: Add, Before: 1, Keys: []string{"k"}, Marker: "isolation"}},
			problems: []string{"does not import pytest"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestMarkPrefix(t *testing.T) {
	for src, want := range map[string]string{
		"import pytest\n":                           "pytest.mark",
		"import os\nimport pytest as pt\n":          "pt.mark",
		"from pytest import fixture, mark\n":        "mark",
		"from pytest import mark as m\n":            "m",
		"from pytest import (fixture,\n    mark)\n": "",
		"import pytest_asyncio\n":                   "",
		"if x:\n    import pytest\n":                "",
		"import pytest  # why\nimport pytest\n":     "pytest.mark",
	} {
		got, ok := MarkPrefix([]byte(src))
		if got != want || ok != (want != "") {
			t.Errorf("MarkPrefix(%q) = %q, %v; want %q", src, got, ok, want)
		}
	}
}

func TestDiff(t *testing.T) {
	old := []byte("a\n@pytest.mark.isolation\ndef test():\n    pass\n")
	new, _ := Apply(old, []Change{{Op: Remove, Line: 2, Col: 1, EndLine: 2, EndCol: 22, NameEnd: [2]int{2, 22}, Marker: "isolation"}})
	d := Diff("tests/test_x.py", old, new)
	for _, want := range []string{"--- a/tests/test_x.py", "+++ b/tests/test_x.py", "-@pytest.mark.isolation"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff %q lacks %q", d, want)
		}
	}
}

// Hunks after a removal start where the new file has them (go-udiff
// before v0.4.2 got the second hunk's "+" line wrong).
func TestDiffHunkLines(t *testing.T) {
	old := "a\n@x\nb\nc\n@x\nd\ne\nf\ng\nh\ni\nj\nk\nl\n@pytest.mark.isolation\nm\n"
	new := strings.Replace(strings.Replace(old, "@x\n", "", 2), "@pytest.mark.isolation", `@pytest.mark.isolation("k")`, 1)
	d := Diff("f.py", []byte(old), []byte(new))
	if !strings.Contains(d, "@@ -12,5 +10,5 @@") {
		t.Errorf("second hunk header wrong:\n%s", d)
	}
}
