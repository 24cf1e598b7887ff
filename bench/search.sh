#!/usr/bin/env bash
# The search of issue 12 part 7 on 20 Newsgroups: each named configuration
# is trained (90% of train.feat; 10% held out for validation, which alone
# selects), its best checkpoint evaluated on the test split, and one line
# appended to bench/search.jsonl: name, flags, epochs, best validation
# perplexity and epoch, test ELBO perplexity (20 samples), test IW
# perplexity (when measured), wall and CPU seconds, load average.
#
#   bench/search.sh NAME...          names: see the case below; runs/search/NAME holds each run, NAME.log its log
#
# Training runs under nice -n 19 (the machine is shared). AMVI_20NEWS names
# the data folder (default ../shared/data/20news); AMVI_IW=100 adds the IW
# bound to the test evaluation (0 by default: screening).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
IW=${AMVI_IW:-0}
out=runs/search
mkdir -p "$out"
go build -o "$out/train" ./cmd/train

# Every configuration but "default" and "default-*" is given relative to the default of
# before this search, which pin spells out: the recorded flags are the
# differences from it.
pin="-lr-scaling none -K 50 -hidden 500 -activation tanh -input counts -decoder-hidden none -alpha 0.5 -prior fixed -estimator rloo -samples 8 -batch 64 -steps 0 -warmup 0"
b="-epochs 100 -lr 1e-3 -lr-schedule cosine" # the base of the one-lever screening

flags() { # the flags of a named configuration
	case $1 in
	default) echo "" ;; # the defaults of the code as it is
	default-fixed) echo "-prior fixed" ;; # the defaults with the fixed prior (the default before the learned one)
	# the old default (K=50, 1995→500→50 tanh, linear decoder, RLOO S=8, Adam 5e-4 constant, batch 64)
	old100) echo "-epochs 100 -lr 5e-4 -lr-schedule constant" ;;
	# learning rate and schedule, 100 epochs
	lr1e-3cos100) echo "-epochs 100 -lr 1e-3 -lr-schedule cosine" ;;
	lr2e-3cos100) echo "-epochs 100 -lr 2e-3 -lr-schedule cosine" ;;
	lr5e-4cos100) echo "-epochs 100 -lr 5e-4 -lr-schedule cosine" ;;
	lr1e-3cos200) echo "-epochs 200 -lr 1e-3 -lr-schedule cosine" ;;
	# one lever at a time from lr1e-3cos100
	K100) echo "$b -K 100" ;;
	K200) echo "$b -K 200" ;;
	K30) echo "$b -K 30" ;;
	hid200) echo "$b -hidden 200" ;;
	hid1000) echo "$b -hidden 1000" ;;
	hid500x2) echo "$b -hidden 500,500" ;;
	relu) echo "$b -activation relu" ;;
	log1p) echo "$b -input log1p" ;;
	batch32) echo "$b -batch 32" ;;
	batch128) echo "$b -batch 128" ;;
	dec100) echo "$b -decoder-hidden 100" ;;
	prior) echo "$b -prior learned" ;;
	alpha0.2) echo "$b -alpha 0.2" ;;
	S16) echo "$b -samples 16" ;;
	S4) echo "$b -samples 4" ;;
	vimco) echo "$b -estimator vimco" ;;
	disarm) echo "$b -estimator disarm" ;;
	seed2) echo "$b -seed 2" ;;
	K100S16) echo "$b -K 100 -samples 16" ;;
	K100S16prior) echo "$b -K 100 -samples 16 -prior learned" ;;
	dec500) echo "$b -decoder-hidden 500" ;;
	lr3e-3warm2000) echo "-epochs 100 -lr 3e-3 -lr-schedule cosine -warmup 2000" ;;
	S32) echo "$b -samples 32" ;;
	# combinations
	K100S16priorH1000) echo "$b -K 100 -samples 16 -prior learned -hidden 1000" ;;
	K100S32prior) echo "$b -K 100 -samples 32 -prior learned" ;;
	K100S32) echo "$b -K 100 -samples 32" ;;
	K100S32warm500) echo "$b -K 100 -samples 32 -warmup 500" ;;
	K100S32H1000) echo "$b -K 100 -samples 32 -hidden 1000" ;;
	K100S16H1000) echo "$b -K 100 -samples 16 -hidden 1000" ;;
	K100S16prior150) echo "-epochs 150 -lr 1e-3 -lr-schedule cosine -K 100 -samples 16 -prior learned" ;;
	K150S16prior) echo "$b -K 150 -samples 16 -prior learned" ;;
	warm500) echo "$b -warmup 500" ;;
	lr2e-3warm500) echo "-epochs 100 -lr 2e-3 -lr-schedule cosine -warmup 500" ;;
	*) echo "unknown configuration $1" >&2; return 2 ;;
	esac
}

for name in "$@"; do
	f=$(flags "$name")
	p=$pin
	[[ $name == default* ]] && p=""
	dir=$out/$name
	load=$(cut -d' ' -f1 /proc/loadavg)
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %U %S' -o "$dir.time" nice -n 19 "$out/train" -train "$D/train.feat" -vocab "$D/vocab.new" \
		-test "$D/test.feat" -iw-samples "$IW" -dtype float64 -log-every 0 -overwrite -out "$dir" $p $f >"$dir.eval.txt" 2>"$dir.log"
	load2=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/python3 - "$name" "$f" "$dir" "$load" "$load2" >>bench/search.jsonl <<'PY'
import json, sys
name, flags, d, l1, l2 = sys.argv[1:]
ms = [json.loads(l) for l in open(d + "/metrics.jsonl")]
best = max((m for m in ms if "valid_elbo" in m), key=lambda m: m["valid_elbo"])
ev = json.load(open(d + "/eval.json"))
wall, user, sys_ = (float(x) for x in open(d + ".time").read().split()[-3:])
print(json.dumps({"name": name, "flags": flags, "epochs": ms[-1]["epoch"],
    "valid_perplexity": round(best["valid_perplexity"], 1), "best_epoch": best["epoch"],
    "test_perplexity": round(ev["perplexity"], 1),
    "test_iw_perplexity": round(ev["iw_perplexity"], 1) if ev.get("iw_samples") else None,
    "test_elbo_per_doc": round(ev["elbo_per_doc"], 2),
    "wall_s": round(wall), "cpu_s": round(user + sys_), "load": [float(l1), float(l2)]}))
PY
	tail -1 bench/search.jsonl
done
