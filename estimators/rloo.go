package estimators

// RLOO is the multi-sample score-function estimator with a leave-one-out
// baseline (Kool, van Hoof and Welling, "Buy 4 REINFORCE samples, get a
// baseline for free!", ICLR 2019 workshop; Salimans and Knowles 2014):
//
//	A_bs = (f(z_bs) - mean_{t≠s} f(z_bt)) / S = (f(z_bs) - mean_t f(z_bt)) / (S-1).
//
// It estimates ∇ELBO and is unbiased, since each sample's baseline depends
// only on the other, independent samples. It needs S ≥ 2 and costs one decoder
// pass per sample and O(S) more arithmetic per document.
type RLOO struct {
	KL KLMode
}

// Name returns "rloo".
func (*RLOO) Name() string { return KindRLOO.String() }

// MinSamples returns 2.
func (*RLOO) MinSamples() int { return 2 }

// Estimate writes the weights for b into w.
func (e *RLOO) Estimate(w *Weights, b *Batch) error {
	if err := checkBatch(b, 2, e.Name()); err != nil {
		return err
	}
	w.reset(b)
	w.KLWeight = signal(w.Advantage, w.Objective, b, e.KL)
	inv := 1 / float64(b.S)
	for d := 0; d < b.B; d++ {
		f := w.Advantage[d*b.S : (d+1)*b.S]
		mean := 0.0
		for _, v := range f {
			mean += v
		}
		mean /= float64(b.S)
		for s := range f {
			f[s] = (f[s] - mean) / float64(b.S-1)
			w.DecoderWeight[d*b.S+s] = inv
		}
	}
	return nil
}
