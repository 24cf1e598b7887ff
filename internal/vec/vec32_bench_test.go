package vec

import (
	"math/rand/v2"
	"testing"
)

// The benchmarks of the float32 kernels run beside their float64
// namesakes, as sub-benchmarks f64 and f32 of one benchmark on the same
// shapes, so that `go test -bench Dtype` times both in turn.

// dtypeBench runs f64 and f32 as the sub-benchmarks of b, each counting
// bytes per iteration of its own element size.
func dtypeBench(b *testing.B, bytes64, bytes32 int64, f64, f32 func(b *testing.B)) {
	b.Run("f64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bytes64)
		f64(b)
	})
	b.Run("f32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(bytes32)
		f32(b)
	})
}

func narrow(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// BenchmarkDtypeAddScaledRows is the roofline's kernel (model's
// roofline_test.go): 25 rows of a cache-resident 25×240 matrix into a
// 240-wide block.
func BenchmarkDtypeAddScaledRows(b *testing.B) {
	const n, m = 240, 25
	src, dst := benchData(m*n), make([]float64, n)
	rows, scales := rangeInts(m), benchData(m)
	src32, dst32, scales32 := narrow(src), make([]float32, n), narrow(scales)
	dtypeBench(b, 8*n*m, 4*n*m, func(b *testing.B) {
		for b.Loop() {
			AddScaledRows(dst, src, n, rows, scales)
		}
	}, func(b *testing.B) {
		for b.Loop() {
			AddScaledRows32(dst32, src32, n, rows, scales32)
		}
	})
}

// BenchmarkDtypeAddMatMul: 64 rows through the old default encoder's
// second layer (500 → 50), a decoder's hidden layer (50 → 500), and the
// default encoder's second layer (1000 → 100) and its transpose.
func BenchmarkDtypeAddMatMul(b *testing.B) {
	for _, c := range []struct {
		name string
		m, n int
	}{{"500-50", 500, 50}, {"50-500", 50, 500}, {"1000-100", 1000, 100}, {"100-1000", 100, 1000}} {
		b.Run(c.name, func(b *testing.B) {
			const rows = 64
			src, a := benchData(c.m*c.n), benchData(rows*c.m)
			dst := make([]float64, rows*c.n)
			src32, a32, dst32 := narrow(src), narrow(a), make([]float32, rows*c.n)
			flops := int64(rows * c.m * c.n)
			dtypeBench(b, 8*flops, 4*flops, func(b *testing.B) {
				for b.Loop() {
					AddMatMul(dst, c.n, a, c.m, src, c.n)
				}
			}, func(b *testing.B) {
				for b.Loop() {
					AddMatMul32(dst32, c.n, a32, c.m, src32, c.n)
				}
			})
		})
	}
}

// BenchmarkDtypeExpShift is a row of the likelihood head's log-softmax
// (V = 1995 words), shifted by its maximum.
func BenchmarkDtypeExpShift(b *testing.B) {
	const n = 1995
	x, dst := benchData(n), make([]float64, n)
	x32, dst32 := narrow(x), make([]float32, n)
	shift, shift32 := maxGo(x), maxGo(x32)
	dtypeBench(b, 8*n, 4*n, func(b *testing.B) {
		for b.Loop() {
			benchSink += ExpShift(dst, x, shift)
		}
	}, func(b *testing.B) {
		for b.Loop() {
			benchSink += ExpShift32(dst32, x32, shift32)
		}
	})
}

// BenchmarkDtypeMax is the maximum of a row of V = 1995 words.
func BenchmarkDtypeMax(b *testing.B) {
	const n = 1995
	x := benchData(n)
	x32 := narrow(x)
	dtypeBench(b, 8*n, 4*n, func(b *testing.B) {
		for b.Loop() {
			benchSink += Max(x)
		}
	}, func(b *testing.B) {
		for b.Loop() {
			benchSink += float64(Max32(x32))
		}
	})
}

// BenchmarkDtypeAdam is the training step's Adam update over 1.13M
// parameters on both cores, warm and cold: 40 bytes of traffic a parameter
// for Adam32 (float64 p and g), 28 for AdamF32.
func BenchmarkDtypeAdam(b *testing.B) {
	p, g, m, v := adam32BenchData()
	p32, g32 := narrow(p), narrow(g)
	m32, v32 := append([]float32(nil), m...), append([]float32(nil), v...)
	c := AdamConst{Beta1: 0.9, Beta2: 0.999, Step: 1e-3, C2: 0.01, Eps: 1e-8}
	dtypeBench(b, 40*adam32BenchN, 28*adam32BenchN, func(b *testing.B) {
		benchAdamPair(b, func(lo, hi int) { Adam32(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], c) })
	}, func(b *testing.B) {
		benchAdamPair(b, func(lo, hi int) { AdamF32(p32[lo:hi], g32[lo:hi], m32[lo:hi], v32[lo:hi], c) })
	})
}

// BenchmarkDtypeElementwise: Tanh, TanhGrad, Add and ScaleTo on a batch of
// 64 activations of the 500-wide hidden layer.
func BenchmarkDtypeElementwise(b *testing.B) {
	const n = 64 * 500
	r := rand.New(rand.NewPCG(61, 62))
	x := make([]float64, n)
	for i := range x {
		x[i] = 3 * r.NormFloat64()
	}
	y, dst := tanhBenchData(n), make([]float64, n)
	x32, y32, dst32 := narrow(x), narrow(y), make([]float32, n)
	for _, k := range []struct {
		name     string
		f64      func()
		f32      func()
		operands int64
	}{
		{"Tanh", func() { Tanh(dst, x) }, func() { Tanh32(dst32, x32) }, 2},
		{"TanhGrad", func() { TanhGrad(dst, y) }, func() { TanhGrad32(dst32, y32) }, 3},
		{"Add", func() { Add(dst, y) }, func() { Add32(dst32, y32) }, 3},
		{"ScaleTo", func() { ScaleTo(dst, 0.5, x) }, func() { ScaleTo32(dst32, 0.5, x32) }, 2},
	} {
		b.Run(k.name, func(b *testing.B) {
			dtypeBench(b, 8*n*k.operands, 4*n*k.operands, func(b *testing.B) {
				for b.Loop() {
					k.f64()
				}
			}, func(b *testing.B) {
				for b.Loop() {
					k.f32()
				}
			})
		})
	}
}
