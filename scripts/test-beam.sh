#!/usr/bin/env bash
# Tests the Apache Beam pipelines (the module in beam/) on Beam's Prism
# runner, in process: their outputs must equal cmd/encode's and cmd/eval's
# byte for byte. It is apart from scripts/test.sh because a clean clone
# first downloads Beam's ~300 modules (~870 MB) and builds them (minutes on
# two cores); see docs/distributed.md for the timings.
set -euo pipefail
cd "$(dirname "$0")/../beam"

go mod download
go build ./...
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
go test -timeout 30m ./...
