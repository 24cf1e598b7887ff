package encoder

import (
	"math"
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

// LogPrior returns log p(z) = Σ_j z_j log α + (1-z_j) log(1-α).
func LogPrior(z []float64, alpha float64) float64 {
	ones := 0.0
	for _, v := range z {
		ones += v
	}
	return ones*math.Log(alpha) + (float64(len(z))-ones)*math.Log1p(-alpha)
}

// KL returns the closed-form KL(q(z|x) || p(z)) between the mean-field
// Bernoulli posterior with logits a and the Bernoulli(α) prior:
// Σ_j b_j log(b_j/α) + (1-b_j) log((1-b_j)/(1-α)), b = σ(a), in log space.
func KL(a []float64, alpha float64) float64 {
	la, l1a := math.Log(alpha), math.Log1p(-alpha)
	s := 0.0
	for _, aj := range a {
		b, l1, l0 := mathx.SigmoidParts(aj)
		s += b*(l1-la) + (1-b)*(l0-l1a)
	}
	return s
}

// KLGrad adds w·∂KL/∂a = w·σ(a)(1-σ(a))(a - logit α) to dst.
func KLGrad(dst, a []float64, alpha, w float64) {
	la := mathx.Logit(alpha)
	for j, aj := range a {
		b := mathx.Sigmoid(aj)
		dst[j] += w * b * (1 - b) * (aj - la)
	}
}

// Probs writes the posterior probabilities b = σ(a) for the logits a into dst.
func Probs(dst, a []float64) {
	for i, v := range a {
		dst[i] = mathx.Sigmoid(v)
	}
}
