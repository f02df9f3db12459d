#!/usr/bin/env bash
# The networkx benchmark for a many-core machine (sized for 16 cores) without network.
#
#   bench/manycore.sh SHOAL_BINARY OUT_DIR [compare.py options...]
#
# Needs only what is here: compare.py and its modules next to this script, a
# python3 with pytest, pytest-xdist and networkx ($SHOAL_PYTHON, default
# /usr/bin/python3) and a prebuilt shoal binary. Nothing is built or downloaded.
# Runs serial pytest, xdist --dist load, xdist --dist worksteal (when the
# installed xdist has it) and shoal on `--pyargs networkx` with 8 workers,
# bytecode on, and writes results.md, runs.json, every log and console.log
# into OUT_DIR. Extra options go to compare.py and win over the defaults below
# (the last one given counts), e.g. --rounds 2, --workers 16, --python PY.
#
# Time budget, ~9 minutes where serial takes ~130 s: 3 full rounds would take
# ~12 minutes (3 x (130 + 45 + 42 + 25) s), so serial, the longest and least
# noisy run (one process, no scheduling), runs in round 1 only and the others
# in all 3 rounds: ~15 s warm-up + 130 + 3 x 112 s = ~8 minutes. --deadline 510
# skips a round that, judging by the one before, would end after 8.5 minutes;
# results.md then says so.
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 SHOAL_BINARY OUT_DIR [compare.py options...]" >&2
	exit 2
fi
shoal=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
python=${SHOAL_PYTHON:-/usr/bin/python3}

if [ ! -x "$shoal" ]; then
	echo "manycore: $shoal is not an executable shoal binary" >&2
	echo "hint: build one with 'go build -o shoal ./cmd/shoal' in the repository" >&2
	exit 2
fi
if ! "$python" -c 'import pytest, xdist, networkx' 2>/dev/null; then
	echo "manycore: $python cannot import pytest, xdist and networkx" >&2
	echo "hint: set SHOAL_PYTHON to an interpreter that has them" >&2
	exit 2
fi

mkdir -p "$out"
"$python" "$here/compare.py" --suite networkx --workers 8 --rounds 3 --serial-rounds 1 \
	--bytecode on --deadline 510 --runners serial,xdist-load,xdist-worksteal,shoal \
	--shoal "$shoal" --python "$python" --out "$out" "$@" 2>&1 | tee "$out/console.log"
