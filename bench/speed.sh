#!/usr/bin/env bash
# Training and evaluation throughput of amvi against the PyTorch peer on 20
# Newsgroups (V=1995, K=50, hidden 500, batch 64), measured one after the
# other on this machine, with the ratios; then the roofline figure from `go test -bench Roofline ./model`.
#
#   bench/speed.sh [epochs]
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
epochs=${1:-1}
out=runs/speed
mkdir -p "$out"
go build -o "$out/speed" ./bench/speed

peak() { grep "Maximum resident" "$1" | awk '{printf "%.0f", $NF/1024}'; }

printf '%-28s %12s %12s %8s %10s %10s\n' run "amvi docs/s" "peer docs/s" ratio "amvi MB" "peer MB"
for cfg in "nvil 1" "nvil 8" "rloo 8"; do
	set -- $cfg
	est=$1 S=$2
	/usr/bin/time -v "$out/speed" -data "$D" -estimator "$est" -samples "$S" -epochs "$epochs" -eval-docs -1 \
		>"$out/amvi-$est-$S.json" 2>"$out/amvi-$est-$S.time"
	amvi=$(python3 -c "import json;print(json.load(open('$out/amvi-$est-$S.json'))['train_docs_per_s'])")
	# The peer trains NVIL at S=1 and RLOO with S>1: its S=8 run is RLOO either way.
	/usr/bin/time -v /usr/bin/python3 ../shared/peers/torch_nvil.py --train "$D/train.feat" --test "$D/test.feat" \
		--vocab-size 1995 --samples "$S" --epochs "$epochs" --eval-samples 1 --json \
		>"$out/peer-$S.json" 2>"$out/peer-$S.time"
	peer=$(python3 -c "import json;print(json.load(open('$out/peer-$S.json'))['train_docs_per_s'])")
	printf '%-28s %12.0f %12.0f %8.2f %10s %10s\n' "train $est S=$S (peer: $( [ "$S" = 1 ] && echo nvil || echo rloo ))" \
		"$amvi" "$peer" "$(echo "$amvi / $peer" | bc -l)" "$(peak "$out/amvi-$est-$S.time")" "$(peak "$out/peer-$S.time")"
done

# Evaluation with 100 importance samples per document over the test split.
/usr/bin/time -v "$out/speed" -data "$D" -epochs 0 -iw-samples 100 >"$out/amvi-eval.json" 2>"$out/amvi-eval.time"
/usr/bin/time -v /usr/bin/python3 ../shared/peers/torch_nvil.py --train "$D/train.feat" --test "$D/test.feat" \
	--vocab-size 1995 --epochs 0 --eval-samples 100 --json >"$out/peer-eval.json" 2>"$out/peer-eval.time"
amvi=$(python3 -c "import json;print(json.load(open('$out/amvi-eval.json'))['eval_docs_per_s'])")
peer=$(python3 -c "import json;d=json.load(open('$out/peer-eval.json'));print(d['test_docs']/d['eval_seconds'])")
printf '%-28s %12.0f %12.0f %8.2f %10s %10s\n' "eval, 100 samples/doc" "$amvi" "$peer" "$(echo "$amvi / $peer" | bc -l)" \
	"$(peak "$out/amvi-eval.time")" "$(peak "$out/peer-eval.time")"

echo
go test -run XXX -bench Roofline -benchtime 30x ./model | grep Roofline
