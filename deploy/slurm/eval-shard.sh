#!/usr/bin/env bash
# One shard of a Slurm job array evaluating a checkpoint (docs/distributed.md).
# Submit the array and the merge with deploy/slurm/submit.sh, or by hand:
#
#	sbatch --array=0-7 deploy/slurm/eval-shard.sh CHECKPOINT DATA VOCAB OUTDIR
#
# Array task k of n runs `eval -shard k/n` (n is SLURM_ARRAY_TASK_COUNT, so
# the array must start at 0 and have no gaps) and writes OUTDIR/part-k.json.
# Extra eval flags go in AMVI_EVAL_FLAGS (default "-iw-samples 100 -seed 1");
# AMVI_BIN is where the commands are (default: on PATH).
#SBATCH --job-name=amvi-eval
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --output=amvi-eval-%A_%a.log
set -euo pipefail
if [ $# -ne 4 ]; then
	echo "usage: eval-shard.sh CHECKPOINT DATA VOCAB OUTDIR" >&2
	exit 2
fi
: "${SLURM_ARRAY_TASK_ID:?run as a Slurm array task (sbatch --array=0-N)}"
: "${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array task (sbatch --array=0-N)}"
bin=${AMVI_BIN:+$AMVI_BIN/}
mkdir -p "$4"
# shellcheck disable=SC2086 # AMVI_EVAL_FLAGS is a list of flags
"${bin}eval" -checkpoint "$1" -data "$2" -vocab "$3" ${AMVI_EVAL_FLAGS:--iw-samples 100 -seed 1} \
	-shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
	-partial "$4/part-$SLURM_ARRAY_TASK_ID.json"
