package model

import (
	"fmt"
	"sort"
	"sync"

	"gorgonia.org/gorgonia"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/ops"
)

// An Arch is a network architecture of the user's own: any Gorgonia
// expression over the network's input and its parameters, built from
// package ops's operations and Gorgonia's. Register it under a name with
// RegisterArch, and name it in encoder.Config.Arch or decoder.Config.Arch;
// training, checkpoints, resuming, evaluation (cmd/eval) and
// encoder.Frozen then use it wherever the name is registered.
//
// The parameters are those of a stack of affine layers of the sizes the
// configuration gives (input, Hidden…, output): for layer i a weight
// matrix W_i (In×Out) and a bias vector b_i (Out), in the order W_0, b_0,
// W_1, b_1, …; they are initialised, optimised and stored as the built-in
// networks' are. Build decides how they are wired: with an activation of
// its choice, a residual connection, a layer used twice.
type Arch interface {
	// Build returns the network's output node (Input.Rows × the output
	// size) for x and the parameter nodes ps.
	Build(x Input, ps gorgonia.Nodes) (*gorgonia.Node, error)
}

// Input is a network's input inside its graph.
type Input struct {
	Rows, Cols int
	// Bag is an encoder's input: the minibatch's documents, one row each,
	// by their nonzero (transformed) word counts, filled before every run.
	// Read it with ops.SparseAffine. Nil for a decoder.
	Bag *ops.Sparse
	// Codes is a decoder's input: the rows×K node of binary codes (for
	// ops.BinaryAffine, or any Gorgonia operation). Nil for an encoder.
	Codes *gorgonia.Node
}

var (
	archMu sync.RWMutex
	archs  = map[string]Arch{}
)

// RegisterArch makes a under name available to configurations. Call it
// from an init function.
// It panics if name is empty or already registered, or a is nil.
func RegisterArch(name string, a Arch) {
	if name == "" || a == nil {
		panic("model: RegisterArch needs a name and an architecture")
	}
	archMu.Lock()
	defer archMu.Unlock()
	if _, dup := archs[name]; dup {
		panic(fmt.Sprintf("model: architecture %q registered twice", name))
	}
	archs[name] = a
	encoder.RegisterArch(name, newArchForward)
}

// lookupArch returns the architecture registered under name.
func lookupArch(name string) (Arch, error) {
	archMu.RLock()
	defer archMu.RUnlock()
	a, ok := archs[name]
	if !ok {
		names := make([]string, 0, len(archs))
		for n := range archs {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("model: architecture %q is not registered (registered: %v): %w", name, names, ErrUnknownArch)
	}
	return a, nil
}

// ErrUnknownArch reports a configuration naming an architecture that no
// package registered.
var ErrUnknownArch = encoder.ErrUnknownArch

// newArchForward serves encoder.Frozen for a custom encoder: its graph's
// forward half, one graph per batch size, one batch at a time.
func newArchForward(e *encoder.Encoder) (func(dst []float64, docs []data.Document) error, error) {
	if _, err := lookupArch(e.Config.Arch); err != nil {
		return nil, err
	}
	m := &Model{Enc: e}
	encs := map[int]*encGraph{}
	var mu sync.Mutex
	return func(dst []float64, docs []data.Document) error {
		mu.Lock()
		defer mu.Unlock()
		g, ok := encs[len(docs)]
		if !ok {
			var err error
			if g, err = newEncGraph(m, len(docs), false); err != nil {
				return err
			}
			encs[len(docs)] = g
		}
		a, err := g.forward(e, docs)
		if err != nil {
			return err
		}
		copy(dst, a)
		return nil
	}, nil
}

// Residual is an example of an Arch, registered as "residual": a ReLU
// encoder with a residual connection over three layers V→H→H→K,
//
//	h₁ = relu(x·W₀ + b₀), h₂ = relu(h₁·W₁ + b₁), a = (h₁ + h₂)·W₂ + b₂,
//
// for an encoder.Config with Hidden {H, H}. Its first layer reads only
// the documents' words (ops.SparseAffine).
type Residual struct{}

// Build implements Arch.
func (Residual) Build(x Input, ps gorgonia.Nodes) (*gorgonia.Node, error) {
	if x.Bag == nil || len(ps) != 6 {
		return nil, fmt.Errorf("model: the residual architecture is an encoder of three layers (Hidden {H, H}), got %d parameters", len(ps))
	}
	h0, err := ops.SparseAffine(x.Bag, x.Rows, ps[0], ps[1])
	if err != nil {
		return nil, err
	}
	h1, err := ops.Activate(h0, ops.ReLU)
	if err != nil {
		return nil, err
	}
	p1, err := ops.Affine(h1, ps[2], ps[3])
	if err != nil {
		return nil, err
	}
	h2, err := ops.Activate(p1, ops.ReLU)
	if err != nil {
		return nil, err
	}
	r, err := gorgonia.Add(h1, h2)
	if err != nil {
		return nil, err
	}
	return ops.Affine(r, ps[4], ps[5])
}

func init() { RegisterArch("residual", Residual{}) }
