// Package estimators turns the per-sample learning signals of a minibatch
// into the coefficients of amvi's surrogate losses: the advantage A_bs of each
// sampled code in the encoder's score-function term, the weight of each
// sample's decoder log-likelihood gradient, and the weight of the closed-form
// KL gradient (design §3–§4).
//
// With codes z_bs ~ q(z|x_b), s = 1…S, the encoder's gradient estimate is
//
//	∇_λ = Σ_b [ Σ_s A_bs ∇_λ log q(z_bs|x_b) - KLWeight·∇_λ KL(q(z|x_b)||p(z)) ]
//
// and the decoder's is Σ_b Σ_s DecoderWeight_bs ∇_θ log p(x_b|z_bs). The
// estimators differ only in how they compute A from the signals: plain
// REINFORCE, NVIL's learned baselines, leave-one-out baselines (RLOO) and
// VIMCO's multi-sample bound; DisARM draws antithetic pairs of codes and
// gives the gradient with respect to the logits directly
// (Weights.LogitGrad). All of it is plain float64 code, independent of any
// graph library; package exact checks it against enumeration.
//
// A [Kind] names an estimator, as a configuration and cmd/train's
// -estimator do; its zero value is RLOO, the default, and [New] returns
// the estimator of a kind.
//
// The learning signal is f = log p(x|z) when the KL is taken in closed form
// (KL option ClosedForm) or f = log p(x,z) - log q(z|x) when it is estimated
// with the rest (Stochastic). Both give unbiased gradients of the ELBO.
package estimators
