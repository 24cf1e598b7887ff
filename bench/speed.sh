#!/usr/bin/env bash
# Training and evaluation throughput of amvi against the PyTorch peers on 20
# Newsgroups (V=1995, K=50, hidden 500, batch 64), interleaved: each round
# runs amvi, the dense peer and the sparse peer (nn.EmbeddingBag first
# layers, --sparse), each peer with 1 and 2 torch threads, one after the
# other, and prints amvi's ratio to the FASTER of the four peer runs of that
# round, with every process's peak resident memory (/usr/bin/time -v).
# Configurations: NVIL S=1 and RLOO S=8 training, and evaluation with 100
# samples per document over the test split. Then the median ratio over the
# rounds and the roofline figure from `go test -bench Roofline ./model`
# (built at the start).
# See docs/speed.md.
#
#   bench/speed.sh [rounds] [epochs]     (defaults 3 and 3)
#   DOCS=1000 bench/speed.sh ...         every k-th document, about 1000 for training
#   PEER_THREADS="1" bench/speed.sh ...  torch thread counts (default "1 2")
#   DTYPE=float32 bench/speed.sh ...     amvi's -dtype values, each run every round (default "float64 float32")
#
# amvi runs on GOMAXPROCS = all cores; the peers' timing is the median epoch
# (torch_nvil.py's train_docs_per_s), amvi's the timed steps after a
# warm-up (bench/speed). No validation in either. Beside the wall-clock
# ratio it prints documents per CPU second (all threads; the peer's through
# bench/peer_cpu.py) and amvi's ratio to the best peer on that: on a loaded
# machine, where wall time mostly measures the scheduler, the CPU ratio is
# the steadier one. The load average is printed beside each row; only the
# ratios mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${AMVI_20NEWS:-../shared/data/20news}
PEER=${AMVI_PEER:-../shared/peers/torch_nvil.py}
PY=/usr/bin/python3
rounds=${1:-3}
epochs=${2:-3}
out=runs/speed
dtypes=(${DTYPE:-float64 float32})

die() {
	echo "speed.sh: $*" >&2
	exit 1
}
# What the harness needs, checked before anything runs: /usr/bin/time (peak
# memory), bc, Debian's PyTorch for /usr/bin/python3, and an optimised BLAS
# behind it. With only the reference BLAS (libblas3) the dense peer runs
# about 10x slower (703 against 6,048 docs/s measured), which would flatter
# every ratio.
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time (as root)"
command -v bc >/dev/null || die "bc is missing: apt-get install bc (as root)"
[ -f "$PEER" ] || die "no peer script at $PEER (set AMVI_PEER)"
# The BLAS is the library that torch's libblas.so.3 resolved to (Debian's
# alternatives, or LD_LIBRARY_PATH), and 512x512 sgemm on one thread shows
# what it gives.
blas=$($PY -c '
import re, time, torch
torch.set_num_threads(1)
a = torch.ones(512, 512)
t = time.perf_counter()
for _ in range(5):
    a @ a
gf = 5 * 2 * 512**3 / (time.perf_counter() - t) / 1e9
libs = {l.split()[-1] for l in open("/proc/self/maps") if re.search(r"/lib(blas|openblas|mkl|blis)[^/]*[.]so", l)}
print(" ".join(sorted(libs)), "| sgemm %.1f GFLOP/s" % gf)
' 2>&1) || die "$PY cannot import torch ($(echo "$blas" | tail -1)): apt-get install python3-torch libopenblas0-pthread (as root)"
case $blas in
*/blas/libblas.so*)
	die "torch runs on the reference BLAS ($blas), which makes the dense peer about 10x slower: apt-get install libopenblas0-pthread as root (it becomes libblas.so.3's alternative: update-alternatives --query libblas.so.3-x86_64-linux-gnu)" ;;
*openblas* | *mkl* | *blis*) ;;
*) echo "speed.sh: warning: cannot tell which BLAS torch uses ($blas); an optimised one is assumed" >&2 ;;
esac
mkdir -p "$out"
# Both binaries are built now, so that the roofline at the end measures the
# code the rounds ran even if the tree changes meanwhile.
go build -o "$out/speed" ./bench/speed
go test -c -o "$out/model.test" ./model
if [ -n "${DOCS:-}" ]; then
	# Every k-th document of each split, about DOCS training documents.
	k=$(( ($(wc -l <"$D/train.feat") + DOCS - 1) / DOCS ))
	mkdir -p "$out/data"
	awk -v k="$k" 'NR % k == 1 || k == 1' "$D/train.feat" >"$out/data/train.feat"
	awk -v k="$k" 'NR % k == 1 || k == 1' "$D/test.feat" >"$out/data/test.feat"
	D=$out/data
fi
echo "data $D: $(wc -l <"$D/train.feat") training, $(wc -l <"$D/test.feat") test documents; $epochs epochs, $rounds rounds; $(nproc) cores"
echo "amvi: -dtype ${dtypes[*]}"
echo "peer: torch $($PY -c 'import torch; print(torch.__version__)'), BLAS: $blas"

peak() { awk '/Maximum resident/ {printf "%.0f", $NF/1024}' "$1"; }
field() { $PY -c "import json,sys;d=json.load(open(sys.argv[1]));print(eval(sys.argv[2],{},d))" "$1" "$2"; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }

# run NAME CMD...: runs CMD under /usr/bin/time -v, output in $out/NAME.{json,time}.
run() {
	local name=$1
	shift
	/usr/bin/time -v "$@" >"$out/$name.json" 2>"$out/$name.time" || {
		echo "speed.sh: $name failed:" >&2
		tail -5 "$out/$name.time" >&2
		exit 1
	}
}

peers=()
for kind in dense sparse; do
	for t in ${PEER_THREADS:-1 2}; do peers+=("$kind $t"); done
done
ratios="$out/ratios.txt"
: >"$ratios"
printf '%-3s %-10s %-7s %8s  %-31s %6s  %8s %6s  %s\n' round config dtype "amvi /s" "peers /s: ${peers[*]}" ratio "amvi/cpu" "cpu x" "peak MB: amvi, peers (load)"
for r in $(seq 1 "$rounds"); do
	for cfg in "nvil 1" "rloo 8" "eval 100"; do
		set -- $cfg
		what=$1 S=$2
		tag="r$r-$what"
		amvi=() amvicpu=() amvimem=()
		for dt in "${dtypes[@]}"; do
			if [ "$what" = eval ]; then
				run "$tag-amvi-$dt" "$out/speed" -dtype "$dt" -data "$D" -epochs 0 -iw-samples "$S"
				amvi+=("$(field "$out/$tag-amvi-$dt.json" eval_docs_per_s)")
				amvicpu+=("$(field "$out/$tag-amvi-$dt.json" "eval_docs/eval_cpu_seconds")")
			else
				run "$tag-amvi-$dt" "$out/speed" -dtype "$dt" -data "$D" -estimator "$what" -samples "$S" -epochs "$epochs" -eval-docs -1
				amvi+=("$(field "$out/$tag-amvi-$dt.json" train_docs_per_s)")
				amvicpu+=("$(field "$out/$tag-amvi-$dt.json" train_docs_per_cpu_s)")
			fi
			amvimem+=("$(peak "$out/$tag-amvi-$dt.time")")
		done
		rates=() cpus=() mems=()
		for p in "${peers[@]}"; do
			set -- $p
			kind=$1 threads=$2
			flags=(--train "$D/train.feat" --test "$D/test.feat" --vocab-size 1995 --threads "$threads" --json)
			[ "$kind" = sparse ] && flags+=(--sparse)
			name="$tag-$kind$threads"
			if [ "$what" = eval ]; then
				# An untrained model's evaluation costs what a trained one's does.
				run "$name" $PY bench/peer_cpu.py "$PEER" "${flags[@]}" --epochs 0 --eval-samples "$S"
				rates+=("$(field "$out/$name.json" "test_docs/eval_seconds")")
				cpus+=("$(field "$out/$name.json" "test_docs/eval_cpu_seconds")")
			else
				# The peer trains NVIL at S=1 and RLOO with S>1.
				run "$name" $PY bench/peer_cpu.py "$PEER" "${flags[@]}" --samples "$S" --epochs "$epochs" --eval-samples 1
				rates+=("$(field "$out/$name.json" train_docs_per_s)")
				cpus+=("$(field "$out/$name.json" train_docs_per_cpu_s)")
			fi
			mems+=("$(peak "$out/$name.time")")
		done
		for i in "${!dtypes[@]}"; do
			ratio=$(echo "${amvi[i]} / $(best "${rates[@]}")" | bc -l)
			cpuratio=$(echo "${amvicpu[i]} / $(best "${cpus[@]}")" | bc -l)
			echo "$what $S ${dtypes[i]} $ratio $cpuratio" >>"$ratios"
			printf '%-3s %-10s %-7s %8.0f  %-31s %6.2f  %8.0f %6.2f  %s (%s)\n' "$r" "$what S=$S" "${dtypes[i]}" "${amvi[i]}" "$(printf '%.0f ' "${rates[@]}")" "$ratio" \
				"${amvicpu[i]}" "$cpuratio" "${amvimem[i]} / ${mems[*]}" "$(cut -d' ' -f1 /proc/loadavg)"
		done
	done
done

echo
echo "median over $rounds rounds of amvi's ratio to the faster peer (wall docs/s), and to the peer with the most docs per CPU second:"
for cfg in "nvil 1" "rloo 8" "eval 100"; do
	set -- $cfg
	for dt in "${dtypes[@]}"; do
		for col in 4 5; do
			awk -v w="$1" -v s="$2" -v d="$dt" -v c="$col" '$1 == w && $2 == s && $3 == d {print $c}' "$ratios" | sort -g |
				awk '{a[NR] = $1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf " %.2f (%.2f-%.2f)", m, a[1], a[NR]}'
		done | sed "s/^/  $1 S=$2 $dt: wall, cpu:/"
		echo
	done
done

echo
(cd model && "../$out/model.test" -test.run XXX -test.bench Roofline -test.benchtime 30x) | grep Roofline | tee "$out/roofline.txt"
# The roofline's figures of the issue: the step's fraction of the kernel's
# peak, the peak (in the row's dtype), and the overlapped roofline of the
# step's own mix of work with the step's share of it.
echo
awk '{
	for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
	printf "%s: %.2f of the %s kernel peak of %.1f GFLOP/s (%.2f ms a step); the mix'\''s roofline %.2f of the peak, the step %.2f of it\n",
		$1, v["of-kernel"], ($1 ~ /float32/ ? "float32" : "float64"), v["kernel-GFLOP/s"], v["ms/step"], v["overlap-bound-of-kernel"], v["of-overlap-bound"]
}' "$out/roofline.txt"
