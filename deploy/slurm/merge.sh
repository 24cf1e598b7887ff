#!/usr/bin/env bash
# Merges the partials of deploy/slurm/eval-shard.sh into OUTDIR/report.json
# (run after the array: submit.sh makes it depend on every task).
#SBATCH --job-name=amvi-eval-merge
#SBATCH --cpus-per-task=1
#SBATCH --output=amvi-eval-merge-%j.log
set -euo pipefail
if [ $# -ne 1 ]; then
	echo "usage: merge.sh OUTDIR" >&2
	exit 2
fi
bin=${AMVI_BIN:+$AMVI_BIN/}
"${bin}eval" -merge -json "$1"/part-*.json > "$1/report.json.tmp"
mv "$1/report.json.tmp" "$1/report.json"
cat "$1/report.json"
