#!/usr/bin/env bash
# The corpus benchmark: the installed test suites of libraries nobody here
# wrote (networkx, scikit-learn's linear_model, cluster and preprocessing, mpmath, bs4;
# the list is in corpus.py), each run by serial pytest, pytest-xdist and shoal,
# side by side, with every run's per-test outcomes checked against serial
# pytest's.
#
#   bench/corpus.sh SHOAL_BINARY OUT_DIR [corpus.py run options...]
#
# Needs only what is here, and no network: corpus.py, compare.py and their
# modules next to this script, a python3 with pytest, pytest-xdist and the
# libraries ($SHOAL_PYTHON, default /usr/bin/python3) and a prebuilt shoal
# binary. Libraries the interpreter cannot import are listed as such and
# skipped. Writes one folder per library (compare.py's results.md, runs.json
# and logs), corpus.md and corpus.json (the table) and console.log into OUT_DIR.
#
# Defaults: workers = CPUs, at most 8; 3 rounds; serial pytest, every --dist
# mode the installed xdist has, shoal. Options after OUT_DIR go to
# `corpus.py run`, e.g. --only sklearn.linear_model,networkx, --rounds 2,
# --serial-rounds 1, --runners serial,xdist-worksteal,shoal, and --deadline S
# to fit a fixed time budget: each library gets what is left of S seconds
# (compare.py stops before a round that would end later, and kills a run
# still going then), and no library starts with under --min-left seconds left.
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 SHOAL_BINARY OUT_DIR [corpus.py run options...]" >&2
	exit 2
fi
shoal=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
python=${SHOAL_PYTHON:-/usr/bin/python3}

if [ ! -x "$shoal" ]; then
	echo "corpus: $shoal is not an executable shoal binary" >&2
	echo "hint: build one with 'go build -o bin/shoal ./cmd/shoal' in the repository" >&2
	exit 2
fi
if ! "$python" -c 'import pytest, xdist' 2>/dev/null; then
	echo "corpus: $python cannot import pytest and xdist" >&2
	echo "hint: set SHOAL_PYTHON to an interpreter that has them" >&2
	exit 2
fi

mkdir -p "$out"
set +e
"$python" "$here/corpus.py" run --shoal "$(cd "$(dirname "$shoal")" && pwd)/$(basename "$shoal")" \
	--python "$python" --out "$out" "$@" 2>&1 | tee "$out/console.log"
exit "${PIPESTATUS[0]}"
