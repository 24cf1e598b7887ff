// Package gg is amvi's glue to Gorgonia: it builds the graph of an
// internal/mlp network over parameter tensors that alias the network's own
// storage, and wraps a plain Go loss with an analytic gradient (a Head) as a
// Gorgonia operation.
//
// Heads are how amvi avoids several of Gorgonia's traps at once (see
// internal/gorgoniatraps): the loss and its gradient are computed in float64
// by tested plain code (stable log-softmax, log-sum-exp and softplus), values
// needed after a run are written by the head into buffers it owns instead of
// being read back from graph nodes, and constants such as advantages live in
// the head, so no gradient can flow through them.
package gg
