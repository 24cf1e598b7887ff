package encoder

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/enum"
	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/internal/mlp"
)

// Activation is a hidden layer's elementwise nonlinearity. The zero value
// is Tanh, the default. Configurations and checkpoints hold it by name
// ("tanh", "identity", "relu", "sigmoid", "softplus"): its MarshalText
// writes the name and its UnmarshalText reads it, so that JSON and
// flag.TextVar use the names.
type Activation = mlp.Activation

// The activations.
const (
	Tanh     = mlp.Tanh // the default
	Identity = mlp.Identity
	ReLU     = mlp.ReLU
	Sigmoid  = mlp.Sigmoid
	Softplus = mlp.Softplus
)

// Input is the transform of the word counts fed to the encoder. The zero
// value is InputCounts, the default. Like Activation, it is held by name
// ("counts", "log1p").
type Input int

// The input transforms.
const (
	InputCounts Input = iota // the raw counts x_w
	InputLog1p               // log(1 + x_w), which tames long documents
)

var inputs = enum.New[Input]("input transform", []string{InputCounts: "counts", InputLog1p: "log1p"})

// String returns the transform's name.
func (in Input) String() string { return inputs.String(in) }

// MarshalText returns the transform's name; a value that is none of the
// transforms is an error.
func (in Input) MarshalText() ([]byte, error) { return inputs.MarshalText(in) }

// UnmarshalText sets in to the transform named text.
func (in *Input) UnmarshalText(text []byte) error { return inputs.UnmarshalText(in, text) }

// Config describes an encoder's architecture. The zero values of
// Activation and Input are the defaults, Tanh and InputCounts.
type Config struct {
	V          int        // vocabulary size (inputs)
	K          int        // number of binary latent factors (outputs)
	Hidden     []int      // hidden layer sizes; empty for a linear encoder
	Activation Activation // hidden activation
	Input      Input      // transform of the counts
	// Arch names an architecture registered with model.RegisterArch
	// (package model), whose parameters are the layers V → Hidden… → K;
	// empty for the built-in multilayer perceptron.
	Arch string
}

// Validate reports whether c describes a valid encoder.
func (c Config) Validate() error {
	if c.V < 1 || c.K < 1 {
		return fmt.Errorf("encoder: V=%d and K=%d must be positive", c.V, c.K)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("encoder: hidden size %d must be positive", h)
		}
	}
	if _, err := c.Activation.MarshalText(); err != nil {
		return fmt.Errorf("encoder: %w", err)
	}
	if _, err := c.Input.MarshalText(); err != nil {
		return fmt.Errorf("encoder: %w", err)
	}
	return nil
}

// Encoder is g_λ with its parameters.
type Encoder struct {
	Config Config
	Net    *mlp.Net // V → Hidden… → K
}

// New returns an encoder with weights initialised from rng.
func New(cfg Config, rng *rand.Rand) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sizes := append(append([]int{cfg.V}, cfg.Hidden...), cfg.K)
	return &Encoder{Config: cfg, Net: mlp.New(sizes, cfg.Activation, rng)}, nil
}

// FillInput writes the encoder's input for docs into dst, one dense row of
// length V per document, applying the configured transform.
// It panics if len(dst) != len(docs)*V or a word id is out of range.
func (e *Encoder) FillInput(dst []float64, docs []data.Document) {
	v := e.Config.V
	if len(dst) != len(docs)*v {
		panic("encoder: FillInput buffer has the wrong length")
	}
	clear(dst)
	log1p := e.Config.Input == InputLog1p
	for i, d := range docs {
		row := dst[i*v : (i+1)*v]
		for j, w := range d.Words {
			row[w] = inputValue(d.Counts[j], log1p)
		}
	}
}

// FillSparse writes the encoder's input for docs into x in compressed-row
// form, one row per document with one entry per distinct word, applying
// the configured transform: the same matrix FillInput writes densely.
// It panics if a word id is out of range.
func (e *Encoder) FillSparse(x *mlp.Sparse, docs []data.Document) {
	v := e.Config.V
	x.Reset(v)
	log1p := e.Config.Input == InputLog1p
	for _, d := range docs {
		for _, w := range d.Words {
			if w < 0 || w >= v {
				panic("encoder: FillSparse word id out of range")
			}
		}
		appendDoc(x, d, log1p)
	}
}

// appendDoc appends d's row, transformed, to x: the one place where a
// document becomes an encoder input.
func appendDoc(x *mlp.Sparse, d data.Document, log1p bool) {
	for j, w := range d.Words {
		x.Append(w, inputValue(d.Counts[j], log1p))
	}
	x.EndRow()
}

// inputValue is a count as the encoder reads it: c, or log(1+c).
func inputValue(c int, log1p bool) float64 {
	switch {
	case !log1p:
		return float64(c)
	case c >= 0 && c < len(log1pOf):
		return log1pOf[c] // most counts are small
	}
	return math.Log1p(float64(c))
}

// log1pOf holds math.Log1p of the small counts.
var log1pOf = func() (t [256]float64) {
	for c := range t {
		t[c] = math.Log1p(float64(c))
	}
	return t
}()

// Logits computes the logits a (len(x)/V rows of K) for the encoder input
// x as written by FillInput. The result is owned by ws.
func (e *Encoder) Logits(ws *mlp.Workspace, x []float64) []float64 {
	return e.Net.Forward(ws, x)
}

// ErrUnknownArch reports a configuration naming an architecture that no
// package registered (see model.RegisterArch).
var ErrUnknownArch = errors.New("unknown network architecture")

var (
	archMu sync.RWMutex
	archs  = map[string]func(*Encoder) (func(dst []float64, docs []data.Document) error, error){}
)

// RegisterArch makes the architecture name servable by Frozen: newForward
// returns a function computing the logits of an encoder of that
// architecture for a batch of valid documents. Package model calls it from
// model.RegisterArch; users call that instead.
// It panics if name is empty or already registered.
func RegisterArch(name string, newForward func(*Encoder) (func(dst []float64, docs []data.Document) error, error)) {
	archMu.Lock()
	defer archMu.Unlock()
	if _, dup := archs[name]; dup || name == "" || newForward == nil {
		panic(fmt.Sprintf("encoder: RegisterArch(%q) twice or without a function", name))
	}
	archs[name] = newForward
}

func lookupArch(name string) (func(*Encoder) (func(dst []float64, docs []data.Document) error, error), error) {
	archMu.RLock()
	defer archMu.RUnlock()
	f, ok := archs[name]
	if !ok {
		return nil, fmt.Errorf("encoder: architecture %q: %w (import the package that registers it)", name, ErrUnknownArch)
	}
	return f, nil
}

// ErrNotFinite reports a NaN or infinite value where a finite one is needed.
// It is the same value as estimators.ErrNotFinite.
var ErrNotFinite = mathx.ErrNotFinite

// Workspace holds a forward pass's buffers for reuse across calls; one per
// goroutine.
type Workspace = mlp.Workspace
