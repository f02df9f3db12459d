#!/usr/bin/env bash
# Sets up everything, builds shoal and runs it on the bundled example suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
source scripts/env.sh
go build -o bin/shoal ./cmd/shoal
cd examples/basic
exec ../../bin/shoal run -n 2 -v "$@"
