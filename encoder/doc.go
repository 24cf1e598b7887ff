// Package encoder is amvi's inference network g_λ: a multilayer perceptron
// from a document's word counts (or log(1+count)) to the logits a of K
// independent Bernoulli posteriors, q(z|x) = Π_j σ(a_j)^z_j (1-σ(a_j))^(1-z_j).
//
// A [Config] gives the sizes, the hidden layers' [Activation] and the
// counts' transform ([Input]), whose zero values are the defaults (tanh,
// the raw counts), or names an architecture of one's own (Config.Arch,
// registered with model.RegisterArch).
//
// The package is graph-free: it holds the parameters, the Bernoulli helpers
// (sampling, log q, closed-form KL to the prior) and Surrogate, the loss
// whose gradient with respect to the logits is a score-function gradient
// estimate. Training runs the encoder as a Gorgonia graph of package ops's
// operations (package model builds it; ops.Surrogate is its head), so that
// programs which only encode documents need not link Gorgonia.
//
// # Inference
//
// To encode documents with a trained model, load its checkpoint (the file
// training writes, such as best.safetensors) into a [Frozen] encoder:
//
//	enc, err := encoder.Load("runs/20news/best.safetensors")
//	...
//	doc, _, err := enc.Document("The shuttle put a satellite in orbit")
//	probs, err := enc.Probabilities(doc) // q(z_j = 1 | x), j = 0..K-1
//	code, err := enc.Code(doc)           // the most probable code, e.g. 0110…
//
// Documents are data.Document values (word ids and counts, as the corpus
// readers make them) or text split with the stored vocabulary. The first
// layer touches only the rows of the document's distinct words, so a
// document costs O(distinct words × hidden) there instead of O(V × hidden),
// and the result equals the training graph's to rounding (about 1e-15).
// A Frozen is immutable and safe for concurrent use. The To methods
// ([Frozen.ProbabilitiesTo], [Frozen.BatchProbabilitiesTo], …) write into
// caller buffers with a caller-owned [Scratch] per goroutine and allocate
// nothing; [Frozen.BatchProbabilities] encodes many documents on all cores.
// Command cmd/encode does the same for whole files.
package encoder
