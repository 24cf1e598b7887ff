package model_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/internal/testmodel"
	"github.com/amvi/amvi/internal/vec"
	"github.com/amvi/amvi/internal/vecof"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/optim"
)

// stepWork is the floating-point work one training step needs, as matrix
// products (2 flops per multiply-add), for a minibatch of B documents with
// nnz nonzero words and S codes each, an encoder V→H→K, a linear decoder
// K→V and NVIL's baseline V→100→1. The first layers' products touch only
// each document's nonzero words; the decoder's are dense. Exponentials and
// other elementwise work are not counted. The encoder runs forward once a
// step (its backward half reuses the forward's outputs, docs/engine.md):
// the count once included a second forward pass, for sampling, that the
// hand-written pass before the engine made and the step no longer does.
type stepWork struct {
	encFirst  float64 // the encoder's first layer forward, and again its weight gradient
	baseFirst float64 // the baseline's first layer forward, and again its weight gradient
	encHidden float64 // the encoder's hidden layer forward, and again its weight gradient and the back-propagation into it
	dec       float64 // the decoder forward, and again its weight gradient
}

func newStepWork(docs []data.Document, S, V, K, H int) stepWork {
	nnz := 0
	for _, d := range docs {
		nnz += len(d.Words)
	}
	B := float64(len(docs))
	return stepWork{
		encFirst:  2 * float64(nnz) * float64(H),
		baseFirst: 2 * float64(nnz) * 100,
		encHidden: 2 * B * float64(H) * float64(K),
		dec:       2 * B * float64(S) * float64(K+1) * float64(V),
	}
}

// useful returns the step's whole count.
func (w stepWork) useful() float64 {
	return 2*w.encFirst + 2*w.baseFirst + 3*w.encHidden + 2*w.dec
}

// roofline returns two least times for the step's work whose parts each
// ran at their ceiling, the rates in flops a second: the first layers'
// forward products at the gather's rate, their weight gradients at the
// gradient's rate, the baseline's Adam update in adam seconds, and every
// other product at the kernel's peak. serial runs the parts one after
// another. overlapped runs at the same time what the step may: the
// baseline's forward beside the decoder's, and the backward pass's
// memory-bound parts (the first layers' weight gradients and Adam) beside
// its products (the decoder's weight gradient, the encoder's hidden layer
// and the back-propagation into it), as if neither slowed the other; the
// encoder's forward comes first, as the codes need it.
func (w stepWork) roofline(kern, gather, grad, adam float64) (serial, overlapped float64) {
	memBack := (w.encFirst+w.baseFirst)/grad + adam
	computeBack := (2*w.encHidden + w.dec) / kern
	forward := w.encFirst/gather + w.encHidden/kern
	serial = forward + w.dec/kern + w.baseFirst/gather + memBack + computeBack
	overlapped = forward + max(w.dec/kern, w.baseFirst/gather) + max(memBack, computeBack)
	return serial, overlapped
}

// BenchmarkRoofline measures, in one run, the useful GFLOP/s of a training
// step (V=2000, K=50, H=500, B=64, NVIL; the gradients and the baseline
// network's Adam update, not the model's Adam) and three limits, taken in
// rounds: in each, four steps run as in training, each followed by Adam's
// update of the model (not timed), and the last three are timed; then each
// limit is measured once. The limits: gonum's dgemm rate on the decoder's
// dense shape; the rate of amvi's own inner kernel in the step's dtype (vec.AddScaledRows, or vec.AddScaledRows32
// for a float32 model: a multiply and an add per element) on
// cache-resident data on every core, the most the step's arithmetic could
// run at (the peak, "of-kernel"); and the roofline of the step's
// own mix of work (stepWork.roofline: "bound-of-kernel" with its parts one
// after another, "overlap-bound-of-kernel" with the overlap the step
// allows), from the step's memory-bound parts timed alone between its
// steps on every core: the first layer's forward gather
// (firstLayer.gather, "gather-GFLOP/s"), its weight gradient
// (firstLayer.grad, "grad-GFLOP/s") and the baseline network's Adam update
// ("adam-µs"). It reports the step's fraction of the dgemm rate, of the
// peak, and of both rooflines ("of-bound", "of-overlap-bound"). The step
// can pass the dgemm figure: it skips the zeros that the count includes.
func BenchmarkRoofline(b *testing.B) {
	for _, dt := range []model.Dtype{model.Float64, model.Float32} {
		for _, S := range []int{1, 8} {
			b.Run(fmt.Sprintf("%v/S=%d", dt, S), func(b *testing.B) { benchRoofline(b, dt, S) })
		}
	}
}

// kernelPeak runs reps calls of the inner kernel, in dtype dt, gathering
// 25 rows of a 48 KiB-resident 25×240 matrix into a 240-wide block.
func kernelPeak(dt model.Dtype, src []float64, reps int) {
	rows, scales := make([]int, 25), make([]float64, 25)
	for i := range rows {
		rows[i], scales[i] = i, 1
	}
	if dt == model.Float32 {
		src32, scales32 := make([]float32, len(src)), make([]float32, len(scales))
		for i, v := range src {
			src32[i] = float32(v)
		}
		for i, v := range scales {
			scales32[i] = float32(v)
		}
		dst := make([]float32, 240)
		for range reps {
			vec.AddScaledRows32(dst, src32, 240, rows, scales32)
		}
		return
	}
	dst := make([]float64, 240)
	for range reps {
		vec.AddScaledRows(dst, src, 240, rows, scales)
	}
}

// firstLayer is the step's first-layer work on one minibatch in dtype T,
// for the timings that run between the steps: the documents' words and
// counts by row (for the forward gather) and by word (for the weight
// gradient), the step's own encoder weights and first-layer weight
// gradient (so that the timings move no data of their own through the
// caches), and a B×H matrix standing for the gradient at the layer's
// output.
type firstLayer[T vecof.Float] struct {
	H, cores int
	w, gw    []T
	docs     []data.Document
	scales   [][]T
	// The weight gradient's rows (the words used, ascending), and for each
	// the documents using it and their counts.
	words     []int
	wordDocs  [][]int
	wordScale [][]T
	d         []T
}

// firstLayerWork is a firstLayer of either dtype.
type firstLayerWork interface {
	gather()
	grad()
}

// newFirstLayer returns the first-layer work of m (in its dtype) on docs,
// writing into g.
func newFirstLayer(m *model.Model, g *model.Grads, docs []data.Document, H, cores int, rng *rand.Rand) firstLayerWork {
	if m.Dtype() == model.Float32 {
		return newFirstLayerOf(m.Enc32.Layers[0].W, g.Enc32.Layers[0].W, docs, H, cores, rng)
	}
	return newFirstLayerOf(m.Enc.Net.Layers[0].W, g.Enc.Layers[0].W, docs, H, cores, rng)
}

func newFirstLayerOf[T vecof.Float](w, gw []T, docs []data.Document, H, cores int, rng *rand.Rand) *firstLayer[T] {
	f := &firstLayer[T]{H: H, cores: cores, w: w, gw: gw, docs: docs}
	byWord := map[int]int{}
	for _, d := range docs {
		var s []T
		for k, n := range d.Counts {
			s = append(s, T(n))
			byWord[d.Words[k]] = 0
		}
		f.scales = append(f.scales, s)
	}
	for w := range byWord {
		f.words = append(f.words, w)
	}
	slices.Sort(f.words)
	for i, w := range f.words {
		byWord[w] = i
	}
	f.wordDocs = make([][]int, len(f.words))
	f.wordScale = make([][]T, len(f.words))
	for i, d := range docs {
		for k, w := range d.Words {
			j := byWord[w]
			f.wordDocs[j] = append(f.wordDocs[j], i)
			f.wordScale[j] = append(f.wordScale[j], T(d.Counts[k]))
		}
	}
	f.d = make([]T, len(docs)*H)
	for i := range f.d {
		f.d[i] = T(rng.NormFloat64())
	}
	return f
}

// onCores runs part(lo, hi) for equal shares of n on f.cores goroutines.
func (f *firstLayer[T]) onCores(n int, part func(lo, hi int)) {
	var wg sync.WaitGroup
	for c := range f.cores {
		wg.Go(func() { part(c*n/f.cores, (c+1)*n/f.cores) })
	}
	wg.Wait()
}

// gather is the encoder forward's first layer alone, the step's largest
// memory-bound part: each core gathers, for its share of the documents,
// the rows of the document's words from the encoder's V×H weights (8 MB in
// float64, larger than a core's level-2 cache) scaled by their counts into
// a row of H, with the kernel the step uses there (vec.AddScaledRowsAhead
// or its float32 form): 2·nnz·H floating-point operations.
func (f *firstLayer[T]) gather() {
	f.onCores(len(f.docs), func(lo, hi int) {
		dst := make([]T, f.H)
		for i := lo; i < hi; i++ {
			vecof.AddScaledRowsAhead(dst, f.w, f.H, f.docs[i].Words, f.scales[i])
		}
	})
}

// grad is the first layer's weight gradient alone: each core writes, for
// its share of the words used, the word's row of the step's gradient (the
// same rows the step writes) as the sum of the rows of f.d of the
// documents using it scaled by their counts, with the step's kernel
// (vec.SumScaledRows or its float32 form): 2·nnz·H floating-point
// operations. The step overwrites those rows at its next call.
func (f *firstLayer[T]) grad() {
	H := f.H
	f.onCores(len(f.words), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			w := f.words[j]
			vecof.SumScaledRows(f.gw[w*H:(w+1)*H], f.d, H, f.wordDocs[j], f.wordScale[j])
		}
	})
}

// baselineAdam returns a function that applies one Adam step of the NVIL
// estimator's own optimizer to its own baseline network (the update the
// step makes in NVIL's Learn) with a fixed gradient of small values: its
// time is the baseline update's, which the step's count gives no useful
// flops.
func baselineAdam(e *estimators.NVIL, rng *rand.Rand) func() {
	if e.Net32 != nil {
		p := e.Net32.Params()
		g := smallLike(p, rng)
		return func() { e.Opt.UpdateMixed(p, g, nil, nil) }
	}
	p := e.Net.Params()
	g := smallLike(p, rng)
	return func() { e.Opt.Update(p, g) }
}

// smallLike returns tensors shaped like p of normal values times 1e-3.
func smallLike[T float32 | float64](p [][]T, rng *rand.Rand) [][]T {
	g := make([][]T, len(p))
	for i, t := range p {
		g[i] = make([]T, len(t))
		for j := range g[i] {
			g[i][j] = T(1e-3 * rng.NormFloat64())
		}
	}
	return g
}

func benchRoofline(b *testing.B, dt model.Dtype, S int) {
	const V, K, H, B = 2000, 50, 500, 64
	m, _ := benchModel(b)
	m.SetDtype(dt)
	rng := rand.New(rand.NewPCG(2, 2))
	tokens := make([]int, B)
	for i := range tokens {
		tokens[i] = 88
	}
	docs := testmodel.Docs(rng, V, tokens)
	nvil := estimators.NewNVIL(estimators.NVILConfig{InputDim: V, Normalise: true, Float32: dt == model.Float32})
	st, err := model.NewStepper(m, nvil, S)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	g := m.NewGrads()
	work := newStepWork(docs, S, V, K, H)
	flops := work.useful()

	// dgemm on the decoder's shape, dense operands.
	R := B * S
	a := blas64.General{Rows: R, Cols: K + 1, Stride: K + 1, Data: make([]float64, R*(K+1))}
	w := blas64.General{Rows: K + 1, Cols: V, Stride: V, Data: make([]float64, (K+1)*V)}
	c := blas64.General{Rows: R, Cols: V, Stride: V, Data: make([]float64, R*V)}
	for i := range a.Data {
		a.Data[i] = rng.NormFloat64()
	}
	for i := range w.Data {
		w.Data[i] = rng.NormFloat64()
	}
	// The kernel on both cores, each gathering 25 rows of a 48 KiB-resident
	// 25×240 matrix into a 240-wide block.
	cores := runtime.GOMAXPROCS(0)
	kernSrc := make([]float64, 25*240)
	for i := range kernSrc {
		kernSrc[i] = rng.NormFloat64()
	}
	const kernReps = 2000
	first := newFirstLayer(m, g, docs, H, cores, rng)
	adam := baselineAdam(nvil, rng)
	tr := newTrainer(b, m, st, g, docs, rng)
	b.ResetTimer()
	var stepTime, gemmTime, kernTime, gatherTime, gradTime, adamTime, stepCPU, kernCPU time.Duration
	for b.Loop() {
		// The steps run as in training, each after the last one's Adam
		// update of the model; the first of each round, after the
		// measurements below, is not timed.
		tr.step()
		tr.update()
		for range timedSteps {
			t0, c0 := time.Now(), processCPU()
			tr.step()
			stepTime += time.Since(t0)
			stepCPU += processCPU() - c0
			tr.update()
		}
		t1 := time.Now()
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, w, 0, c)
		t2, c2 := time.Now(), processCPU()
		var wg sync.WaitGroup
		for range cores {
			wg.Go(func() { kernelPeak(dt, kernSrc, kernReps) })
		}
		wg.Wait()
		t3, c3 := time.Now(), processCPU()
		first.gather()
		t4 := time.Now()
		first.grad()
		t5 := time.Now()
		adam()
		gemmTime += t2.Sub(t1)
		kernTime += t3.Sub(t2)
		gatherTime += t4.Sub(t3)
		gradTime += t5.Sub(t4)
		adamTime += time.Since(t5)
		kernCPU += c3 - c2
	}
	n := float64(b.N)
	stepTime /= timedSteps
	stepCPU /= timedSteps
	stepRate := flops * n / stepTime.Seconds() / 1e9
	gemmRate := 2 * float64(R*(K+1)*V) * n / gemmTime.Seconds() / 1e9
	b.ReportMetric(stepTime.Seconds()*1e3/n, "ms/step")
	b.ReportMetric(flops/1e6, "MFLOP/step")
	b.ReportMetric(stepRate, "useful-GFLOP/s")
	b.ReportMetric(gemmRate, "dgemm-GFLOP/s")
	kernRate := 2 * float64(cores*kernReps*25*240) * n / kernTime.Seconds() / 1e9
	b.ReportMetric(kernRate, "kernel-GFLOP/s")
	b.ReportMetric(stepRate/gemmRate, "of-dgemm")
	b.ReportMetric(stepRate/kernRate, "of-kernel")
	// The memory-bound parts' rates.
	gatherRate := work.encFirst * n / gatherTime.Seconds() / 1e9 // the gather's count is the encoder forward's
	gradRate := work.encFirst * n / gradTime.Seconds() / 1e9
	adamSec := adamTime.Seconds() / n
	b.ReportMetric(gatherRate, "gather-GFLOP/s")
	b.ReportMetric(gradRate, "grad-GFLOP/s")
	b.ReportMetric(adamSec*1e6, "adam-µs")
	// The roofline of the step's own mix of work, as a fraction of the
	// peak, and the step's fraction of it.
	serial, overlapped := work.roofline(kernRate*1e9, gatherRate*1e9, gradRate*1e9, adamSec)
	stepSec := stepTime.Seconds() / n
	b.ReportMetric(flops/serial/1e9/kernRate, "bound-of-kernel")
	b.ReportMetric(serial/stepSec, "of-bound")
	b.ReportMetric(flops/overlapped/1e9/kernRate, "overlap-bound-of-kernel")
	b.ReportMetric(overlapped/stepSec, "of-overlap-bound")
	// The same fraction of the peak per CPU second (the process's user
	// and system time, all cores): on a shared machine it leaves out the
	// time the step and the peak waited for a core, which the wall-clock
	// fraction above counts against whichever of the two was descheduled
	// more.
	kernCPURate := 2 * float64(cores*kernReps*25*240) * n / kernCPU.Seconds()
	b.ReportMetric(stepCPU.Seconds()*1e3/n, "cpu-ms/step")
	b.ReportMetric(flops*n/stepCPU.Seconds()/kernCPURate, "of-kernel-cpu")
}

// timedSteps is the number of steps BenchmarkRoofline times in each round,
// after one it does not: the first step of a round follows the limits'
// measurements, which pass their own data through the caches and leave the
// workers of internal/par asleep, as no step in training does (a step
// timed right after them, as before 62f339a, took 1.46–1.72 ms against
// 1.21–1.24 timed as now, three interleaved runs, docs/speed.md).
const timedSteps = 3

// trainer is a training step as package train takes it, in two halves:
// the gradient step, then Adam's update of the model.
type trainer struct {
	step, update func()
}

// newTrainer returns st's step on docs and Adam's update of m's parameters
// from g (at bench/speed's learning rate).
func newTrainer(b *testing.B, m *model.Model, st *model.Stepper, g *model.Grads, docs []data.Document, rng *rand.Rand) trainer {
	params32, params := m.Params()
	grads32, grads := g.Params()
	opt := optim.NewAdamMixed(params32, params, 5e-4)
	return trainer{
		step: func() {
			if _, err := st.Step(docs, rng, g); err != nil {
				b.Fatal(err)
			}
		},
		update: func() { opt.UpdateMixed(params32, grads32, params, grads) },
	}
}

// processCPU returns the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic("model_test: getrusage: " + err.Error())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
