// Package encgraph builds the Gorgonia training graph of an encoder: the
// encoder's network over a minibatch input, with the score-function
// surrogate loss (encoder.Surrogate) as its output layer. The parameter
// tensors alias the encoder's own storage, so updating the encoder in place
// updates the graph.
package encgraph

import (
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/gg"
)

// New returns the graph of enc over a minibatch of rows documents. The caller
// fills the returned Net's Input (rows×V, as encoder.FillInput writes it) and
// loss's advantages before each Run, which writes the gradient of loss with
// respect to every encoder parameter.
func New(enc *encoder.Encoder, rows int, loss *encoder.Surrogate) (*gg.Net, error) {
	return gg.NewNet(enc.Net, rows, loss, "encoder")
}
