#!/usr/bin/env bash
# Throughput of the Beam encode pipeline on the Prism runner against
# cmd/encode, on the 20 Newsgroups test documents (V=1995, one tanh layer of
# 500 units, K=50: the weights of bench/encode.sh), timed from outside as
# whole processes, interleaved (farm-bench A B A B …), and checked to write
# the same bytes.
#
#   bench/beam.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
[ -f "$D/test.feat" ] || D=shared/data/20news
[ -f "$D/test.feat" ] || { echo "beam.sh: 20 Newsgroups not found; set AMVI_20NEWS" >&2; exit 1; }
runs=${1:-5}
out=$PWD/runs/bench-beam
mkdir -p "$out"
model=$out/model.safetensors
data=$(cd "$D" && pwd)/test.feat
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

[ -f "$model" ] || go test -run '^$' -bench '^BenchmarkSingle$' -benchtime 1x ./encoder -args -bench-checkpoint "$model" >/dev/null
go build -o "$out/encode" ./cmd/encode
(cd beam && go build -o "$out/amvi-beam" ./cmd/amvi-beam)

"$out/encode" -checkpoint "$model" -data "$data" -out "$out/encode.jsonl"
"$out/amvi-beam" -job encode -input "$data" -checkpoint "$model" -output "$out/codes" -shards 1 --runner=prism 2>/dev/null
cmp "$out/encode.jsonl" "$out/codes/test.feat-00000-of-00001.jsonl"
echo "same bytes: $(wc -l <"$out/encode.jsonl") lines"

farm-bench -n "$runs" --timeout 1200 \
	--vs "$out/encode -checkpoint $model -data $data -out $out/encode.jsonl" \
	-- "$out/amvi-beam" -job encode -input "$data" -checkpoint "$model" -output "$out/codes" -shards 1 --runner=prism
