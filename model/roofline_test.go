package model_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
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
	"github.com/amvi/amvi/model"
)

// usefulFLOPs counts the floating-point work one training step needs, as
// matrix products (2 flops per multiply-add), for a minibatch of docs with
// S codes each, an encoder V→H→K, a linear decoder K→V and NVIL's baseline
// V→100→1. The first layers' products touch only each document's nonzero
// words; the decoder's are dense. Exponentials and other elementwise work
// are not counted. The encoder runs forward once a step (its backward half
// reuses the forward's outputs, docs/engine.md): the count once included a
// second forward pass, for sampling, that the hand-written pass before the
// engine made and the step no longer does.
func usefulFLOPs(docs []data.Document, S, V, K, H int) float64 {
	nnz := 0
	for _, d := range docs {
		nnz += len(d.Words)
	}
	B, R := float64(len(docs)), float64(len(docs)*S)
	enc := 2*float64(nnz)*float64(H) + 2*B*float64(H)*float64(K) // forward
	enc *= 2                                                     // + weight gradients
	enc += 2 * B * float64(H) * float64(K)                       // back-propagation into the hidden layer
	dec := 2 * 2 * R * float64(K+1) * float64(V)                 // forward and weight gradient
	base := 2 * 2 * float64(nnz) * 100                           // NVIL baseline forward and gradient
	return enc + dec + base
}

// BenchmarkRoofline measures, in one run, the useful GFLOP/s of a training
// step (V=2000, K=50, H=500, B=64, NVIL; gradients, not Adam) and three
// limits: gonum's dgemm rate on the decoder's dense shape; the rate of
// amvi's own inner kernel in the step's dtype (vec.AddScaledRows, or
// vec.AddScaledRows32 for a float32 model: a multiply and an add per
// element) on cache-resident data on every core, the most the step's
// arithmetic could run at (the peak, "of-kernel"); and the rate of
// the same kernel gathering the step's documents' rows from the encoder's
// weights, out of the level-2 cache (firstLayerGather: the first layer,
// the step's largest memory-bound part, "gather-GFLOP/s"). It reports the
// step's fraction of the first two, and of the roofline that the last two
// give the step's mix of work ("bound-of-kernel", "of-bound"). The step
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

// firstLayerGather is the encoder forward's first layer alone, the
// step's largest memory-bound part, in dtype dt on every core: each core
// gathers, for its share of docs, the rows of the document's words from
// w or w32 (the encoder's V×H weights, 8 MB in float64, larger than a
// core's level-2 cache) scaled by scales (or scales32) into a row of H,
// with the kernel the step uses there (vec.AddScaledRowsAhead or its
// float32 form): 2·nnz·H floating-point operations for nnz words.
func firstLayerGather(dt model.Dtype, w []float64, w32 []float32, H int, docs []data.Document, scales [][]float64, scales32 [][]float32, cores int) {
	var wg sync.WaitGroup
	for c := range cores {
		lo, hi := c*len(docs)/cores, (c+1)*len(docs)/cores
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst, dst32 := make([]float64, H), make([]float32, H)
			for i := lo; i < hi; i++ {
				if dt == model.Float32 {
					vec.AddScaledRowsAhead32(dst32, w32, H, docs[i].Words, scales32[i])
				} else {
					vec.AddScaledRowsAhead(dst, w, H, docs[i].Words, scales[i])
				}
			}
		}()
	}
	wg.Wait()
}

func benchRoofline(b *testing.B, dt model.Dtype, S int) {
	const V, K, H, B = 2000, 50, 500, 64
	{
		{
			m, _ := benchModel(b)
			m.SetDtype(dt)
			rng := rand.New(rand.NewPCG(2, 2))
			tokens := make([]int, B)
			for i := range tokens {
				tokens[i] = 88
			}
			docs := testmodel.Docs(rng, V, tokens)
			st, err := model.NewStepper(m, estimators.NewNVIL(estimators.NVILConfig{InputDim: V, Normalise: true, Float32: dt == model.Float32}), S)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			g := m.NewGrads()
			flops := usefulFLOPs(docs, S, V, K, H)

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
			// The kernel on both cores, each gathering 25 rows of a
			// 48 KiB-resident 25×240 matrix into a 240-wide block.
			cores := runtime.GOMAXPROCS(0)
			kernSrc := make([]float64, 25*240)
			for i := range kernSrc {
				kernSrc[i] = rng.NormFloat64()
			}
			const kernReps = 2000
			// The gather reads the encoder's own first-layer weights, so
			// that it moves no data of its own through the caches.
			gw := m.Enc.Net.Layers[0].W
			var gw32 []float32
			if dt == model.Float32 {
				gw32 = m.Enc32.Layers[0].W
			}
			scales, scales32 := make([][]float64, len(docs)), make([][]float32, len(docs))
			nnz := 0
			for i, d := range docs {
				nnz += len(d.Words)
				for _, n := range d.Counts {
					scales[i] = append(scales[i], float64(n))
					scales32[i] = append(scales32[i], float32(n))
				}
			}
			b.ResetTimer()
			var stepTime, gemmTime, kernTime, gatherTime, stepCPU, kernCPU time.Duration
			for b.Loop() {
				t0, c0 := time.Now(), processCPU()
				if _, err := st.Step(docs, rng, g); err != nil {
					b.Fatal(err)
				}
				t1, c1 := time.Now(), processCPU()
				blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, w, 0, c)
				t2, c2 := time.Now(), processCPU()
				var wg sync.WaitGroup
				for range cores {
					wg.Add(1)
					go func() {
						defer wg.Done()
						kernelPeak(dt, kernSrc, kernReps)
					}()
				}
				wg.Wait()
				t3, c3 := time.Now(), processCPU()
				firstLayerGather(dt, gw, gw32, H, docs, scales, scales32, cores)
				stepTime += t1.Sub(t0)
				gemmTime += t2.Sub(t1)
				kernTime += t3.Sub(t2)
				gatherTime += time.Since(t3)
				stepCPU += c1 - c0
				kernCPU += c3 - c2
			}
			stepRate := flops * float64(b.N) / stepTime.Seconds() / 1e9
			gemmRate := 2 * float64(R*(K+1)*V) * float64(b.N) / gemmTime.Seconds() / 1e9
			b.ReportMetric(stepTime.Seconds()*1e3/float64(b.N), "ms/step")
			b.ReportMetric(flops/1e6, "MFLOP/step")
			b.ReportMetric(stepRate, "useful-GFLOP/s")
			b.ReportMetric(gemmRate, "dgemm-GFLOP/s")
			kernRate := 2 * float64(cores*kernReps*25*240) * float64(b.N) / kernTime.Seconds() / 1e9
			b.ReportMetric(kernRate, "kernel-GFLOP/s")
			b.ReportMetric(stepRate/gemmRate, "of-dgemm")
			b.ReportMetric(stepRate/kernRate, "of-kernel")
			// The memory-bound first layer's rate.
			gatherRate := 2 * float64(nnz*H) * float64(b.N) / gatherTime.Seconds() / 1e9
			b.ReportMetric(gatherRate, "gather-GFLOP/s")
			// The roofline of the step's own mix: its first layers'
			// products (forward and weight gradient, the encoder's and
			// the baseline's: four multiply-adds per nonzero and unit) at
			// the gather's rate, limited by memory as the gather is (the
			// weight gradient writes the rows the gather reads), and the
			// rest at the kernel's peak. "bound-of-kernel" is the most of
			// the peak such a step could reach, "of-bound" the step's
			// share of that.
			memFLOPs := 4 * float64(nnz) * float64(H+100)
			bound := flops / (memFLOPs/gatherRate + (flops-memFLOPs)/kernRate)
			b.ReportMetric(bound/kernRate, "bound-of-kernel")
			b.ReportMetric(stepRate/bound, "of-bound")
			// The same fraction per CPU second (the process's user and
			// system time, all cores): on a shared machine it leaves out
			// the time the step and the peak waited for a core, which the
			// wall-clock fraction above counts against whichever of the two
			// was descheduled more.
			kernCPURate := 2 * float64(cores*kernReps*25*240) * float64(b.N) / kernCPU.Seconds()
			b.ReportMetric(stepCPU.Seconds()*1e3/float64(b.N), "cpu-ms/step")
			b.ReportMetric(flops*float64(b.N)/stepCPU.Seconds()/kernCPURate, "of-kernel-cpu")
		}
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
