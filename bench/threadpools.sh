#!/usr/bin/env bash
# Thread pools side by side: shoal with --thread-pools auto (each worker's
# numerical libraries get CPUs / workers threads) against inherit (every
# worker's pools as large as the machine), on a generated suite of matrix
# products that numpy hands to its BLAS.
#
#   bench/threadpools.sh SHOAL_BINARY OUT_DIR [ROUNDS] [WORKERS]
#
# Needs a python3 with pytest and numpy ($SHOAL_PYTHON, default
# /usr/bin/python3). Bytecode on, as compare.py's default. Prints each run
# and the medians, and writes them to OUT_DIR/results.txt.
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 SHOAL_BINARY OUT_DIR [ROUNDS] [WORKERS]" >&2
	exit 2
fi
shoal=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
rounds=${3:-5}
workers=${4:-2}
python=${SHOAL_PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import pytest, numpy' 2>/dev/null; then
	echo "threadpools: $python cannot import pytest and numpy" >&2
	echo "hint: set SHOAL_PYTHON to an interpreter that has them" >&2
	exit 2
fi

mkdir -p "$out/suite"
cd "$out/suite"
printf '[pytest]\n' >pytest.ini
cat >test_matmul.py <<'PY'
import numpy as np
import pytest


@pytest.mark.parametrize("n", range(40))
def test_matmul(n):
    a = np.random.default_rng(n).standard_normal((400, 400))
    for _ in range(12):
        a = a @ a
        a /= np.abs(a).max()
    assert np.isfinite(a).all()
PY
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="$out/pycache"
"$python" -m pytest -q -p no:cacheprovider --co >/dev/null

timed() {
	local start end
	start=$(date +%s.%N)
	"$@" >"$out/last.log" 2>&1 || { cat "$out/last.log" >&2; exit 1; }
	end=$(date +%s.%N)
	"$python" -c "print(round($end - $start, 3))"
}

: >"$out/runs.txt"
for r in $(seq "$rounds"); do
	for kind in auto inherit serial; do
		if [ "$kind" = serial ]; then
			s=$(timed "$python" -m pytest -q -p no:cacheprovider)
		else
			s=$(timed "$shoal" run -n "$workers" --python "$python" -q --thread-pools "$kind" -- -p no:cacheprovider)
		fi
		echo "round $r $kind $s" | tee -a "$out/runs.txt"
	done
done
"$python" - "$out/runs.txt" "$(nproc)" "$workers" <<'PY' | tee "$out/results.txt"
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, _, kind, seconds = line.split()
    runs.setdefault(kind, []).append(float(seconds))
med = {k: statistics.median(v) for k, v in runs.items()}
print(f"{sys.argv[2]} CPUs, {sys.argv[3]} workers, {len(runs['auto'])} rounds, medians:")
for k in ("serial", "inherit", "auto"):
    print(f"  {k:8} {med[k]:7.2f} s  (min {min(runs[k]):.2f}, max {max(runs[k]):.2f})")
print(f"  inherit / auto: {med['inherit'] / med['auto']:.2f}x")
PY
