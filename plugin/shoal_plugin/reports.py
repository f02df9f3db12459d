"""Turn pytest's reports and warnings into the small dicts shoal's protocol carries.

A passing phase without output travels as four fields. Anything that carries
information (a failure, a skip, captured output, user properties) travels with
the text pytest itself would print for it.
"""

import os
from io import StringIO

from shoal_plugin.capture import SPILL_AT

COLOR = os.environ.get("SHOAL_COLOR") == "1"


def _render(rep):
    """The report as pytest's terminal summary prints it (not stripped)."""
    from _pytest._io import TerminalWriter

    buf = StringIO()
    tw = TerminalWriter(file=buf)
    tw.hasmarkup = COLOR
    rep.toterminal(tw)
    return buf.getvalue()


def _status(config, rep):
    category, letter, word = config.hook.pytest_report_teststatus(report=rep, config=config)
    if isinstance(word, tuple):
        word = word[0]
    return category, letter, word


def _skip_location(config, rep):
    """Where pytest's short summary says a skip happened (see _folded_skips)."""
    longrepr = rep.longrepr
    if not (isinstance(longrepr, tuple) and len(longrepr) == 3):
        return None
    fspath, lineno, reason = longrepr
    try:
        fspath = os.path.relpath(str(fspath), str(config.invocation_params.dir))
    except ValueError:
        fspath = str(fspath)
    keywords = getattr(rep, "keywords", {}) or {}
    if rep.when == "setup" and "skip" in keywords and "pytestmark" not in keywords:
        lineno = None
    return [fspath, lineno, reason]


def encode(config, rep, spill=None):
    category, letter, word = _status(config, rep)
    out = {"when": rep.when, "outcome": rep.outcome, "dur": rep.duration}
    if category:
        out["cat"], out["letter"], out["word"] = category, letter, word
    full = rep.outcome != "passed" or rep.sections or hasattr(rep, "wasxfail") or rep.user_properties
    if not full:
        return out
    head = getattr(rep, "head_line", None)
    if head and rep.location and head != rep.location[2]:
        out["head"] = head  # a plugin's report titles itself (pytest-subtests: "test_x (i=1)")
    if rep.longrepr is not None:
        out["longrepr"] = rep.longreprtext
        if rep.outcome == "failed":
            out["term"] = _render(rep)
    crash = getattr(rep.longrepr, "reprcrash", None)
    if crash is not None:
        out["crash"] = crash.message
        out["crash_path"] = str(crash.path)
        out["crash_lineno"] = crash.lineno
    skip = _skip_location(config, rep)
    if skip is not None:
        out["skip"] = skip
        # The JUnit file prints the skip where pytest holds it: absolute path and real line.
        out["skip_raw"] = [str(rep.longrepr[0]), rep.longrepr[1], str(rep.longrepr[2])]
    if hasattr(rep, "wasxfail"):
        out["wasxfail"] = str(rep.wasxfail)
    if rep.sections:
        out["sections"] = spill.sections(rep.sections) if spill else [[name, content] for name, content in rep.sections]
    if rep.user_properties:
        out["props"] = [[str(k), v] for k, v in rep.user_properties]
        # str() of each value, as the JUnit file writes it (JSON loses 2.0 vs 2, repr vs str).
        out["prop_text"] = [str(v) for _, v in rep.user_properties]
    return out


def encode_collect(config, rep):
    """A collect report that did not pass: a collection error or a module-level skip."""
    out = {"nodeid": rep.nodeid, "outcome": rep.outcome, "longrepr": rep.longreprtext}
    if rep.outcome == "failed":
        out["term"] = _render(rep)
        crash = getattr(rep.longrepr, "reprcrash", None)
        if crash is not None:
            out["crash"] = crash.message
    skip = _skip_location(config, rep)
    if skip is not None:
        out["skip"] = skip
    return out


_PLAIN_PASS = (
    {"when": "setup", "outcome": "passed"},
    {"when": "call", "outcome": "passed", "cat": "passed", "letter": ".", "word": "PASSED"},
    {"when": "teardown", "outcome": "passed"},
)


def is_plain_pass(encoded):
    """Whether these are three passing phases that carry nothing but their durations."""
    if len(encoded) != len(_PLAIN_PASS):
        return False
    for rep, plain in zip(encoded, _PLAIN_PASS):
        if len(rep) != len(plain) + 1:  # + "dur"
            return False
        for key, value in plain.items():
            if rep.get(key) != value:
                return False
    return True


def warning_text(warning_message):
    """A warning as pytest's warnings summary prints it."""
    try:
        from _pytest.warnings import warning_record_to_str
    except ImportError:
        return str(warning_message.message)
    return warning_record_to_str(warning_message)


def warning_message(config, msg, when, nodeid, location):
    where = nodeid
    if not where and location:
        try:
            where = "%s:%s" % (os.path.relpath(location[0], str(config.invocation_params.dir)), location[1])
        except (TypeError, ValueError):
            where = ""
    return {
        "t": "warning",
        "nodeid": where,
        "when": when,
        "message": warning_text(msg),
        "category": msg.category.__name__,
        "filename": str(msg.filename),
        "lineno": msg.lineno,
    }


def interruption(exc_info, full):
    """A KeyboardInterrupt or pytest.exit as pytest's terminal reporter
    shows it: (its title, "KeyboardInterrupt" or "_pytest.outcomes.Exit:
    bye"; where it found the test, "path:line: KeyboardInterrupt"; with
    full (--full-trace), the whole traceback). Only the line by default:
    rendering the traceback costs the worker time a CI system's SIGKILL
    may not leave it."""
    try:
        from _pytest._code import ExceptionInfo

        excinfo = ExceptionInfo.from_exc_info(exc_info)
        crash = excinfo._getreprcrash()  # what getrepr().reprcrash is
        if crash is None:
            return "KeyboardInterrupt", "KeyboardInterrupt", ""
        where = "%s:%d: %s" % (crash.path, crash.lineno, crash.message)
        return crash.message, where, str(excinfo.getrepr(funcargs=True)) if full else ""
    except Exception:  # a courtesy: never fail the worker's end over it
        return "KeyboardInterrupt", "KeyboardInterrupt", ""


# The attributes of a TestReport that pytest itself sets.
_OWN_FIELDS = frozenset(
    ("nodeid", "location", "keywords", "outcome", "longrepr", "when", "user_properties", "sections", "duration", "start", "stop")
)


def for_controller(config, item, reps, plain):
    """One test's reports as the controller's hooks receive them, as
    pytest-xdist sends them: pytest's serialisable form. A plain pass that no
    plugin added to travels as its keywords and the three phases' durations
    (and start and stop times, pytest 7.3 on), from which the controller
    makes the same reports."""
    out = {"nodeid": item.nodeid, "location": list(item.location)}
    if plain and all(_OWN_FIELDS.issuperset(r.__dict__) for r in reps):
        out["kw"] = list(reps[0].keywords)
        out["times"] = [[r.duration, getattr(r, "start", None), getattr(r, "stop", None)] for r in reps]
        return out
    out["reports"] = [_cut_sections(config.hook.pytest_report_to_serializable(config=config, report=r)) for r in reps]
    return out


def _cut_sections(data):
    """A report's captured sections for the controller, each past
    capture.SPILL_AT cut to its two ends: a test that printed a gigabyte
    must not send it through shoal's memory a second time. The full text
    goes to shoal's own report (capture.Spill)."""
    if not isinstance(data, dict):
        return data
    if data.get("sections"):
        data["sections"] = [[name, _cut(text)] for name, text in data["sections"]]
    longrepr = data.get("longrepr")
    if isinstance(longrepr, dict) and longrepr.get("sections"):
        # A failure's repr repeats them, with their separators.
        longrepr["sections"] = [[s[0], _cut(s[1])] + list(s[2:]) for s in longrepr["sections"]]
    return data


def _cut(text):
    keep = SPILL_AT // 2
    if not isinstance(text, str) or len(text) <= SPILL_AT:
        return text
    return "%s\n[... %d characters cut by shoal ...]\n%s" % (text[:keep], len(text) - 2 * keep, text[-keep:])
