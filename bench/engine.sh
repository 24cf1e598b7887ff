#!/usr/bin/env bash
# Training speed of the engine (this tree) against the hand-written Plain
# pass it replaced (commit 5b06255), as whole cmd/train processes, A B A B …
# interleaved: 3 epochs of 20 Newsgroups (train.feat, V=1995, K=50, hidden
# 500, batch 64), no validation (-valid-fraction 0), seed 1, at NVIL S=1 and
# RLOO S=8. Prints each run's wall and CPU seconds (/usr/bin/time), then per
# setting the median and range of the ratios new/base, pair by pair, and
# documents/s. See docs/engine.md.
#
#   bench/engine.sh [rounds]            (default 3)
#   bench/engine.sh one new|base nvil|rloo [seed]
#                                       one run, for a timer of your own
#   BASE=path/to/train bench/engine.sh  the 5b06255 binary (default: built
#                                       from that commit's tree by git archive)
#   OUT=dir                             run folders and binaries (default
#                                       /tmp/amvi-engine)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
[ -f "$D/train.feat" ] || { echo "engine.sh: 20 Newsgroups not found; set AMVI_20NEWS" >&2; exit 1; }
D=$(cd "$D" && pwd)
OUT=${OUT:-/tmp/amvi-engine}
mkdir -p "$OUT"
NEW=$OUT/train-new
BASE=${BASE:-$OUT/train-base}

build() {
	go build -o "$NEW" ./cmd/train
	if [ ! -x "$BASE" ]; then
		local wt=$OUT/src-5b06255
		[ -d "$wt" ] || { mkdir -p "$wt" && git archive 5b06255 | tar -x -C "$wt"; }
		(cd "$wt" && go build -o "$BASE" ./cmd/train)
	fi
}

# one new|base nvil|rloo [seed]: one training run, its output thrown away.
one() {
	local bin=$NEW
	[ "$1" = base ] && bin=$BASE
	local est=(-estimator rloo -samples 8)
	[ "$2" = nvil ] && est=(-estimator nvil -samples 1)
	# the base's prior, fixed, and its float64 (it has neither flag)
	[ "$1" = base ] || est+=(-prior fixed -dtype float64)
	exec "$bin" -train "$D/train.feat" -vocab "$D/vocab.new" -valid-fraction 0 -epochs 3 \
		"${est[@]}" -seed "${3:-1}" -log-every 100000 -out "$OUT/run-$1-$2" -overwrite >/dev/null 2>&1
}

if [ "${1:-}" = one ]; then
	[ -x "$NEW" ] && [ -x "$BASE" ] || build
	one "$2" "$3" "${4:-1}"
fi

rounds=${1:-3}
build
docs=$(wc -l <"$D/train.feat")
echo "$(nproc) cores; $rounds rounds; $docs documents × 3 epochs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-5s %-5s %8s %8s\n' round conf bin wall cpu
res=$OUT/times.txt
: >"$res"
for r in $(seq "$rounds"); do
	for conf in nvil rloo; do
		for bin in new base; do
			t=$( { /usr/bin/time -f '%e %U %S' bash "$0" one "$bin" "$conf" >/dev/null; } 2>&1 | tail -1)
			read -r wall user sys <<<"$t"
			cpu=$(echo "$user + $sys" | bc)
			echo "$r $conf $bin $wall $cpu" >>"$res"
			printf '%-5s %-5s %-5s %8s %8s\n' "$r" "$conf" "$bin" "$wall" "$cpu"
		done
	done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v docs="$docs" '
	{ w[$2, $1, $3] = $4; c[$2, $1, $3] = $5; n[$1] = 1 }
	function sort(a, k,   i, j, t) { for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
	function med(a, k) { return k % 2 ? a[(k+1)/2] : (a[k/2] + a[k/2+1]) / 2 }
	END {
		printf "%-5s %-26s %-26s %s\n", "conf", "wall new/base med (range)", "cpu new/base med (range)", "docs/s new, base (median)"
		split("nvil rloo", confs, " ")
		for (ci = 1; ci <= 2; ci++) {
			cf = confs[ci]; k = 0
			for (r in n) { k++; rw[k] = w[cf, r, "new"] / w[cf, r, "base"]; rc[k] = c[cf, r, "new"] / c[cf, r, "base"]; wn[k] = w[cf, r, "new"]; wb[k] = w[cf, r, "base"] }
			sort(rw, k); sort(rc, k); sort(wn, k); sort(wb, k)
			printf "%-5s %.3f (%.3f-%.3f)        %.3f (%.3f-%.3f)        %.0f, %.0f\n", cf, med(rw, k), rw[1], rw[k], med(rc, k), rc[1], rc[k], 3 * docs / med(wn, k), 3 * docs / med(wb, k)
		}
	}' "$res"
