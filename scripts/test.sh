#!/usr/bin/env bash
# The project's test command: formatting, vet, and the whole test suite under
# the race detector. The README and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."

go mod download
go build ./...

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi

go vet ./...
go test -race -timeout 15m ./...
