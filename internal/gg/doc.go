// Package gg is the reference that amvi's own operations (package ops) are
// tested against: it builds the graph of an internal/mlp network from
// Gorgonia's own dense operations (Mul, BroadcastAdd, Tanh, Rectify, …)
// over parameter tensors that alias the network's storage, and wraps a
// plain Go loss with an analytic gradient (a Head) as a Gorgonia
// operation. Only tests use it.
//
// Heads avoid several of Gorgonia's traps at once (see
// internal/gorgoniatraps): the loss and its gradient are computed in float64
// by tested plain code (stable log-softmax, log-sum-exp and softplus), values
// needed after a run are written by the head into buffers it owns instead of
// being read back from graph nodes, and constants such as advantages live in
// the head, so no gradient can flow through them.
package gg
