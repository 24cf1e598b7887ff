#!/usr/bin/env bash
# float32 against float64 on 20 Newsgroups (issue 13 item 1): the issue's
# model (K=50, encoder 1995→500→50, RLOO with 8 codes, batch 64, the
# default Adam 1e-3 with warm-up and cosine schedule, one rate for every
# layer (-lr-scaling none, as it was measured), default validation
# split of train.feat), trained with -dtype float64 and -dtype float32, then
# the best checkpoint evaluated on test.feat (ELBO with 20 codes, L_100),
# each checkpoint in its own dtype. Runs one after another, under nice.
# Results: $OUT/<dtype>-e<epochs>-s<seed>/{eval.json,train.log,time}, and one
# line per run on stdout (bench/dtype_short.out, bench/dtype_long.out and
# bench/dtype_long3.out, seeds 1-3: the
# runs of docs/speed.md, "float32 against float64").
#
#   bench/dtype.sh short      3 epochs, seeds 1-3, float64 and float32 interleaved
#   bench/dtype.sh long [n] [seeds]
#                             n epochs (default 100), each seed (default "1"),
#                             float64 and float32 interleaved
#   OUT=dir                   (default /tmp/amvi-dtype)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
OUT=${OUT:-/tmp/amvi-dtype}
mkdir -p "$OUT"
go build -o "$OUT/train" ./cmd/train
go build -o "$OUT/eval" ./cmd/eval

run() { # dtype epochs seed
	local dir=$OUT/$1-e$2-s$3
	rm -rf "$dir"
	mkdir -p "$dir"
	local start end
	start=$(date +%s.%N)
	nice -n 10 "$OUT/train" -train "$D/train.feat" -vocab "$D/vocab.new" -K 50 -hidden 500 -lr-scaling none -prior fixed -estimator rloo -samples 8 \
		-epochs "$2" -seed "$3" -dtype "$1" -out "$dir/run" -log-every 0 -iw-samples 0 2>"$dir/train.log" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc >"$dir/time"
	nice -n 10 "$OUT/eval" -checkpoint "$dir/run/best.safetensors" -data "$D/test.feat" -vocab "$D/vocab.new" \
		-samples 20 -iw-samples 100 -json >"$dir/eval.json"
	echo "$1 epochs=$2 seed=$3 train_s=$(cat "$dir/time") load=$(cut -d' ' -f1 /proc/loadavg) $(cat "$dir/eval.json")"
}

case ${1:-short} in
short)
	for seed in 1 2 3; do
		for dt in float64 float32; do run $dt 3 $seed; done
	done
	;;
long)
	for seed in ${3:-1}; do
		for dt in float64 float32; do run $dt "${2:-100}" "$seed"; done
	done
	;;
esac
