#!/usr/bin/env bash
# Inference speed of an encoder of the default architecture (V=1995, one
# tanh layer of 500 units, K=50, float64; the weights training starts
# from, which run as fast as trained ones):
#
#  1. package encoder's sparse forward pass on the 20 Newsgroups test
#     documents against the dense Gorgonia forward pass of the same weights
#     (go test -bench ./encoder) and against PyTorch's dense forward pass
#     (bench/encode_torch.py), with the ratios; it also checks that torch's
#     probabilities match cmd/encode's;
#  2. the whole cmd/encode process, reading, parsing, encoding on all cores
#     and formatting, on 150k documents (the 20 Newsgroups training and test
#     files eight times over: 149,976 lines, 49 MB) written to a file, for
#     the default output and the others, each run count times in turn:
#     documents per second of wall time (the median) and CPU time per
#     document. The default is also run on one core (GOMAXPROCS=1): on a
#     machine shared with other jobs, which is this project's, that figure
#     moves less than the one on all cores.
#
# PyTorch's part is left out when /usr/bin/python3 lacks torch or numpy.
#
#   bench/encode.sh [count] [all|process]   # count: runs of each (median reported);
#                                           # process: only part 2
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
[ -f "$D/test.feat" ] || D=shared/data/20news
[ -f "$D/test.feat" ] || { echo "encode.sh: 20 Newsgroups not found; set AMVI_20NEWS" >&2; exit 1; }
count=${1:-5}
part=${2:-all}
out=runs/bench-encode
mkdir -p "$out"
model=$PWD/$out/model.safetensors
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The Go benchmarks write their model (the weights training starts from) for
# torch and cmd/encode.
if [ "$part" = process ]; then
	go test -run '^$' -bench '^BenchmarkSingle$/^sparse-buffers$' -benchtime 1x ./encoder \
		-args -bench-checkpoint "$model" >/dev/null
else
	go test -run '^$' -bench '^Benchmark(Single|Batch)$' -benchtime 2s -count "$count" ./encoder \
		-args -bench-checkpoint "$model" | tee "$out/go.txt"
	: >"$out/torch.txt"
	if /usr/bin/python3 -c 'import numpy, torch' 2>/dev/null; then
		go run ./cmd/encode -checkpoint "$model" -data "$D/test.feat" -skip-empty -probs >"$out/encode.jsonl"
		/usr/bin/python3 bench/encode_torch.py --checkpoint "$model" --data "$D/test.feat" --check "$out/encode.jsonl" | tee "$out/torch.txt"
	else
		echo "encode.sh: /usr/bin/python3 has no torch or numpy: PyTorch's part is left out"
	fi
	summary=1
fi

[ -z "${summary:-}" ] || /usr/bin/python3 - "$out/go.txt" "$out/torch.txt" "$(nproc)" <<'EOF'
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
print()
line = f"single document: sparse {single:.2f} µs, {med('Single/gorgonia-dense', 'µs/doc') / single:.1f}× faster than Gorgonia dense"
if torch:
    line += f", {torch['torch-single'][1] / single:.0f}× faster than a one-row PyTorch call"
print(line)
line = (f"batch on all {cores} cores: sparse {batch:.0f} docs/s, "
        f"{batch / med('Batch/gorgonia-dense-256', 'docs/s'):.1f}× Gorgonia dense (batches of 256)")
if torch:
    tb, tt = torch["torch-batch-best"][0], torch["torch-batch-best"][2]
    line += f", {batch / tb:.1f}× PyTorch dense (one batch, {tt} threads)"
print(line)
cpu = med("Batch/sparse-all-cores", "cpu-µs/doc")
print(f"CPU time per document on all cores: {cpu:.2f} µs, so {cores} otherwise idle cores would give "
      f"{cores * 1e6 / cpu:.0f} docs/s (the wall-clock rate above is lower when other jobs share the cores)")
EOF

# The whole process on 150k documents.
big=$out/news150k.feat
[ -f "$big" ] || for _ in 1 2 3 4 5 6 7 8; do cat "$D/train.feat" "$D/test.feat"; done >"$big"
go build -o "$out/encode" ./cmd/encode
echo
echo "cmd/encode, whole process, on $big: load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$out/encode" "$model" "$big" "$out/codes" "$count" <<'EOF'
import os, resource, statistics, subprocess, sys, time

exe, model, data, dst, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
docs = sum(1 for _ in open(data, "rb"))
settings = [("default: index, code, hex", []), ("default, on one core", ["GOMAXPROCS=1"]),
            ("-csv", ["-csv"]), ("-label", ["-label"]),
            ("-probs (17 digits at most)", ["-probs"]), ("-probs -digits 4", ["-probs", "-digits", "4"])]
wall = {name: [] for name, _ in settings}
cpu = {name: [] for name, _ in settings}
size = {}
for _ in range(runs):  # the settings in turn, so that drifts hit all alike
    for name, args in settings:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        env = dict(os.environ, **dict(a.split("=", 1) for a in args if "=" in a))
        flags = [a for a in args if "=" not in a]
        subprocess.run([exe, "-checkpoint", model, "-data", data, "-out", dst] + flags, env=env, check=True)
        wall[name].append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        size[name] = os.path.getsize(dst)
os.remove(dst)
print(f"{'output':28} {'docs/s':>9} {'wall s':>7} {'CPU µs/doc':>10} {'bytes/doc':>9}   ({docs} documents, medians of {runs} runs)")
for name, _ in settings:
    w, c = statistics.median(wall[name]), statistics.median(cpu[name])
    print(f"{name:28} {docs / w:9.0f} {w:7.3f} {c / docs * 1e6:10.2f} {size[name] / docs:9.1f}")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
