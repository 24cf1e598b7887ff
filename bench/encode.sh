#!/usr/bin/env bash
# Inference speed of a trained encoder on the 20 Newsgroups test documents
# (V=1995, one tanh layer of 500 units, K=50, float64): package encoder's
# sparse forward pass against the dense Gorgonia forward pass of the same
# weights (go test -bench ./encoder) and against PyTorch's dense forward
# pass (bench/encode_torch.py), all in one run on this machine, with the
# ratios. It also checks that torch's probabilities match cmd/encode's.
#
#   bench/encode.sh [count]     # count: runs of each Go benchmark (median reported)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
[ -f "$D/test.feat" ] || D=shared/data/20news
[ -f "$D/test.feat" ] || { echo "encode.sh: 20 Newsgroups not found; set AMVI_20NEWS" >&2; exit 1; }
count=${1:-5}
out=runs/bench-encode
mkdir -p "$out"
model=$PWD/$out/model.safetensors
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The Go benchmarks write their model (the weights training starts from) for
# torch and cmd/encode.
go test -run '^$' -bench '^Benchmark(Single|Batch)$' -benchtime 2s -count "$count" ./encoder \
	-args -bench-checkpoint "$model" | tee "$out/go.txt"
go run ./cmd/encode -checkpoint "$model" -data "$D/test.feat" -skip-empty -probs >"$out/encode.jsonl"
/usr/bin/python3 bench/encode_torch.py --checkpoint "$model" --data "$D/test.feat" --check "$out/encode.jsonl" | tee "$out/torch.txt"

/usr/bin/python3 - "$out/go.txt" "$out/torch.txt" "$(nproc)" <<'EOF'
import re, statistics, sys

go = {}  # benchmark -> list of {unit: value}
for line in open(sys.argv[1]):
    m = re.match(r"Benchmark(\S+?)-\d+\s+\d+\s+(.*)", line)
    if m:
        pairs = re.findall(r"([\d.]+) (\S+)", m[2])
        go.setdefault(m[1], []).append({unit: float(v) for v, unit in pairs})
torch = {}
for line in open(sys.argv[2]):
    m = re.match(r"(torch-\S+) threads=(\d+) docs/s=([\d.]+) us/doc=([\d.]+)", line)
    if m:
        torch[m[1]] = (float(m[3]), float(m[4]), int(m[2]))
cores = int(sys.argv[3])

def med(name, unit):
    return statistics.median(r[unit] for r in go[name])

runs = len(go["Single/sparse-buffers"])
print()
print(f"{'':34} {'docs/s':>9} {'µs/doc':>8} {'CPU µs/doc':>10} {'allocs/op':>9}   (Go: medians of {runs} runs)")
for name in go:
    print(f"{'amvi ' + name:34} {med(name, 'docs/s'):9.0f} {med(name, 'µs/doc'):8.2f} "
          f"{med(name, 'cpu-µs/doc'):10.2f} {max(r['allocs/op'] for r in go[name]):9.0f}")
for name, (rate, us, threads) in torch.items():
    print(f"{name + f' ({threads} threads)':34} {rate:9.0f} {us:8.2f}")
single = med("Single/sparse-buffers", "µs/doc")
batch = med("Batch/sparse-all-cores", "docs/s")
tb, tt = torch["torch-batch-best"][0], torch["torch-batch-best"][2]
print()
print(f"single document: sparse {single:.2f} µs, {med('Single/gorgonia-dense', 'µs/doc') / single:.1f}× faster than "
      f"Gorgonia dense, {torch['torch-single'][1] / single:.0f}× faster than a one-row PyTorch call")
print(f"batch on all {cores} cores: sparse {batch:.0f} docs/s, {batch / med('Batch/gorgonia-dense-256', 'docs/s'):.1f}× "
      f"Gorgonia dense (batches of 256), {batch / tb:.1f}× PyTorch dense (one batch, {tt} threads)")
cpu = med("Batch/sparse-all-cores", "cpu-µs/doc")
print(f"CPU time per document on all cores: {cpu:.2f} µs, so {cores} otherwise idle cores would give "
      f"{cores * 1e6 / cpu:.0f} docs/s (the wall-clock rate above is lower when other jobs share the cores)")
EOF
