// Package mathx holds the few numerically careful scalar functions that amvi
// needs and neither the standard library nor gonum provides.
package mathx

import (
	"errors"
	"math"
)

// Sigmoid returns the logistic function 1/(1+exp(-x)), accurate for all x.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Softplus returns log(1+exp(x)) without overflow or loss of precision.
func Softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// LogSigmoid returns log(Sigmoid(x)) = -Softplus(-x).
func LogSigmoid(x float64) float64 { return -Softplus(-x) }

// SigmoidParts returns Sigmoid(x), LogSigmoid(x) and LogSigmoid(-x), bit
// for bit, from one exponential and one logarithm instead of the three and
// two that the separate calls take.
func SigmoidParts(x float64) (sig, logSig, logSigNeg float64) {
	t := math.Exp(-math.Abs(x))
	sp := math.Log1p(t) // softplus(-|x|)
	if x >= 0 {
		return 1 / (1 + t), -sp, -(x + sp)
	}
	return t / (1 + t), x - sp, -sp
}

// Logit returns log(p/(1-p)).
func Logit(p float64) float64 { return math.Log(p) - math.Log1p(-p) }

// ErrNotFinite reports a NaN or infinite value where a finite one is
// needed. Packages encoder and estimators export it under their own names;
// all are the same value, so errors.Is matches any of them.
var ErrNotFinite = errors.New("not finite")
