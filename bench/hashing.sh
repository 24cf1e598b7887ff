#!/usr/bin/env bash
# The semantic-hashing table of docs/hashing.md: trains amvi on the labelled
# 20 Newsgroups "bydate" split for K = 16, 32, 64 and 128 bits and reports
# precision@100 (test posts as queries, training posts as database) for
# amvi and both baselines, one run after another.
#
#   bench/hashing.sh SRC [epochs] [K...]
#
# SRC is a folder with 20news-bydate-train/ and 20news-bydate-test/ (the
# classic 20news-bydate.tar.gz, unpacked); bench/20news_bydate.py turns it
# into labelled feat files in runs/bydate. Results: runs/hashing/K*/. The
# training is amvi's default of before issue 12 (encoder 500 units, RLOO
# with 8 codes, Adam 5e-4 constant), pinned here, with which the table was
# measured.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: bench/hashing.sh SRC [epochs] [K...]}
epochs=${2:-40}
shift 2 || shift $#
ks=${*:-16 32 64 128}
D=runs/bydate
[ -f "$D/train.feat" ] || /usr/bin/python3 bench/20news_bydate.py "$src" "$D"
out=runs/hashing
mkdir -p "$out"
go build -o "$out/train" ./cmd/train
go build -o "$out/retrieve" ./cmd/retrieve
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for K in $ks; do
	dir=$out/K$K
	start=$(date +%s)
	"$out/train" -train "$D/train.feat" -vocab "$D/vocab.txt" -K "$K" -epochs "$epochs" -dtype float64 -out "$dir" \
		-hidden 500 -samples 8 -lr 5e-4 -lr-schedule constant -lr-scaling none -warmup 0 -prior fixed -log-every 0 -overwrite 2>"$dir.log"
	echo "K=$K trained in $(($(date +%s) - start)) s"
	for th in zero median; do
		"$out/retrieve" -checkpoint "$dir/best.safetensors" -database "$D/train.feat" -queries "$D/test.feat" \
			-k 100 -threshold "$th" -json | tee "$dir/retrieve-$th.json"
	done
done
