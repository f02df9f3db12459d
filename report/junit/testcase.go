package junit

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"shoal/result"
)

// testcase is one <testcase> element, built as pytest's _NodeReporter builds it.
type testcase struct {
	suite    *suite
	attrs    []attr // empty until a report names the test
	duration float64
	props    []attr
	nodes    []*element
}

func (c *testcase) element() *element {
	e := &element{tag: "testcase", attrs: append(append([]attr(nil), c.attrs...), attr{"time", seconds3(c.duration)})}
	if len(c.props) > 0 {
		props := &element{tag: "properties"}
		for _, p := range c.props {
			props.children = append(props.children, &element{tag: "property", attrs: []attr{{"name", p.name}, {"value", p.value}}})
		}
		e.children = append(e.children, props)
	}
	e.children = append(e.children, c.nodes...)
	return e
}

// record names the testcase: classname and name from the node id, and for
// xunit1 the file and the 0-based line of the test's location.
func (c *testcase) record(nodeID, file string, line *int) {
	names := mangleTestAddress(nodeID)
	c.attrs = []attr{
		{"classname", strings.Join(names[:len(names)-1], ".")},
		{"name", binXMLEscape(names[len(names)-1])},
	}
	if c.suite.cfg.family != "xunit1" {
		return
	}
	c.attrs = append(c.attrs, attr{"file", file})
	if line != nil {
		c.attrs = append(c.attrs, attr{"line", strconv.Itoa(*line)})
	}
}

var pySuffix = regexp.MustCompile(`\.py$`)

// mangleTestAddress is pytest's mangle_test_address: "sub/test_a.py::T::t[x::y]"
// becomes ["sub.test_a", "T", "t[x::y]"].
func mangleTestAddress(nodeID string) []string {
	path, params, bracket := strings.Cut(nodeID, "[")
	names := strings.Split(path, "::")
	names[0] = pySuffix.ReplaceAllString(strings.ReplaceAll(names[0], "/", "."), "")
	if bracket {
		names[len(names)-1] += "[" + params
	}
	return names
}

func (c *testcase) append(e *element) {
	c.suite.count(e.tag)
	c.nodes = append(c.nodes, e)
}

// addSimple is _add_simple: the message as given, the text made XML-safe.
func (c *testcase) addSimple(tag, message, text string) {
	c.append(&element{tag: tag, attrs: []attr{{"message", message}}, text: binXMLEscape(text)})
}

// addFailure writes a failed call: the crash line as message, the whole
// report as text. A strict xpass has no crash line; its text is the message.
func (c *testcase) addFailure(r *result.Report) {
	if r.WasXFail != nil {
		// pytest passes no text here, and ElementTree writes Python's None.
		c.addSimple("skipped", "xfail-marked test passes unexpectedly", "None")
		return
	}
	c.addSimple("failure", binXMLEscape(crashMessage(r)), r.LongRepr)
}

// addError writes a failed setup or teardown.
func (c *testcase) addError(r *result.Report) {
	when := "setup"
	if r.When == "teardown" {
		when = "teardown"
	}
	msg := "failed on " + when + ` with "` + crashMessage(r) + `"`
	c.addSimple("error", binXMLEscape(msg), r.LongRepr)
}

func crashMessage(r *result.Report) string {
	if r.Crash != nil {
		return *r.Crash
	}
	return r.LongRepr
}

// addSkipped writes a skip or an xfail. Only a skip also writes the output.
func (c *testcase) addSkipped(r *result.Report, invocationDir string) {
	if r.WasXFail != nil {
		reason := strings.TrimPrefix(*r.WasXFail, "reason: ")
		c.append(&element{tag: "skipped", attrs: []attr{{"type", "pytest.xfail"}, {"message", binXMLEscape(reason)}}})
		return
	}
	file, line, reason := skipLocation(r, invocationDir)
	reason = strings.TrimPrefix(reason, "Skipped: ")
	c.append(&element{
		tag:   "skipped",
		attrs: []attr{{"type", "pytest.skip"}, {"message", reason}},
		text:  binXMLEscape(file + ":" + line + ": " + reason),
	})
	c.addOutput(r)
}

// skipLocation is the skip's longrepr tuple as pytest holds it: absolute path,
// line (Python's None when unknown) and reason.
func skipLocation(r *result.Report, invocationDir string) (file, line, reason string) {
	skip := r.SkipRaw
	if skip == nil {
		// An older plugin sent only the summary's form: path relative to the
		// invocation directory, and no line where a module-level mark skipped.
		skip = r.Skip
	}
	if skip == nil {
		return "None", "None", ""
	}
	file, line = skip.Path, "None"
	if r.SkipRaw == nil && invocationDir != "" && !filepath.IsAbs(file) {
		file = filepath.Join(invocationDir, file)
	}
	if skip.Lineno != nil {
		line = strconv.Itoa(*skip.Lineno)
	}
	return file, line, skip.Reason
}

// addProperties writes record_property's pairs, taken from the teardown
// report, which carries all of them.
func (c *testcase) addProperties(r *result.Report) {
	for i, p := range r.Props {
		name, _ := p[0].(string)
		value := pyStr(p[1])
		if i < len(r.PropText) {
			value = r.PropText[i]
		}
		c.props = append(c.props, attr{name, binXMLEscape(value)})
	}
}

// pyStr approximates Python's str() of a JSON value, for reports without
// PropText: it cannot tell 2.0 from 2, nor repr from str.
func pyStr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// addOutput is write_captured_output: the captured sections junit_logging
// asks for, each under a centred header.
func (c *testcase) addOutput(r *result.Report) {
	cfg := c.suite.cfg
	if (!cfg.logPassing && r.Outcome == "passed") || cfg.logging == "no" {
		return
	}
	var content []piece
	if cfg.logging == "log" || cfg.logging == "all" {
		content = framed(" Captured Log ", captured(r, "Captured log", "\n"))
	}
	if cfg.logging == "system-out" || cfg.logging == "out-err" || cfg.logging == "all" {
		content = append(content, framed(" Captured Out ", captured(r, "Captured stdout", ""))...)
		c.append(&element{tag: "system-out", output: content})
		content = nil
	}
	if cfg.logging == "system-err" || cfg.logging == "out-err" || cfg.logging == "all" {
		content = append(content, framed(" Captured Err ", captured(r, "Captured stderr", ""))...)
		c.append(&element{tag: "system-err", output: content})
		content = nil
	}
	if content != nil {
		c.append(&element{tag: "system-out", output: content})
	}
}

// captured is TestReport.capstdout, capstderr or caplog: the sections whose
// name starts with prefix, joined by sep.
func captured(r *result.Report, prefix, sep string) []piece {
	var parts []piece
	for _, s := range r.Sections {
		if strings.HasPrefix(s.Name, prefix) {
			if len(parts) > 0 && sep != "" {
				parts = append(parts, piece{text: sep})
			}
			parts = append(parts, piece{section: s})
		}
	}
	return parts
}

// framed is _prepare_content: header.center(80, "-"), the content, "".
func framed(header string, content []piece) []piece {
	return append(append([]piece{{text: center(header, 80, "-") + "\n"}}, content...), piece{text: "\n"})
}

// center is Python's str.center, which puts the odd pad on the left only
// when both the pad and the width are odd.
func center(s string, width int, fill string) string {
	n := utf8.RuneCountInString(s)
	if n >= width {
		return s
	}
	pad := width - n
	left := pad/2 + (pad & width & 1)
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, pad-left)
}
