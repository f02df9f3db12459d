# Sourced by the other scripts: Go on PATH, and Debian's Python, which has pytest.
export PATH="$PATH:/usr/local/go/bin"
export SHOAL_PYTHON="${SHOAL_PYTHON:-/usr/bin/python3}"
