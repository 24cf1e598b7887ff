#!/usr/bin/env bash
# Submits an evaluation in SHARDS array tasks and its merge, which runs only
# when every task succeeded:
#
#	deploy/slurm/submit.sh 8 runs/x/best.safetensors test.feat vocab.new out/
set -euo pipefail
if [ $# -ne 5 ]; then
	echo "usage: submit.sh SHARDS CHECKPOINT DATA VOCAB OUTDIR" >&2
	exit 2
fi
here=$(dirname "$0")
n=$1
shift
array=$(sbatch --parsable --array=0-$((n - 1)) "$here/eval-shard.sh" "$@")
sbatch --parsable --dependency=afterok:"$array" "$here/merge.sh" "$4"
