// Package decgraph builds the Gorgonia training graph of a decoder: the
// decoder's network over a minibatch of codes, with the fused log-softmax
// likelihood (decoder.LogLik) as its output layer. The parameter tensors
// alias the decoder's own storage, so updating the decoder in place updates
// the graph.
package decgraph

import (
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/internal/gg"
)

// New returns the graph of dec over rows codes (B documents × S samples).
// The caller fills the returned Net's Input (rows×K codes) and calls
// loss.Reset with the documents before each Run, which writes the gradient of
// loss with respect to every decoder parameter and leaves the per-row
// log-likelihoods in loss.LL.
func New(dec *decoder.Decoder, rows int, loss *decoder.LogLik) (*gg.Net, error) {
	return gg.NewNet(dec.Net, rows, loss, "decoder")
}
