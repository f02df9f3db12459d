package junit

import (
	"shoal/result"
)

// Code below was built from the reports pytest made for testdata/suite; see junit_test.go.

var collectCollectError = result.CollectReport{NodeID: "test_collect_error.py", Outcome: "failed", LongRepr: `ImportError while importing test module '/suite/test_collect_error.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/usr/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
test_collect_error.py:1: in <module>
    import does_not_exist_anywhere  # noqa: F401
E   ModuleNotFoundError: No module named 'does_not_exist_anywhere'`}

var collectModuleSkip = result.CollectReport{NodeID: "test_module_skip.py", Outcome: "skipped", LongRepr: "('/suite/test_module_skip.py', 3, 'Skipped: whole module skipped')"}

func escapeTests() []*result.Test {
	return []*result.Test{
		{NodeID: "test_escape.py::test_control_chars", Path: "test_escape.py", Lineno: line(3), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED", LongRepr: "test_escape.py:6: in test_control_chars\n    assert False, \"bad <&> \\\"quoted\\\" \\a\\x1b\"\nE   AssertionError: bad <&> \"quoted\" \x07\x1b\nE   assert False", Crash: text("AssertionError: bad <&> \"quoted\" \x07\x1b\nassert False"), CrashPath: "/suite/test_escape.py", CrashLineno: 6, Sections: []result.Section{{Name: "Captured stdout call", Text: "bell\x07 esc\x1b del\x7f nel\u0085 emoji😀 ok\n"}}},
			{When: "teardown", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout call", Text: "bell\x07 esc\x1b del\x7f nel\u0085 emoji😀 ok\n"}}},
		}},
		{NodeID: "test_escape.py::test_names[x\\ty]", Path: "test_escape.py", Lineno: line(8), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "skipped", Category: "skipped", Letter: "s", Word: "SKIPPED", LongRepr: "('/suite/test_escape.py', 11, 'Skipped: skip: <&> \"q\"')", Skip: &result.SkipInfo{Path: "test_escape.py", Lineno: line(11), Reason: "Skipped: skip: <&> \"q\""}, SkipRaw: &result.SkipInfo{Path: "/suite/test_escape.py", Lineno: line(11), Reason: "Skipped: skip: <&> \"q\""}},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_escape.py::test_names[<&>]", Path: "test_escape.py", Lineno: line(8), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "skipped", Category: "skipped", Letter: "s", Word: "SKIPPED", LongRepr: "('/suite/test_escape.py', 11, 'Skipped: skip: <&> \"q\"')", Skip: &result.SkipInfo{Path: "test_escape.py", Lineno: line(11), Reason: "Skipped: skip: <&> \"q\""}, SkipRaw: &result.SkipInfo{Path: "/suite/test_escape.py", Lineno: line(11), Reason: "Skipped: skip: <&> \"q\""}},
			{When: "teardown", Outcome: "passed"},
		}},
	}
}

func outcomesTests() []*result.Test {
	return []*result.Test{
		{NodeID: "test_outcomes.py::test_pass", Path: "test_outcomes.py", Lineno: line(14), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED"},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_fail", Path: "test_outcomes.py", Lineno: line(18), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED", LongRepr: `test_outcomes.py:20: in test_fail
    assert 1 == 2, "one is not two"
E   AssertionError: one is not two
E   assert 1 == 2`, Crash: text(`AssertionError: one is not two
assert 1 == 2`), CrashPath: "/suite/test_outcomes.py", CrashLineno: 20},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_setup_error", Path: "test_outcomes.py", Lineno: line(22), Reports: []result.Report{
			{When: "setup", Outcome: "failed", Category: "error", Letter: "E", Word: "ERROR", LongRepr: `test_outcomes.py:6: in broken_setup
    raise RuntimeError("setup went wrong")
E   RuntimeError: setup went wrong`, Crash: text("RuntimeError: setup went wrong"), CrashPath: "/suite/test_outcomes.py", CrashLineno: 6},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_teardown_error", Path: "test_outcomes.py", Lineno: line(26), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED"},
			{When: "teardown", Outcome: "failed", Category: "error", Letter: "E", Word: "ERROR", LongRepr: `test_outcomes.py:12: in broken_teardown
    raise RuntimeError("teardown went wrong")
E   RuntimeError: teardown went wrong`, Crash: text("RuntimeError: teardown went wrong"), CrashPath: "/suite/test_outcomes.py", CrashLineno: 12},
		}},
		{NodeID: "test_outcomes.py::test_fail_and_teardown_error", Path: "test_outcomes.py", Lineno: line(30), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED", LongRepr: `test_outcomes.py:32: in test_fail_and_teardown_error
    assert False
E   assert False`, Crash: text("assert False"), CrashPath: "/suite/test_outcomes.py", CrashLineno: 32},
			{When: "teardown", Outcome: "failed", Category: "error", Letter: "E", Word: "ERROR", LongRepr: `test_outcomes.py:12: in broken_teardown
    raise RuntimeError("teardown went wrong")
E   RuntimeError: teardown went wrong`, Crash: text("RuntimeError: teardown went wrong"), CrashPath: "/suite/test_outcomes.py", CrashLineno: 12},
		}},
		{NodeID: "test_outcomes.py::test_skip", Path: "test_outcomes.py", Lineno: line(34), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "skipped", Category: "skipped", Letter: "s", Word: "SKIPPED", LongRepr: "('/suite/test_outcomes.py', 36, 'Skipped: not today')", Skip: &result.SkipInfo{Path: "test_outcomes.py", Lineno: line(36), Reason: "Skipped: not today"}, SkipRaw: &result.SkipInfo{Path: "/suite/test_outcomes.py", Lineno: line(36), Reason: "Skipped: not today"}},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_skip_mark", Path: "test_outcomes.py", Lineno: line(38), Reports: []result.Report{
			{When: "setup", Outcome: "skipped", Category: "skipped", Letter: "s", Word: "SKIPPED", LongRepr: "('/suite/test_outcomes.py', 39, 'Skipped: marked skip')", Skip: &result.SkipInfo{Path: "test_outcomes.py", Lineno: line(39), Reason: "Skipped: marked skip"}, SkipRaw: &result.SkipInfo{Path: "/suite/test_outcomes.py", Lineno: line(39), Reason: "Skipped: marked skip"}},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_xfail", Path: "test_outcomes.py", Lineno: line(43), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "skipped", Category: "xfailed", Letter: "x", Word: "XFAIL", LongRepr: `test_outcomes.py:46: in test_xfail
    assert 0
E   assert 0`, Crash: text("assert 0"), CrashPath: "/suite/test_outcomes.py", CrashLineno: 46, WasXFail: text("known bug")},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_xfail_imperative", Path: "test_outcomes.py", Lineno: line(48), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "skipped", Category: "xfailed", Letter: "x", Word: "XFAIL", LongRepr: `test_outcomes.py:50: in test_xfail_imperative
    pytest.xfail("gave up")
E   _pytest.outcomes.XFailed: gave up`, Crash: text("_pytest.outcomes.XFailed: gave up"), CrashPath: "/suite/test_outcomes.py", CrashLineno: 50, WasXFail: text("reason: gave up")},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_xpass", Path: "test_outcomes.py", Lineno: line(52), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "passed", Category: "xpassed", Letter: "X", Word: "XPASS", WasXFail: text("maybe")},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_xpass_strict", Path: "test_outcomes.py", Lineno: line(57), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED", LongRepr: "[XPASS(strict)] must fail"},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_param[a.b]", Path: "test_outcomes.py", Lineno: line(62), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED"},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::test_param[c::d]", Path: "test_outcomes.py", Lineno: line(62), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED"},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "test_outcomes.py::TestGroup::test_method", Path: "test_outcomes.py", Lineno: line(68), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED"},
			{When: "teardown", Outcome: "passed"},
		}},
	}
}

func outputTests() []*result.Test {
	return []*result.Test{
		{NodeID: "test_output.py::test_pass_output", Path: "test_output.py", Lineno: line(14), Reports: []result.Report{
			{When: "setup", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}}},
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED", Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}, {Name: "Captured stdout call", Text: `hello out
`}, {Name: "Captured stderr call", Text: `hello err
`}, {Name: "Captured log call", Text: "WARNING  suite:test_output.py:18 hello log"}}},
			{When: "teardown", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}, {Name: "Captured stdout call", Text: `hello out
`}, {Name: "Captured stderr call", Text: `hello err
`}, {Name: "Captured log call", Text: "WARNING  suite:test_output.py:18 hello log"}, {Name: "Captured stdout teardown", Text: `tearing down
`}, {Name: "Captured stderr teardown", Text: `teardown err
`}}},
		}},
		{NodeID: "test_output.py::test_fail_output", Path: "test_output.py", Lineno: line(20), Reports: []result.Report{
			{When: "setup", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}}},
			{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED", LongRepr: `test_output.py:25: in test_fail_output
    assert False
E   assert False`, Crash: text("assert False"), CrashPath: "/suite/test_output.py", CrashLineno: 25, Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}, {Name: "Captured stdout call", Text: `failing out
`}, {Name: "Captured stderr call", Text: `failing err
`}, {Name: "Captured log call", Text: "WARNING  suite:test_output.py:24 failing log"}}},
			{When: "teardown", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}, {Name: "Captured stdout call", Text: `failing out
`}, {Name: "Captured stderr call", Text: `failing err
`}, {Name: "Captured log call", Text: "WARNING  suite:test_output.py:24 failing log"}, {Name: "Captured stdout teardown", Text: `tearing down
`}, {Name: "Captured stderr teardown", Text: `teardown err
`}}},
		}},
		{NodeID: "test_output.py::test_skip_output", Path: "test_output.py", Lineno: line(27), Reports: []result.Report{
			{When: "setup", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}}},
			{When: "call", Outcome: "skipped", Category: "skipped", Letter: "s", Word: "SKIPPED", LongRepr: "('/suite/test_output.py', 30, 'Skipped: skipping with output')", Skip: &result.SkipInfo{Path: "test_output.py", Lineno: line(30), Reason: "Skipped: skipping with output"}, Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}, {Name: "Captured stdout call", Text: `before skip
`}}, SkipRaw: &result.SkipInfo{Path: "/suite/test_output.py", Lineno: line(30), Reason: "Skipped: skipping with output"}},
			{When: "teardown", Outcome: "passed", Sections: []result.Section{{Name: "Captured stdout setup", Text: `setting up
`}, {Name: "Captured stdout call", Text: `before skip
`}, {Name: "Captured stdout teardown", Text: `tearing down
`}, {Name: "Captured stderr teardown", Text: `teardown err
`}}},
		}},
	}
}

func propsTests() []*result.Test {
	return []*result.Test{
		{NodeID: "test_props.py::test_props", Path: "test_props.py", Lineno: line(0), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "passed", Category: "passed", Letter: ".", Word: "PASSED", Props: [][2]any{{"int", 1.0}, {"float", 2.0}, {"text", "a <b> & \"c\""}, {"list", []any{1.0, "x"}}, {"none", nil}}, PropText: []string{"1", "2.0", "a <b> & \"c\"", "[1, 'x']", "None"}},
			{When: "teardown", Outcome: "passed", Props: [][2]any{{"int", 1.0}, {"float", 2.0}, {"text", "a <b> & \"c\""}, {"list", []any{1.0, "x"}}, {"none", nil}}, PropText: []string{"1", "2.0", "a <b> & \"c\"", "[1, 'x']", "None"}},
		}},
		{NodeID: "test_props.py::test_props_fail", Path: "test_props.py", Lineno: line(8), Reports: []result.Report{
			{When: "setup", Outcome: "passed"},
			{When: "call", Outcome: "failed", Category: "failed", Letter: "F", Word: "FAILED", LongRepr: `test_props.py:11: in test_props_fail
    assert False
E   assert False`, Crash: text("assert False"), CrashPath: "/suite/test_props.py", CrashLineno: 11, Props: [][2]any{{"key", "value"}}, PropText: []string{"value"}},
			{When: "teardown", Outcome: "passed", Props: [][2]any{{"key", "value"}}, PropText: []string{"value"}},
		}},
	}
}

func nestedTests() []*result.Test {
	return []*result.Test{
		{NodeID: "sub/test_nested.py::TestOuter::TestInner::test_deep", Path: "sub/test_nested.py", Lineno: line(7), Reports: []result.Report{
			{When: "setup", Outcome: "skipped", Category: "skipped", Letter: "s", Word: "SKIPPED", LongRepr: "('/suite/sub/test_nested.py', 8, 'Skipped: module mark')", Skip: &result.SkipInfo{Path: "sub/test_nested.py", Lineno: nil, Reason: "Skipped: module mark"}, SkipRaw: &result.SkipInfo{Path: "/suite/sub/test_nested.py", Lineno: line(8), Reason: "Skipped: module mark"}},
			{When: "teardown", Outcome: "passed"},
		}},
		{NodeID: "sub/test_nested.py::test_plain", Path: "sub/test_nested.py", Lineno: line(11), Reports: []result.Report{
			{When: "setup", Outcome: "skipped", Category: "skipped", Letter: "s", Word: "SKIPPED", LongRepr: "('/suite/sub/test_nested.py', 12, 'Skipped: module mark')", Skip: &result.SkipInfo{Path: "sub/test_nested.py", Lineno: nil, Reason: "Skipped: module mark"}, SkipRaw: &result.SkipInfo{Path: "/suite/sub/test_nested.py", Lineno: line(12), Reason: "Skipped: module mark"}},
			{When: "teardown", Outcome: "passed"},
		}},
	}
}
