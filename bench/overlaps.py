#!/usr/bin/env python3
"""Check a shoal run record: no exclusive test overlaps another test, and no
two tests holding the same resource key overlap on different workers.

    overlaps.py RECORD.json

Prints what overlaps and exits 1 if anything does; prints a summary otherwise.
"""

import json
import sys


def overlaps(tests):
    out = []
    spans = sorted(tests, key=lambda t: t["start"])
    for i, a in enumerate(spans):
        for b in spans[i + 1:]:
            if b["start"] >= a["stop"]:
                break
            if a["worker"] == b["worker"]:
                continue
            if a.get("exclusive") or b.get("exclusive"):
                out.append(("exclusive", a, b))
            shared = set(a.get("locks", [])) & set(b.get("locks", []))
            if shared:
                out.append(("lock " + ",".join(sorted(shared)), a, b))
    return out


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    with open(argv[1]) as f:
        rec = json.load(f)
    tests = rec["tests"]
    bad = overlaps(tests)
    for kind, a, b in bad:
        print(f"{kind}: {a['nodeid']} ({a['worker']} {a['start']:.3f}-{a['stop']:.3f}) "
              f"overlaps {b['nodeid']} ({b['worker']} {b['start']:.3f}-{b['stop']:.3f})")
    exclusive = sum(1 for t in tests if t.get("exclusive"))
    print(f"{len(tests)} tests, {exclusive} exclusive, {len(bad)} overlaps")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
