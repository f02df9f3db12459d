"""The plugin's side of the table of protocol messages.

protocol/testdata/messages.json holds a sample of every message each side
sends. protocol's Go tests decode each plugin message and encode each
command; these send and receive the same samples through the plugin's
channel, and read the plugin's sources to check that they send no kind and
no field the table lacks, and handle every command shoal sends.
"""

import ast
import json
from pathlib import Path

import pytest

from shoal_plugin import channel

ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads((ROOT / "protocol" / "testdata" / "messages.json").read_text(encoding="utf-8"))
SOURCES = sorted((ROOT / "plugin" / "shoal_plugin").glob("*.py"))


def _samples(side):
    return pytest.mark.parametrize("sample", TABLE[side], ids=[s["name"] for s in TABLE[side]])


def _read_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        assert chunk, "the channel closed before the end of the line"
        data += chunk
    return data


@_samples("plugin")
def test_plugin_message_is_one_line(pair, sample):
    chan, shoal = pair
    chan.send(sample["message"])
    line = _read_line(shoal)
    assert line.count(b"\n") == 1
    assert json.loads(line) == sample["message"]


def test_shoal_commands_arrive_whole(pair):
    chan, shoal = pair
    commands = [s["message"] for s in TABLE["shoal"]]
    # As shoal's encoder writes them: compact, one per line, several in one
    # write, and the last cut in two.
    wire = b"".join(json.dumps(c, separators=(",", ":")).encode() + b"\n" for c in commands)
    cut = len(wire) - 5
    shoal.sendall(wire[:cut])
    got = [chan.recv() for _ in commands[:-1]]
    assert not chan.has_line()
    shoal.sendall(wire[cut:])
    got.append(chan.recv())
    assert got == commands
    shoal.close()
    assert chan.recv() is None


def test_session_speaks_the_table_version():
    hello = next(s["message"] for s in TABLE["plugin"] if s["message"].get("role") == "controller")
    assert hello["protocol"] == channel.PROTOCOL_VERSION


def _parsed(reading=False):
    """Each plugin module's syntax tree; with reading, only those that read
    shoal's commands from the channel."""
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if not reading or ".recv()" in text:
            yield path.name, ast.parse(text, str(path))


def _messages_in_sources():
    """Each dict literal with a "t" key: (where, kind, its literal keys)."""
    for name, tree in _parsed():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if "t" not in keys:
                continue
            kind = node.values[keys.index("t")]
            assert isinstance(kind, ast.Constant), "%s:%d: a message kind that is not a literal" % (name, node.lineno)
            yield "%s:%d" % (name, node.lineno), kind.value, set(keys)


def test_plugin_sends_only_what_the_table_has():
    fields = {}
    for s in TABLE["plugin"]:
        fields.setdefault(s["message"]["t"], set()).update(s["message"])
    sent = set()
    for where, kind, keys in _messages_in_sources():
        sent.add(kind)
        assert kind in fields, "%s sends %r, which the table lacks" % (where, kind)
        assert keys <= fields[kind], "%s sends %s, which the table's %r lacks" % (where, sorted(keys - fields[kind]), kind)
    assert sent == set(fields), "the table has kinds the plugin never sends"


def _is_kind(node):
    """`kind`, or msg.get("t")."""
    if isinstance(node, ast.Name):
        return node.id == "kind"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == "t"
    )


def test_plugin_handles_every_command():
    handled = set()
    for _, tree in _parsed(reading=True):
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and _is_kind(node.left):
                for op, right in zip(node.ops, node.comparators):
                    if isinstance(op, ast.Eq) and isinstance(right, ast.Constant):
                        handled.add(right.value)
    commands = {s["message"]["t"] for s in TABLE["shoal"]}
    assert commands <= handled, "the plugin does not handle %s" % sorted(commands - handled)


def test_spill(tmp_path):
    """Sections past SPILL_AT go to a file of their own, once per test
    however many reports repeat them; smaller ones travel in the message."""
    from shoal_plugin import capture

    spill = capture.Spill(str(tmp_path / "gw0"))
    big = "x" * (capture.SPILL_AT + 1)
    call = spill.sections([("Captured stdout call", big)])
    teardown = spill.sections([("Captured stdout call", big), ("Captured stderr teardown", "bye\n")])
    name, text, path = call[0]
    assert (name, text) == ("Captured stdout call", "")
    assert Path(path).read_text(encoding="utf-8") == big
    assert teardown == [["Captured stdout call", "", path], ["Captured stderr teardown", "bye\n"]]
    assert len(list(tmp_path.iterdir())) == 1
    spill.next_test()
    assert spill.sections([("Captured stdout call", big)])[0][2] != path
    assert capture.Spill("").sections([("Captured stdout call", big)]) == [["Captured stdout call", big]]


def test_controller_sections_cut():
    """What the controller's hooks get of a section past SPILL_AT is its two
    ends, with how much was cut between them; smaller ones arrive whole."""
    from shoal_plugin import capture, reports

    big = "a" * capture.SPILL_AT + "b" * 10 + "c" * capture.SPILL_AT
    data = reports._cut_sections({"sections": [("Captured stdout call", big), ("Captured log call", "small")]})
    name, text = data["sections"][0]
    assert name == "Captured stdout call"
    assert text.startswith("a" * (capture.SPILL_AT // 2)) and text.endswith("c" * (capture.SPILL_AT // 2))
    assert "[... %d characters cut by shoal ...]" % (len(big) - capture.SPILL_AT) in text
    assert data["sections"][1] == ["Captured log call", "small"]
    failed = reports._cut_sections({"longrepr": {"sections": [("Captured stdout call", big, "-")]}})
    title, text, sep = failed["longrepr"]["sections"][0]
    assert (title, sep) == ("Captured stdout call", "-") and len(text) < len(big)
