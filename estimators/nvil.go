package estimators

import (
	"math"
	"math/rand/v2"

	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
	"github.com/amvi/amvi/optim"
)

// NVILConfig configures NVIL.
type NVILConfig struct {
	KL        KLMode
	InputDim  int     // size of the encoder input the baseline network reads
	Hidden    int     // baseline network hidden units (default 100; NVIL's choice)
	LR        float64 // baseline network learning rate (default 1e-2, Adam; 1e-3 learned too slowly: 6.5 nats worse held-out ELBO on the synthetic corpus)
	Decay     float64 // running-average decay for the mean and variance (default 0.8, as in the paper)
	Normalise bool    // divide the signal by max(1, running std)
	NoNetwork bool    // use only the running mean, no input-dependent baseline
	Seed      uint64  // seeds the baseline network's initial weights
	// Float32 runs the baseline network in float32 (its weights,
	// activations, gradients and Adam's parameters), as a float32 model's
	// networks run; its inputs, its predictions and everything else NVIL
	// computes stay float64.
	Float32 bool
}

// NVIL is neural variational inference and learning (Mnih and Gregor,
// "Neural variational inference and learning in belief networks", ICML 2014):
// the score-function estimator with a running-mean baseline c, an
// input-dependent baseline network c_ψ(x) trained to predict f - c by squared
// error, and optional variance normalisation:
//
//	A_bs = (f(z_bs) - c - c_ψ(x_b)) / (S · max(1, σ̂)).
//
// With normalisation the whole signal is divided by max(1, σ̂), and so is the
// closed-form KL (KLWeight = 1/max(1, σ̂)): dividing only the score term would
// re-weight the KL against reconstruction and collapse the encoder to the
// prior (design §4). Without normalisation it is an unbiased estimate of
// ∇ELBO; with it, an unbiased estimate of ∇ELBO/max(1, σ̂), the same direction
// with a step size that adapts to the signal's scale. The baselines depend on
// the parameters and past batches only, never on the current samples. It
// costs one decoder pass per sample plus the baseline network's forward and
// backward pass per document (V·Hidden multiply-adds each way).
type NVIL struct {
	Config NVILConfig
	Mean   float64 // running mean c of f - c_ψ(x)
	Var    float64 // running variance of f - c - c_ψ(x)
	// Net is c_ψ, nil with NoNetwork. With Config.Float32 the network
	// that runs is Net32, and Net its float64 copy for what reads one (a
	// checkpoint): Widen writes it, Narrow reads it back.
	Net   *mlp.Net
	Net32 *mlp.NetOf[float32]
	Opt   *optim.Adam // over the parameters of the network that runs
	Steps int         // batches seen

	run        baseline // the network that runs, nil with NoNetwork
	f, d, pred []float64

	// Overlapper's state: the batch whose baseline Prepare computed, and
	// the one whose learning Estimate left to Learn.
	prepared, pending *Batch
}

// NewNVIL returns an NVIL estimator; zero fields of cfg take their defaults.
func NewNVIL(cfg NVILConfig) *NVIL {
	if cfg.Hidden == 0 {
		cfg.Hidden = 100
	}
	if cfg.LR == 0 {
		cfg.LR = 1e-2
	}
	if cfg.Decay == 0 {
		cfg.Decay = 0.8
	}
	e := &NVIL{Config: cfg}
	if !cfg.NoNetwork {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x6e76696c))
		e.Net = mlp.New([]int{cfg.InputDim, cfg.Hidden, 1}, mlp.Tanh, rng)
		for i := range e.Net.Layers[1].W {
			e.Net.Layers[1].W[i] = 0 // start as a constant baseline
		}
		if cfg.Float32 {
			e.Net32 = mlp.NewZeroOf[float32](e.Net.Sizes(), e.Net.Act)
			e.Narrow()
			e.Opt = optim.NewAdamMixed(e.Net32.Params(), nil, cfg.LR)
			e.run = newBaselineRun(e.Net32, func(p, g [][]float32) { e.Opt.UpdateMixed(p, g, nil, nil) })
		} else {
			e.Opt = optim.NewAdam(e.Net.Params(), cfg.LR)
			e.run = newBaselineRun(e.Net, func(p, g [][]float64) { e.Opt.Update(p, g) })
		}
	}
	return e
}

// Narrow copies Net's parameters into Net32 (rounded to nearest; exact for
// values that were float32): call it after writing Net. It does nothing
// without Config.Float32.
func (e *NVIL) Narrow() {
	if e.Net32 != nil {
		mlp.Convert(e.Net32, e.Net)
	}
}

// Widen copies Net32's parameters into Net (exactly), so that Net holds
// what training made of them: call it before reading Net. It does nothing
// without Config.Float32.
func (e *NVIL) Widen() {
	if e.Net32 != nil {
		mlp.Convert(e.Net, e.Net32)
	}
}

// Name returns "nvil".
func (*NVIL) Name() string { return KindNVIL.String() }

// MinSamples returns 1.
func (*NVIL) MinSamples() int { return 1 }

// Estimate writes the weights for b into w, then updates the running
// statistics and takes one step on the baseline network (or leaves that
// step to Learn after a Prepare: see Overlapper).
func (e *NVIL) Estimate(w *Weights, b *Batch) error {
	if err := checkBatch(b, 1, e.Name()); err != nil {
		return err
	}
	w.reset(b)
	e.f = scratch.Grow(e.f, b.B*b.S)
	klw := signal(e.f, w.Objective, b, e.Config.KL)
	external := e.prepared == b // the caller overlaps Prepare and Learn with its own work
	if !external {
		e.Prepare(b)
	}
	e.prepared = nil
	scale := 1.0
	if e.Config.Normalise && e.Steps > 0 {
		scale = 1 / max(1, math.Sqrt(e.Var))
	}
	inv := 1 / float64(b.S)
	// Residuals after the baselines, and the batch statistics.
	e.d = scratch.Grow(e.d, b.B)
	meanResid, n := 0.0, float64(b.B*b.S)
	for i, f := range e.f {
		meanResid += (f - e.pred[i/b.S]) / n
	}
	varResid := 0.0
	for i, f := range e.f {
		r := f - e.Mean - e.pred[i/b.S]
		w.Advantage[i] = r * scale * inv
		w.DecoderWeight[i] = inv
		varResid += r * r / n
	}
	w.KLWeight = klw * scale
	// Update the baselines from this batch, after using them.
	if e.Steps == 0 {
		e.Mean, e.Var = meanResid, varResid
	} else {
		a := e.Config.Decay
		e.Mean = a*e.Mean + (1-a)*meanResid
		e.Var = a*e.Var + (1-a)*varResid
	}
	e.Steps++
	if e.Net != nil {
		e.pending = b
		// Squared error ½ mean_b (c_ψ(x_b) - mean_s(f_bs - c))², gradient wrt the prediction.
		for d := 0; d < b.B; d++ {
			t := 0.0
			for s := 0; s < b.S; s++ {
				t += e.f[d*b.S+s] - e.Mean
			}
			e.d[d] = (e.pred[d] - t*inv) / float64(b.B)
		}
	}
	if !external {
		e.Learn()
	}
	return nil
}

// Prepare computes the baseline network's predictions for b (see
// Overlapper), after any learning still pending from the last batch.
func (e *NVIL) Prepare(b *Batch) {
	e.Learn()
	e.pred = scratch.Grow(e.pred, b.B)
	e.prepared = b
	if e.run == nil {
		clear(e.pred)
		return
	}
	e.run.predict(e.pred, b)
}

// Learn takes the baseline network's step on the last batch Estimate saw,
// if it has not been taken (see Overlapper).
func (e *NVIL) Learn() {
	b := e.pending
	if b == nil {
		return
	}
	e.pending = nil
	e.run.learn(e.d)
}

// baseline is the baseline network's passes in its dtype.
type baseline interface {
	// predict writes the network's predictions for b's documents into
	// pred (len b.B).
	predict(pred []float64, b *Batch)
	// learn takes one step of Adam on the last predict's batch, given the
	// loss's gradient d with respect to the predictions.
	learn(d []float64)
}

// baselineRun is a baseline network of dtype T with its gradient, its
// workspace and its inputs in T.
type baselineRun[T mlp.Float] struct {
	net, grad *mlp.NetOf[T]
	update    func(params, grads [][]T) // Adam's step
	ws        mlp.WorkspaceOf[T]
	touched   mlp.Touched // rows of grad's first layer that BackwardSparse wrote

	// The last predict's inputs in T: b's own, or narrowed into the
	// buffers below.
	sparse  *mlp.SparseOf[T]
	dense   []T
	sparseT mlp.SparseOf[T]
	denseT  []T
	d       []T
}

func newBaselineRun[T mlp.Float](net *mlp.NetOf[T], update func(params, grads [][]T)) *baselineRun[T] {
	return &baselineRun[T]{net: net, grad: net.ZeroClone(), update: update}
}

func (r *baselineRun[T]) predict(pred []float64, b *Batch) {
	var out []T
	if b.InputSparse != nil {
		r.sparse, r.dense = asSparse(&r.sparseT, b.InputSparse), nil
		out = r.net.ForwardSparse(&r.ws, r.sparse)
	} else {
		r.sparse, r.dense = nil, asSlice(&r.denseT, b.Input)
		out = r.net.Forward(&r.ws, r.dense)
	}
	for i := range pred {
		pred[i] = float64(out[i])
	}
}

func (r *baselineRun[T]) learn(d []float64) {
	dT := asSlice(&r.d, d)
	if r.sparse != nil {
		r.net.BackwardSparse(&r.ws, r.sparse, dT, r.grad, &r.touched)
	} else {
		r.net.Backward(&r.ws, r.dense, dT, r.grad)
	}
	r.update(r.net.Params(), r.grad.Params())
}

// asSparse returns x itself if T is float64, or x narrowed into buf.
func asSparse[T mlp.Float](buf *mlp.SparseOf[T], x *mlp.Sparse) *mlp.SparseOf[T] {
	if same, ok := any(x).(*mlp.SparseOf[T]); ok {
		return same
	}
	mlp.ConvertSparse(buf, x)
	return buf
}

// asSlice returns x itself if T is float64, or x narrowed into *buf.
func asSlice[T mlp.Float](buf *[]T, x []float64) []T {
	if same, ok := any(x).([]T); ok {
		return same
	}
	*buf = scratch.Grow(*buf, len(x))
	vecof.Convert(*buf, x)
	return *buf
}
