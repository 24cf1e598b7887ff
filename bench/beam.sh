#!/usr/bin/env bash
# Throughput of the Beam encode pipeline on the Prism runner against
# cmd/encode, on the 20 Newsgroups test documents (V=1995, one tanh layer of
# 500 units, K=50: the weights of bench/encode.sh), timed from outside as
# whole processes (/usr/bin/time), interleaved (A B A B …, one warm-up pair
# first), and checked to write the same bytes. Prints each run's wall and
# CPU seconds and peak memory, then the medians and the ratio pair by pair.
#
#   bench/beam.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
[ -f "$D/test.feat" ] || D=shared/data/20news
[ -f "$D/test.feat" ] || { echo "beam.sh: 20 Newsgroups not found; set AMVI_20NEWS" >&2; exit 1; }
runs=${1:-5}
out=$PWD/runs/bench-beam
mkdir -p "$out"
model=$out/model.safetensors
data=$(cd "$D" && pwd)/test.feat
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

[ -f "$model" ] || go test -run '^$' -bench '^BenchmarkSingle$' -benchtime 1x ./encoder -args -bench-checkpoint "$model" >/dev/null
go build -o "$out/encode" ./cmd/encode
(cd beam && go build -o "$out/amvi-beam" ./cmd/amvi-beam)

"$out/encode" -checkpoint "$model" -data "$data" -out "$out/encode.jsonl"
"$out/amvi-beam" -job encode -input "$data" -checkpoint "$model" -output "$out/codes" -shards 1 --runner=prism 2>/dev/null
cmp "$out/encode.jsonl" "$out/codes/test.feat-00000-of-00001.jsonl"
echo "same bytes: $(wc -l <"$out/encode.jsonl") lines"

beam=("$out/amvi-beam" -job encode -input "$data" -checkpoint "$model" -output "$out/codes" -shards 1 --runner=prism)
enc=("$out/encode" -checkpoint "$model" -data "$data" -out "$out/encode.jsonl")
res=$out/times.txt
: >"$res"
timed() { /usr/bin/time -o "$out/time.txt" -f '%e %U %S %M' "$@" >/dev/null 2>&1; tail -1 "$out/time.txt"; }
timed "${beam[@]}" >/dev/null # warm-up pair
timed "${enc[@]}" >/dev/null
printf '%-5s %-6s %8s %8s %10s\n' run what wall cpu peak_KiB
for r in $(seq "$runs"); do
	for what in beam encode; do
		if [ "$what" = beam ]; then t=$(timed "${beam[@]}"); else t=$(timed "${enc[@]}"); fi
		read -r wall user sys peak <<<"$t"
		cpu=$(echo "$user + $sys" | bc)
		echo "$r $what $wall $cpu $peak" >>"$res"
		printf '%-5s %-6s %8s %8s %10s\n' "$r" "$what" "$wall" "$cpu" "$peak"
	done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
	{ w[$1, $2] = $3; c[$1, $2] = $4; m[$1, $2] = $5; n[$1] = 1 }
	function sort(a, k,   i, j, t) { for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
	function med(a, k) { return k % 2 ? a[(k+1)/2] : (a[k/2] + a[k/2+1]) / 2 }
	END {
		k = 0
		for (r in n) { k++; bw[k] = w[r, "beam"]; ew[k] = w[r, "encode"]; bc[k] = c[r, "beam"]; ec[k] = c[r, "encode"]; bm[k] = m[r, "beam"]; em[k] = m[r, "encode"]; rw[k] = w[r, "beam"] / w[r, "encode"]; rc[k] = c[r, "beam"] / c[r, "encode"] }
		sort(bw, k); sort(ew, k); sort(bc, k); sort(ec, k); sort(bm, k); sort(em, k); sort(rw, k); sort(rc, k)
		printf "medians of %d runs: beam wall %.2f s, CPU %.3f s, peak %.0f MiB; encode wall %.2f s, CPU %.3f s, peak %.0f MiB\n", k, med(bw, k), med(bc, k), med(bm, k) / 1024, med(ew, k), med(ec, k), med(em, k) / 1024
		printf "beam/encode pair by pair: wall %.2f× (%.2f-%.2f), CPU %.2f× (%.2f-%.2f)\n", med(rw, k), rw[1], rw[k], med(rc, k), rc[1], rc[k]
	}' "$res"
