#!/usr/bin/env bash
# Sets up everything and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
source scripts/env.sh
export SHOAL_REQUIRE_PYTEST=1
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change: $unformatted" >&2
	exit 1
fi
go vet -tags integration ./... # every file, those behind the tag too
# Unit tests first: seconds, no pytest, no shoal binary; then the plugin's
# own, which read the protocol table the Go tests read, and the benchmark
# scripts' own.
go test -count=1 ./...
"$SHOAL_PYTHON" -m pytest -q -p no:cacheprovider plugin/tests bench/tests
# Then everything, with the tests that run real pytest and the shoal binary
# (integration/ and a few beside the code they check), behind the
# integration build tag.
go test -count=1 -timeout 30m -tags integration ./...
# A few seconds of fuzzing on every run: the decoder of the plugin's messages
# and the pyproject.toml loader must turn any input into a result or an error.
go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 3s ./protocol/
go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 3s ./config/
