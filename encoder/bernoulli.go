package encoder

import (
	"math/rand/v2"

	"github.com/amvi/amvi/internal/mathx"
)

// Sample draws S codes per row of the logits a (rows×K) into z
// (rows·S×K, row r·S+s for sample s of row r), z_j = 1 with probability
// σ(a_j). It panics if len(z) != S·len(a).
func Sample(z, a []float64, k, samples int, rng *rand.Rand) {
	if len(z) != samples*len(a) {
		panic("encoder: Sample buffer has the wrong length")
	}
	rows := len(a) / k
	p := make([]float64, k)
	for r := 0; r < rows; r++ {
		Probs(p, a[r*k:(r+1)*k])
		for s := 0; s < samples; s++ {
			zr := z[(r*samples+s)*k : (r*samples+s+1)*k]
			for j, pj := range p {
				if rng.Float64() < pj {
					zr[j] = 1
				} else {
					zr[j] = 0
				}
			}
		}
	}
}

// LogQ returns log q(z|x) = Σ_j z_j log σ(a_j) + (1-z_j) log σ(-a_j) for one
// code z and the logits a of its document, computed in log space.
func LogQ(z, a []float64) float64 {
	s := 0.0
	for j, aj := range a {
		if z[j] != 0 {
			s += mathx.LogSigmoid(aj)
		} else {
			s += mathx.LogSigmoid(-aj)
		}
	}
	return s
}

// Probs writes the posterior probabilities b = σ(a) for the logits a into dst.
func Probs(dst, a []float64) {
	for i, v := range a {
		dst[i] = mathx.Sigmoid(v)
	}
}
