#!/usr/bin/env bash
# The training defaults of issue 12 part 6, measured: each named setting
# (learning rate, schedule, warm-up, budget) trained on a corpus (synth4k:
# the default synthetic corpus, 4,000 documents; synth100k: the same model's
# corpus with 100,000; 20news), with each corpus's model (synthetic: the
# defaults of cmd/train's synthetic run, K=12 and an encoder 200→100→12,
# but K=8 for the settings that pin the training of before issue 12; 20
# Newsgroups: the default), the best validation
# checkpoint evaluated on the test split, one line appended to
# bench/defaults.jsonl.
#
#   bench/defaults.sh CORPUS SETTING[@SEED]...     runs/defaults/CORPUS-SETTING holds each run
#
# Runs under nice -n 19. AMVI_20NEWS names the data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
out=runs/defaults
mkdir -p "$out"
# built aside and renamed, so that a run in flight keeps its binary
go build -o "$out/train.$$" ./cmd/train
mv -f "$out/train.$$" "$out/train"
corpus=$1
shift
case $corpus in
synth4k) data="" old="-K 8 -hidden 100" ;;
synth100k) data="-synthetic-docs 100000" old="-K 8 -hidden 100" ;;
20news) data="-train $D/train.feat -vocab $D/vocab.new -test $D/test.feat" old="" ;;
*) echo "unknown corpus $corpus" >&2; exit 2 ;;
esac

# Every setting but "default" pins the training settings of before issue
# 12 that it does not change (the recorded flags are the rest), and the
# synthetic corpora's model of then (K=8). Settings named default*, K<n>*
# and unscaled change the defaults in the flags shown and pin nothing.
pin="$old -samples 8 -prior fixed -estimator rloo -batch 64 -warmup 0 -alpha 0.5 -lr-scaling none"

setting() {
	case $1 in
	default) echo "" ;; # the defaults of the code as it is (K=12, -prior learned)
	# the defaults before K=12 and the learned prior
	K8fixed) echo "-K 8 -prior fixed" ;;
	unscaled) echo "-K 8 -prior fixed -lr-scaling none" ;; # and before -lr-scaling fan-in
	K8fixed-w2000) echo "-K 8 -prior fixed -warmup 2000" ;;
	K8fixed-b32) echo "-K 8 -prior fixed -batch 32" ;;
	K12fixed) echo "-K 12 -prior fixed" ;;
	K8learned) echo "-K 8 -prior learned" ;;
	K10learned) echo "-K 10 -prior learned" ;;
	K12learned) echo "-K 12 -prior learned" ;; # the defaults since
	lr1e-3) echo "-epochs 0 -steps 16000 -lr 1e-3 -lr-schedule cosine" ;;
	lr1e-3w500) echo "-epochs 0 -steps 16000 -lr 1e-3 -lr-schedule cosine -warmup 500" ;;
	lr3e-3) echo "-epochs 0 -steps 16000 -lr 3e-3 -lr-schedule cosine" ;;
	lr3e-3w500) echo "-epochs 0 -steps 16000 -lr 3e-3 -lr-schedule cosine -warmup 500" ;;
	lr1e-2) echo "-epochs 0 -steps 16000 -lr 1e-2 -lr-schedule cosine" ;;
	lr1e-3s48k) echo "-epochs 0 -steps 48000 -lr 1e-3 -lr-schedule cosine" ;;
	lr3e-3s48k) echo "-epochs 0 -steps 48000 -lr 3e-3 -lr-schedule cosine" ;;
	lr1e-3s4k) echo "-epochs 0 -steps 4000 -lr 1e-3 -lr-schedule cosine" ;;
	lr5e-4const) echo "-epochs 0 -steps 16000 -lr 5e-4 -lr-schedule constant" ;;
	lr3e-3w2000) echo "-epochs 0 -steps 16000 -lr 3e-3 -lr-schedule cosine -warmup 2000" ;;
	lr1e-2w500) echo "-epochs 0 -steps 16000 -lr 1e-2 -lr-schedule cosine -warmup 500" ;;
	lr1e-2w2000) echo "-epochs 0 -steps 16000 -lr 1e-2 -lr-schedule cosine -warmup 2000" ;;
	lr1e-3w2000) echo "-epochs 0 -steps 16000 -lr 1e-3 -lr-schedule cosine -warmup 2000" ;;
	K12lr3e-3w500) echo "-epochs 0 -steps 16000 -lr 3e-3 -lr-schedule cosine -warmup 500 -K 12" ;;
	K12lr1e-2w500) echo "-epochs 0 -steps 16000 -lr 1e-2 -lr-schedule cosine -warmup 500 -K 12" ;;
	K12lr1e-3w500) echo "-epochs 0 -steps 16000 -lr 1e-3 -lr-schedule cosine -warmup 500 -K 12" ;;
	lr1e-2w2000s48k) echo "-epochs 0 -steps 48000 -lr 1e-2 -lr-schedule cosine -warmup 2000" ;;
	lr3e-3w2000s48k) echo "-epochs 0 -steps 48000 -lr 3e-3 -lr-schedule cosine -warmup 2000" ;;
	lr1e-2w2000seed2) echo "-epochs 0 -steps 16000 -lr 1e-2 -lr-schedule cosine -warmup 2000 -seed 2" ;;
	lr1e-2w2000seed3) echo "-epochs 0 -steps 16000 -lr 1e-2 -lr-schedule cosine -warmup 2000 -seed 3" ;;
	lr3e-2w2000) echo "-epochs 0 -steps 16000 -lr 3e-2 -lr-schedule cosine -warmup 2000" ;;
	h500lr1e-3) echo "-epochs 0 -steps 16000 -lr 1e-3 -lr-schedule cosine -hidden 500" ;;
	h500lr3e-3w500) echo "-epochs 0 -steps 16000 -lr 3e-3 -lr-schedule cosine -warmup 500 -hidden 500" ;;
	h500lr1e-2w2000) echo "-epochs 0 -steps 16000 -lr 1e-2 -lr-schedule cosine -warmup 2000 -hidden 500" ;;
	lr1e-3e100) echo "-epochs 100 -lr 1e-3 -lr-schedule cosine" ;;
	old) echo "-epochs 40 -lr 3e-3 -lr-schedule constant" ;;
	*) echo "unknown setting $1" >&2; return 2 ;;
	esac
}

for name in "$@"; do
	# NAME@SEED: the setting with -seed SEED
	f=$(setting "${name%@*}")
	[[ $name == *@* ]] && f="$f -seed ${name#*@}"
	p=$pin
	[[ ${name%@*} == default* || ${name%@*} == unscaled || ${name%@*} == K[0-9]* ]] && p=""
	dir=$out/$corpus-$name
	load=$(cut -d' ' -f1 /proc/loadavg)
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %U %S' -o "$dir.time" nice -n 19 "$out/train" $data $p $f -dtype float64 -log-every 0 -overwrite -out "$dir" >"$dir.eval.txt" 2>"$dir.log"
	load2=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/python3 - "$corpus" "$name" "$f" "$dir" "$load" "$load2" >>bench/defaults.jsonl <<'PY'
import json, re, sys
corpus, name, flags, d, l1, l2 = sys.argv[1:]
ms = [json.loads(l) for l in open(d + "/metrics.jsonl")]
best = max((m for m in ms if "valid_elbo" in m), key=lambda m: m["valid_elbo"])
ev = json.load(open(d + "/eval.json"))
txt = open(d + ".eval.txt").read()
truth = re.search(r"true log p\(x\) per document\s+(-?[0-9.]+)", txt)
wall, user, sys_ = (float(x) for x in open(d + ".time").read().split()[-3:])
r = {"corpus": corpus, "name": name, "flags": flags, "epochs": ms[-1]["epoch"], "steps": ms[-1]["step"],
    "best_epoch": best["epoch"], "best_step": best["step"],
    "valid_elbo": round(best["valid_elbo"], 2), "valid_perplexity": round(best["valid_perplexity"], 1),
    "test_elbo": round(ev["elbo_per_doc"], 2), "test_perplexity": round(ev["perplexity"], 1),
    "test_iw": round(ev["iw_per_doc"], 2), "test_iw_perplexity": round(ev["iw_perplexity"], 1)}
if ev.get("exact_logp_per_doc"):
    r["test_exact_logp"] = round(ev["exact_logp_per_doc"], 2)
    r["test_exact_elbo"] = round(ev["exact_elbo_per_doc"], 2)
if truth:
    r["truth"] = float(truth.group(1))
    r["iw_minus_truth"] = round(ev["iw_per_doc"] - float(truth.group(1)), 2)
r.update({"wall_s": round(wall), "cpu_s": round(user + sys_), "load": [float(l1), float(l2)]})
print(json.dumps(r))
PY
	tail -1 bench/defaults.jsonl
done
