// Package encoder is amvi's inference network g_λ: a multilayer perceptron
// from a document's word counts (or log(1+count)) to the logits a of K
// independent Bernoulli posteriors, q(z|x) = Π_j σ(a_j)^z_j (1-σ(a_j))^(1-z_j).
//
// The package is graph-free: it holds the parameters, the plain forward and
// backward pass (see package internal/mlp), the Bernoulli helpers (sampling,
// log q, closed-form KL to the prior) and Surrogate, the loss whose gradient
// with respect to the logits is a score-function gradient estimate. The
// Gorgonia training graph over the same parameters lives in package
// encoder/encgraph, so that programs which only encode documents need not
// link Gorgonia.
package encoder
