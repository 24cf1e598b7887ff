// Package decoder is amvi's generative network f_θ: from a binary code z
// (K factors) to the logits η of a categorical distribution over the V words,
// through a linear map W z + c or a multilayer perceptron, and the document
// log-likelihood log p(x|z) = Σ_w x_w log softmax(η)_w (the multinomial
// coefficient left out, as in the NVIL and NVDM papers).
//
// The package is graph-free: it holds the parameters and LogLik, the fused,
// numerically stable log-softmax likelihood that the decoder's Gorgonia
// graph (built by package model from package ops's operations) uses as its
// output layer, through ops.LogLik; and LinearLogLik, the same likelihood
// and its gradient for the linear decoder and binary codes without the
// logits, which evaluation (model.Forward) and large training minibatches
// (through ops.LinearLogLik) use in its place.
package decoder
