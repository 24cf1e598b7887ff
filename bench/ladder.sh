#!/usr/bin/env bash
# The inference ladder on the default synthetic corpus (issue 12): each
# method trained with the default settings of `go run ./cmd/train`, its best
# validation checkpoint evaluated on the 1,000 test documents (exact
# log p_θ(x) and ELBO, the 20-code ELBO estimate, the ELBO refined by 50
# steps, the IW bound with 100 samples); one line per method appended to
# bench/ladder.jsonl.
#
#   bench/ladder.sh [NAME...]     names: em exact rloo vimco disarm nvil (default: all)
#
# Runs under nice -n 19.
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/ladder
mkdir -p "$out"
# built aside and renamed, so that a run in flight keeps its binary
go build -o "$out/train.$$" ./cmd/train
mv -f "$out/train.$$" "$out/train"
names=${*:-em exact rloo vimco disarm nvil}
for name in $names; do
	case $name in
	em) f="-objective em" ;;
	exact | rloo | vimco | disarm | nvil) f="-estimator $name" ;;
	*) echo "unknown method $name" >&2; exit 2 ;;
	esac
	dir=$out/$name
	load=$(cut -d' ' -f1 /proc/loadavg)
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %U %S' -o "$dir.time" nice -n 19 "$out/train" $f -dtype float64 -refine 50 -log-every 0 -overwrite -out "$dir" >"$dir.eval.txt" 2>"$dir.log"
	load2=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/python3 - "$name" "$f" "$dir" "$load" "$load2" >>bench/ladder.jsonl <<'PY'
import json, re, sys
name, flags, d, l1, l2 = sys.argv[1:]
ms = [json.loads(l) for l in open(d + "/metrics.jsonl")]
best = max((m for m in ms if "valid_elbo" in m), key=lambda m: m["valid_elbo"])
ev = json.load(open(d + "/eval.json"))
truth = float(re.search(r"true log p\(x\) per document\s+(-?[0-9.]+)", open(d + ".eval.txt").read()).group(1))
wall, user, sys_ = (float(x) for x in open(d + ".time").read().split()[-3:])
print(json.dumps({"name": name, "flags": flags, "steps": ms[-1]["step"], "epochs": ms[-1]["epoch"],
    "best_epoch": best["epoch"], "best_step": best["step"], "truth": truth,
    "exact_logp": ev["exact_logp_per_doc"], "exact_elbo": ev["exact_elbo_per_doc"],
    "elbo": ev["elbo_per_doc"], "elbo_mc_se": ev["elbo_mc_se"], "refined_elbo": ev["refined_elbo_per_doc"],
    "iw": ev["iw_per_doc"], "iw_minus_truth": ev["iw_per_doc"] - truth,
    "wall_s": round(wall), "cpu_s": round(user + sys_), "load": [float(l1), float(l2)]}))
PY
	tail -1 bench/ladder.jsonl
done
