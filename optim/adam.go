// Package optim holds amvi's optimizers, written so that their whole state
// is exported and can be checkpointed, and updating parameters in place
// without allocating.
package optim

import (
	"math"

	"github.com/amvi/amvi/internal/par"
	"github.com/amvi/amvi/internal/vec"
)

// Adam is the optimizer of Kingma and Ba, "Adam: a method for stochastic
// optimization", ICLR 2015, with bias-corrected moments. It minimises:
// Update subtracts the step from the parameters.
//
// The moments are stored in float32 and the update is computed in float64
// from them (vec.Adam32). The update reads and writes every parameter's
// value, gradient and moments each step and is limited by memory traffic:
// float32 moments cut it from 56 to 40 bytes a parameter, measured 22–27%
// faster on 1.13M parameters, while the parameters stay within 3·10⁻⁷
// (relative) of an all-float64 Adam over 1,000 steps.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	Step                  int         // number of updates made
	M, V                  [][]float32 // first and second moments, shaped like the parameters
}

// NewAdam returns an Adam with the usual defaults (β1 0.9, β2 0.999, ε 1e-8)
// and zero moments shaped like params.
func NewAdam(params [][]float64, lr float64) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, p := range params {
		a.M = append(a.M, make([]float32, len(p)))
		a.V = append(a.V, make([]float32, len(p)))
	}
	return a
}

// Update applies one step to params given their gradients.
// It panics if the shapes differ from those given to NewAdam.
func (a *Adam) Update(params, grads [][]float64) {
	if len(params) != len(a.M) || len(grads) != len(a.M) {
		panic("optim: Adam.Update shapes differ from NewAdam's")
	}
	a.Step++
	c := vec.AdamConst{
		Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps,
		Step: a.LR / (1 - math.Pow(a.Beta1, float64(a.Step))),
		C2:   1 - math.Pow(a.Beta2, float64(a.Step)),
	}
	for i, p := range params {
		g, m, v := grads[i], a.M[i], a.V[i]
		if len(p) != len(m) || len(g) != len(m) {
			panic("optim: Adam.Update shapes differ from NewAdam's")
		}
		// The update is element-wise, so splitting it changes no bits.
		par.For(len(p), 1<<14, func(lo, hi int) {
			vec.Adam32(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], c)
		})
	}
}
