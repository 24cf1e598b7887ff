package estimators

// Reinforce is the score-function estimator with no baseline (Williams,
// "Simple statistical gradient-following algorithms for connectionist
// reinforcement learning", Machine Learning 8, 1992): A_bs = f(z_bs)/S.
//
// It estimates ∇ELBO, unbiased for any S ≥ 1, at the cost of one decoder
// pass per sample. Its variance grows with the scale of f, hundreds of nats
// for a document, which makes it the reference the other estimators improve
// on rather than a practical choice.
type Reinforce struct {
	KL KLMode
}

// Name returns "reinforce".
func (*Reinforce) Name() string { return KindReinforce.String() }

// MinSamples returns 1.
func (*Reinforce) MinSamples() int { return 1 }

// Estimate writes the weights for b into w.
func (e *Reinforce) Estimate(w *Weights, b *Batch) error {
	if err := checkBatch(b, 1, e.Name()); err != nil {
		return err
	}
	w.reset(b)
	w.KLWeight = signal(w.Advantage, w.Objective, b, e.KL)
	inv := 1 / float64(b.S)
	for i := range w.Advantage {
		w.Advantage[i] *= inv
		w.DecoderWeight[i] = inv
	}
	return nil
}
