#!/usr/bin/env bash
# Trains amvi on 20 Newsgroups with each estimator, on the model and
# training of the estimator comparison in docs/results.md's history (K=50,
# encoder 1995→500→50, Adam 5e-4 constant, 100 epochs by default: amvi's
# defaults before issue 12, pinned here), evaluates the best checkpoint on
# the held-out test split, and runs the PyTorch peer on the same settings,
# all on this machine, one run after another. Results:
# runs/20news/<name>/{eval.json,train.log,time}.
#
#   bench/20news.sh [epochs] [names...]     names: rloo nvil nvil8 vimco reinforce rloo-log1p peer
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
epochs=${1:-100}
shift || true
names=${*:-rloo nvil vimco reinforce peer}
out=runs/20news
mkdir -p "$out"
go build -o "$out/train" ./cmd/train
go build -o "$out/eval" ./cmd/eval

amvi() { # name, extra flags...
	local name=$1
	shift
	local dir=$out/$name
	mkdir -p "$dir"
	local start=$(date +%s.%N)
	"$out/train" -train "$D/train.feat" -vocab "$D/vocab.new" -K 50 -hidden 500 -lr 5e-4 -lr-schedule constant -lr-scaling none -warmup 0 -prior fixed -dtype float64 \
		-epochs "$epochs" -out "$dir" -log-every 0 "$@" 2>"$dir/train.log"
	local end=$(date +%s.%N)
	echo "$end - $start" | bc >"$dir/time"
	"$out/eval" -checkpoint "$dir/best.safetensors" -data "$D/test.feat" -vocab "$D/vocab.new" -samples 20 -iw-samples 100 -json >"$dir/eval.json"
	echo "$name: $(cat "$dir/time")s $(cat "$dir/eval.json")"
}

for name in $names; do
	case $name in
	rloo) amvi rloo -estimator rloo -samples 8 ;;
	rloo-log1p) amvi rloo-log1p -estimator rloo -samples 8 -input log1p ;;
	nvil) amvi nvil -estimator nvil -samples 1 ;;
	nvil8) amvi nvil8 -estimator nvil -samples 8 ;;
	vimco) amvi vimco -estimator vimco -samples 8 ;;
	reinforce) amvi reinforce -estimator reinforce -samples 8 ;;
	peer)
		mkdir -p "$out/peer"
		start=$(date +%s.%N)
		/usr/bin/python3 ../shared/peers/torch_nvil.py --train "$D/train.feat" --test "$D/test.feat" --vocab-size 1995 \
			--samples 8 --epochs "$epochs" --lr 5e-4 --batch 64 --json >"$out/peer/eval.json"
		echo "$(date +%s.%N) - $start" | bc >"$out/peer/time"
		echo "peer: $(cat "$out/peer/time")s $(cat "$out/peer/eval.json")"
		;;
	*) echo "unknown run $name" >&2; exit 2 ;;
	esac
done
