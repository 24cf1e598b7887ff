#!/usr/bin/env bash
# Soak test: trains for a while and shows whether memory and goroutines stay
# flat. Not part of CI.
#
#   scripts/soak.sh [minutes] [20news-dir]
#
# minutes defaults to 30. Without a folder it trains the main job's model on
# the synthetic default corpus; with one it trains on DIR/train.feat with
# DIR/vocab.new. Extra flags for cmd/train go in SOAK_FLAGS. The run, its
# log, the RSS sampled every few seconds from /proc and the per-epoch curve
# go to runs/soak (SOAK_OUT).
#
# Every epoch's line of metrics.jsonl carries the process's resident memory
# (rss_bytes, from /proc/self/status) and goroutine count. At the end the
# script sends SIGINT (the run saves and exits), prints the curve and says
# whether it is flat: after a warm-up of a quarter of the epochs, the RSS of
# the last quarter's mean RSS within 10% (or 8 MB) of the second quarter's,
# and the last quarter's goroutine count never above the second quarter's
# highest.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
corpus=${2:-}
out=${SOAK_OUT:-runs/soak}
mkdir -p "$out"
go build -o "$out/train" ./cmd/train
data=()
if [ -n "$corpus" ]; then
	data=(-train "$corpus/train.feat" -vocab "$corpus/vocab.new")
fi
rm -rf "$out/run"
# shellcheck disable=SC2086 # SOAK_FLAGS is a list of flags
"$out/train" "${data[@]}" -epochs 1000000 -valid-every 0 -log-every 0 -iw-samples 0 \
	-out "$out/run" ${SOAK_FLAGS:-} 2>"$out/train.log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT

echo "soak: training (pid $pid) for $minutes minutes into $out/run"
end=$((SECONDS + $(awk -v m="$minutes" 'BEGIN {printf "%d", m * 60}')))
echo "seconds rss_kb threads" >"$out/rss.tsv"
while [ $SECONDS -lt $end ] && kill -0 $pid 2>/dev/null; do
	awk -v s=$SECONDS '/^VmRSS:/ {r = $2} /^Threads:/ {th = $2} END {print s, r, th}' /proc/$pid/status >>"$out/rss.tsv" 2>/dev/null || true
	sleep 5
done
if ! kill -INT $pid 2>/dev/null; then
	echo "soak: the training process ended early; see $out/train.log" >&2
	exit 1
fi
wait $pid || true
trap - EXIT
tail -n 2 "$out/train.log"

# One row per epoch from metrics.jsonl: epoch, elapsed seconds, RSS in MB,
# goroutines.
awk '
	function num(key,   m) {
		if (match($0, "\"" key "\":[-0-9.e+]+")) {
			m = substr($0, RSTART, RLENGTH)
			sub(/^[^:]*:/, "", m)
			return m + 0
		}
		return -1
	}
	{ print num("epoch"), num("elapsed_s"), num("rss_bytes") / 1048576, num("goroutines") }
' "$out/run/metrics.jsonl" >"$out/curve.tsv"

awk -v samples="$out/rss.tsv" '
	{ e[NR] = $1; t[NR] = $2; r[NR] = $3; g[NR] = $4 }
	END {
		n = NR
		if (n < 8) { printf "soak: only %d epochs; run longer\n", n; exit 1 }
		printf "%8s %10s %10s %11s\n", "epoch", "elapsed_s", "rss_MB", "goroutines"
		step = (n > 24) ? int(n / 24) : 1
		for (i = 1; i <= n; i += step) printf "%8d %10.0f %10.1f %11d\n", e[i], t[i], r[i], g[i]
		if ((n - 1) % step) printf "%8d %10.0f %10.1f %11d\n", e[n], t[n], r[n], g[n]
		q = int(n / 4)
		for (i = q + 1; i <= 2 * q; i++) a += r[i]
		for (i = n - q + 1; i <= n; i++) b += r[i]
		a /= q; b /= q
		# Goroutines: the most in the last quarter may not exceed the most
		# in the second (a transient one at some epochs is no leak).
		for (i = q + 1; i <= 2 * q; i++) if (g[i] > ga) ga = g[i]
		for (i = n - q + 1; i <= n; i++) if (g[i] > gb) gb = g[i]
		gmin = g[1]; gmax = g[1]; rmin = r[1]; rmax = r[1]
		for (i = 1; i <= n; i++) {
			if (r[i] < rmin) rmin = r[i]; if (r[i] > rmax) rmax = r[i]
			if (g[i] < gmin) gmin = g[i]; if (g[i] > gmax) gmax = g[i]
		}
		flat = (b <= a * 1.10 || b - a <= 8) && gb <= ga
		printf "epochs %d; RSS min %.1f MB, max %.1f MB; mean of the 2nd quarter %.1f MB, of the last quarter %.1f MB (%+.1f%%)\n", n, rmin, rmax, a, b, 100 * (b - a) / a
		printf "goroutines between %d and %d; at most %d in the 2nd quarter, %d in the last\n", gmin, gmax, ga, gb
		printf "RSS sampled from /proc every 5 s: see %s\n", samples
		print (flat ? "FLAT: no growth in memory or goroutines" : "NOT FLAT: memory or goroutines grew")
		exit !flat
	}
' "$out/curve.tsv"
