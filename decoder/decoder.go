package decoder

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
)

// Config describes a decoder's architecture. The zero value of Activation
// is the default, encoder.Tanh.
type Config struct {
	K          int                // number of binary latent factors (inputs)
	V          int                // vocabulary size (outputs)
	Hidden     []int              // hidden layer sizes; empty for the linear decoder W z + c
	Activation encoder.Activation // hidden activation (ignored when Hidden is empty)
	// Arch names an architecture registered with model.RegisterArch
	// (package model), whose parameters are the layers K → Hidden… → V;
	// empty for the built-in network.
	Arch string
}

// Validate reports whether c describes a valid decoder.
func (c Config) Validate() error {
	if c.V < 1 || c.K < 1 {
		return fmt.Errorf("decoder: V=%d and K=%d must be positive", c.V, c.K)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("decoder: hidden size %d must be positive", h)
		}
	}
	if len(c.Hidden) > 0 {
		if _, err := c.Activation.MarshalText(); err != nil {
			return fmt.Errorf("decoder: %w", err)
		}
	}
	return nil
}

// Decoder is f_θ with its parameters.
type Decoder struct {
	Config Config
	Net    *mlp.Net // K → Hidden… → V
}

// New returns a decoder with weights initialised from rng.
func New(cfg Config, rng *rand.Rand) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	act := encoder.Identity
	if len(cfg.Hidden) > 0 {
		act = cfg.Activation
	}
	sizes := append(append([]int{cfg.K}, cfg.Hidden...), cfg.V)
	return &Decoder{Config: cfg, Net: mlp.New(sizes, act, rng)}, nil
}

// Logits computes η (rows×V) for the codes z (rows×K). The result is owned by ws.
func (d *Decoder) Logits(ws *mlp.Workspace, z []float64) []float64 {
	return d.Net.Forward(ws, z)
}

// Workspace holds a forward pass's buffers for reuse across calls; one per
// goroutine.
type Workspace = mlp.Workspace
