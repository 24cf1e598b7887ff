// Package topics looks inside a trained model: what each binary factor
// does to the words, and how often documents use it.
//
// A factor's effect on word w is how much the decoder's logit η_w rises
// when the factor is switched on, z_j = 1 rather than 0, with the other
// factors drawn from the prior: E_z[η_w(z, z_j=1) − η_w(z, z_j=0)]. For the
// linear decoder η = Wz + c it is W's row j whatever the other factors
// are; for an MLP decoder [Effects] averages it over codes sampled from the
// prior. The softmax ignores a shift of all logits, so it is the ranking
// of the words within a factor, their topic, that means something.
package topics

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
)

// Effects returns the K×V matrix (row-major, row j factor j) of the mean
// rise of the decoder's logits when factor j is switched on, averaged over
// samples codes drawn from the prior Bernoulli(alpha) with rng: for each
// sampled code z and each j, the logits of z with z_j = 1 minus those with
// z_j = 0. The difference does not depend on z for a linear decoder, so
// for one (no hidden layers) a single code is used, whatever samples is,
// and the result is W's row j (to rounding). Each sample costs 2K decoder
// passes. It panics if samples < 1, alpha is not in (0, 1) or rng is nil.
func Effects(dec *decoder.Decoder, alpha float64, samples int, rng *rand.Rand) []float64 {
	if samples < 1 || !(alpha > 0 && alpha < 1) || rng == nil {
		panic(fmt.Sprintf("topics: Effects needs samples ≥ 1 (%d), alpha in (0, 1) (%v) and a random source", samples, alpha))
	}
	k, v := dec.Config.K, dec.Config.V
	if len(dec.Config.Hidden) == 0 {
		samples = 1
	}
	eff := make([]float64, k*v)
	z := make([]float64, 2*k*k) // row 2j: z with z_j = 1, row 2j+1: with z_j = 0
	base := make([]float64, k)
	var ws decoder.Workspace
	for range samples {
		for i := range base {
			base[i] = 0
			if rng.Float64() < alpha {
				base[i] = 1
			}
		}
		for j := range k {
			on, off := z[2*j*k:(2*j+1)*k], z[(2*j+1)*k:(2*j+2)*k]
			copy(on, base)
			copy(off, base)
			on[j], off[j] = 1, 0
		}
		eta := dec.Logits(&ws, z)
		for j := range k {
			row := eff[j*v : (j+1)*v]
			on, off := eta[2*j*v:(2*j+1)*v], eta[(2*j+1)*v:(2*j+2)*v]
			for w := range row {
				row[w] += on[w] - off[w]
			}
		}
	}
	for i := range eff {
		eff[i] /= float64(samples)
	}
	return eff
}

// Top returns the ids of the n words (fewer if the row is shorter) with
// the largest effect in row, largest first, ties by word id.
func Top(row []float64, n int) []int {
	ids := make([]int, len(row))
	for i := range ids {
		ids[i] = i
	}
	slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(row[b], row[a]) })
	return ids[:min(n, len(ids))]
}

// Usage returns, for each factor, the fraction of docs whose most probable
// code has it on (q(z_j = 1 | x) > 1/2) and its mean probability
// q(z_j = 1 | x) over docs, computed on all cores. An empty docs gives
// zeros. Errors are the encoder's, for a document it cannot encode.
func Usage(enc *encoder.Frozen, docs []data.Document) (on, mean []float64, err error) {
	k := enc.K()
	on, mean = make([]float64, k), make([]float64, k)
	if len(docs) == 0 {
		return on, mean, nil
	}
	logits := make([]float64, len(docs)*k)
	if err := enc.BatchLogitsParallel(logits, docs, 0); err != nil {
		return nil, nil, err
	}
	p := make([]float64, len(logits))
	encoder.Probs(p, logits)
	for i := range docs {
		for j := range k {
			if logits[i*k+j] > 0 {
				on[j]++
			}
			mean[j] += p[i*k+j]
		}
	}
	for j := range k {
		on[j] /= float64(len(docs))
		mean[j] /= float64(len(docs))
	}
	return on, mean, nil
}
