// Package ops is amvi's layer kernels as Gorgonia operations, so that an
// encoder or a decoder is a Gorgonia expression graph that Gorgonia
// differentiates symbolically and runs on its tape machine, while the
// arithmetic is amvi's: sparse over a bag of words, tabulated over binary
// codes, on the AVX2/AVX-512 kernels of internal/vec, split over the cores
// (design §8).
//
// # The operations
//
//   - [SparseAffine](x, W, b): x·W + b for a bag of words x given by its
//     nonzeros ([Sparse], filled by the caller before each run). It reads
//     only the nonzeros, and its weight gradient writes only the rows of
//     the words present, which [Touched] reports.
//   - [BinaryAffine](z, W, b): z·W + b for a node z of binary codes; from
//     128 rows on it adds tabulated sums of weight rows.
//   - [Affine](x, W, b): x·W + b for a dense x (hidden layers).
//   - [Activate](x, act): an elementwise nonlinearity ([Tanh], [ReLU], …).
//   - [LogLik](η, h): the decoder's fused, stable log-softmax likelihood
//     head, −Σ_r w_r log p(x_r|η_r) (decoder.LogLik).
//   - [Surrogate](a, s): the encoder's score-function surrogate head
//     (encoder.Surrogate).
//   - [LinearLogLik](z, W, b, h): a linear decoder and its likelihood head
//     in one, without the logits z·W + b (decoder.LinearLogLik).
//
// Each one implements gorgonia.SDOp, so gorgonia.Grad differentiates a
// graph built from them, mixed freely with Gorgonia's own operations
// (gorgonia.Add, gorgonia.Mul, gorgonia.Rectify, …). W is an In×Out
// matrix, b a vector of Out, all float64, or all float32 (-dtype float32):
// each operation takes its dtype from its nodes, its arithmetic is that
// width's kernels, and the heads' sums and losses are float64 either way
// (a float32 SparseAffine reads a [SparseOf][float32]; a float32 graph's
// outputs and gradients are read with Machine.Output32 and
// Machine.Backward32). A two-layer ReLU encoder with a
// residual connection, for example:
//
//	h1, _ := ops.SparseAffine(bag, rows, w1, b1) // rows×H
//	a1, _ := ops.Activate(h1, ops.ReLU)
//	h2, _ := ops.Affine(a1, w2, b2)            // rows×H
//	a2, _ := ops.Activate(h2, ops.ReLU)
//	r, _ := gorgonia.Add(a1, a2)               // the residual connection
//	logits, _ := ops.Affine(r, w3, b3)         // rows×K
//
// # How they run
//
// Every operation writes into buffers it owns (it implements
// gorgonia.UsePreallocDoer and returns the same tensor on every run), keeps
// its per-run state (the input's nonzeros, the touched rows, the binary
// tables' plan) itself, and hashes by its own identity, so that the graph
// never merges two of them. An operation belongs to one graph; a graph and
// its machines must not be used by two goroutines at once, and separate
// graphs may run concurrently (the tests run under -race).
//
// A [Machine] runs a graph in two halves, as a training step needs: Forward
// computes the outputs (the logits from which codes are sampled, the
// log-likelihoods an estimator reads); Backward computes the cost and the
// gradients once the heads' constants (advantages, decoder weights) are
// set. Both are Gorgonia tape machines over the same graph; Backward does
// not repeat the forward work of this package's operations, which hold
// their outputs from Forward (except an output that one of Gorgonia's
// operations able to overwrite its input reads: that one is computed
// again). Gorgonia's own operations are run again by Backward.
package ops
