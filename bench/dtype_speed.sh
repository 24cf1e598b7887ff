#!/usr/bin/env bash
# float32 against float64 throughput (issue 13 item 1): bench/speed (20
# Newsgroups, K=50, encoder 1995→500→50, batch 64, step + Adam, then eval
# with 100 importance samples on the first 2,000 test documents) at NVIL
# S=1 and RLOO S=8, -dtype float64 and float32 alternating, ROUNDS rounds.
# One JSON line per run, then the float32/float64 ratios of each pair
# (train and eval documents/s, and per CPU second) with their medians.
#
#   bench/dtype_speed.sh [rounds]    (default 3)
#   OUT=dir                          (default /tmp/amvi-dtype-speed)
#   EPOCHS=n                         training epochs timed per run (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/amvi-dtype-speed}
mkdir -p "$OUT"
go build -o "$OUT/speed" ./bench/speed
rounds=${1:-3}
res=$OUT/runs.jsonl
: >"$res"
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
	for conf in "nvil 1" "rloo 8"; do
		set -- $conf
		for dt in float64 float32; do
			line=$("$OUT/speed" -estimator "$1" -samples "$2" -epochs "${EPOCHS:-1}" -eval-docs 2000 -dtype "$dt")
			echo "{\"round\":$r,\"load\":$(cut -d' ' -f1 /proc/loadavg),${line#\{}" | tee -a "$res"
		done
	done
done
python3 - "$res" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for x in runs:
    x["eval_docs_per_cpu_s"] = x["eval_docs"] / x["eval_cpu_seconds"]
for est in ("nvil", "rloo"):
    for key in ("train_docs_per_s", "train_docs_per_cpu_s", "eval_docs_per_s", "eval_docs_per_cpu_s"):
        rs = []
        for r in sorted({x["round"] for x in runs}):
            a = {x["dtype"]: x for x in runs if x["round"] == r and x["estimator"] == est}
            if "float32" in a and "float64" in a:
                rs.append(a["float32"][key] / a["float64"][key])
        if rs:
            print(f"{est} {key} float32/float64: median {statistics.median(rs):.3f} range {min(rs):.3f}-{max(rs):.3f} ({len(rs)} pairs)")
    m = {dt: statistics.median(x["peak_rss_mb"] for x in runs if x["estimator"] == est and x["dtype"] == dt) for dt in ("float64", "float32")}
    print(f"{est} peak RSS MB: float64 {m['float64']:.0f}, float32 {m['float32']:.0f}")
PY
