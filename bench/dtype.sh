#!/usr/bin/env bash
# float32 against float64 on 20 Newsgroups (issue 13 item 1): the issue's
# model (K=50, encoder 1995→500→50, RLOO with 8 codes, batch 64, the
# default Adam 1e-3 with warm-up and cosine schedule, one rate for every
# layer (-lr-scaling none, as it was measured), default validation
# split of train.feat), trained with -dtype float64 and -dtype float32, then
# the best checkpoint evaluated on test.feat (ELBO with 20 codes, L_100),
# each checkpoint in its own dtype. Runs one after another, under nice.
# Results: $OUT/<dtype>-e<epochs>-s<seed>/{eval.json,train.log,time}, and one
# line per run on stdout (bench/dtype_short.out, bench/dtype_long.out,
# bench/dtype_long3.out, seeds 1-3, and bench/dtype_default.out: the
# runs of docs/speed.md, "float32 against float64").
#
#   bench/dtype.sh short      3 epochs, seeds 1-3, float64 and float32 interleaved
#   bench/dtype.sh long [n] [seeds]
#                             n epochs (default 100), each seed (default "1"),
#                             float64 and float32 interleaved
#   bench/dtype.sh default [seeds]
#                             cmd/train's default model and training (K=100,
#                             hidden 1000, RLOO with 32 codes, learned prior,
#                             16,000 steps) instead of the issue's model, each
#                             seed (default "1"), float64 and float32
#                             interleaved; the directories are <dtype>-default-s<seed>
#   ESTIMATOR=nvil            NVIL with one code (its baseline network in the
#                             run's dtype) instead of RLOO with 8; the
#                             directories are nvil-<dtype>-...
#                             (bench/dtype_nvil.out)
#   OUT=dir                   (default /tmp/amvi-dtype)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
OUT=${OUT:-/tmp/amvi-dtype}
mkdir -p "$OUT"
go build -o "$OUT/train" ./cmd/train
go build -o "$OUT/eval" ./cmd/eval

# The issue's model; run_default empties it for cmd/train's defaults.
model=(-K 50 -hidden 500 -lr-scaling none -prior fixed -estimator rloo -samples 8)
tag=
case ${ESTIMATOR:-rloo} in
rloo) ;;
nvil)
	model=(-K 50 -hidden 500 -lr-scaling none -prior fixed -estimator nvil -samples 1)
	tag=nvil-
	;;
*)
	echo "dtype.sh: ESTIMATOR=$ESTIMATOR: want rloo or nvil" >&2
	exit 2
	;;
esac

run() { # dtype epochs seed (epochs 0: the default budget of steps)
	local name=e$2
	[ "$2" = 0 ] && name=default
	local dir=$OUT/$tag$1-$name-s$3
	rm -rf "$dir"
	mkdir -p "$dir"
	local start end
	start=$(date +%s.%N)
	nice -n 10 "$OUT/train" -train "$D/train.feat" -vocab "$D/vocab.new" ${model[@]+"${model[@]}"} \
		-epochs "$2" -seed "$3" -dtype "$1" -out "$dir/run" -log-every 0 -iw-samples 0 2>"$dir/train.log" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc >"$dir/time"
	nice -n 10 "$OUT/eval" -checkpoint "$dir/run/best.safetensors" -data "$D/test.feat" -vocab "$D/vocab.new" \
		-samples 20 -iw-samples 100 -json >"$dir/eval.json"
	echo "$tag$1 epochs=$2 seed=$3 train_s=$(cat "$dir/time") load=$(cut -d' ' -f1 /proc/loadavg) $(cat "$dir/eval.json")"
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
default)
	model=()
	for seed in ${2:-1}; do
		for dt in float64 float32; do run $dt 0 "$seed"; done
	done
	;;
*)
	echo "dtype.sh: want short, long or default, not $1" >&2
	exit 2
	;;
esac
