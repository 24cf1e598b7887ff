// Package train runs amvi's training jobs: seeded minibatches, a gradient
// step from package model, gradient clipping, a learning-rate schedule and
// Adam (package optim), validation with early stopping, metrics, progress,
// and checkpoints that let an interrupted run resume exactly where it
// stopped.
//
// A run writes into its folder:
//
//	config.json        the resolved Config
//	last.safetensors   the latest state (after each validation and on interrupt)
//	best.safetensors   the state with the best validation bound so far
//	metrics.jsonl      one JSON object per validation (and per log interval)
//	curve.png          training and validation bound against epochs
//
// Randomness comes from three seeded sources: the minibatch order of epoch e
// is drawn from a source seeded by (Seed, e), the codes sampled during
// training from one PCG source whose state is checkpointed, and validation
// from a source seeded by (Seed, step). So a run interrupted at any step and
// resumed from its checkpoint computes the same parameters, bit for bit, as
// one that was never interrupted.
package train
