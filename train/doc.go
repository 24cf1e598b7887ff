// Package train runs amvi's training jobs: seeded minibatches, a gradient
// step from package model (or package exact's, for the exact gradient),
// gradient clipping, a learning-rate schedule and Adam (package optim),
// validation with early stopping, metrics, progress, and checkpoints that
// let an interrupted run resume exactly where it stopped.
//
// A run is described by a [Config], which [DefaultConfig] fills with amvi's
// defaults. Its settings that choose code (the activations, the estimator,
// the KL mode, the prior, the objective, the schedule) are typed, with the
// default as the zero value, and stored by name ("tanh", "rloo").
//
// A run writes into its folder:
//
//	config.json        the resolved Config
//	last.safetensors   the latest state (after each validation and on interrupt)
//	best.safetensors   the state with the best validation bound so far
//	good.safetensors   the state at the last validation, where a divergence
//	                   restarts (only with Config.RestartOnDivergence > 0)
//	metrics.jsonl      one JSON object per validation, with the process's
//	                   resident memory and goroutine count
//	curve.png          training and validation bound against epochs
//
// Every file is replaced atomically (written to a temporary file, then
// renamed), so a process killed at any moment, even with SIGKILL, leaves
// each one either as it was or complete; [Resume] removes the temporary files
// such a kill leaves behind and the metrics lines written after the
// checkpoint it continues from. A save that fails (a full disk) returns an
// error and leaves the previous checkpoint in place. No checkpoint is ever
// written with a NaN or infinite parameter.
//
// A NaN or infinite loss, gradient, parameter or validation bound stops
// the run with an error wrapping [ErrDiverged] that names the step and the
// tensor. With Config.RestartOnDivergence > 0 the run instead goes back to
// the last good checkpoint and continues with the learning rate multiplied
// by Config.RestartLRFactor, up to that many times. The restarts and the
// reduced rate are part of the checkpointed state, so they too are
// repeated exactly by a resumed run.
//
// [Resume] refuses, with [ErrMismatch], a checkpoint that does not fit the
// data given (another vocabulary, other documents: their SHA-256 is in the
// state) or whose stored config does not fit its own tensors.
//
// Randomness comes from three seeded sources: the minibatch order of epoch e
// is drawn from a source seeded by (Seed, e), the codes sampled during
// training from one PCG source whose state is checkpointed, and validation
// from a source seeded by (Seed, step). So a run interrupted at any step and
// resumed from its checkpoint computes the same parameters, bit for bit, as
// one that was never interrupted.
package train
