package vec

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// factorKind draws a kind of factor for the row-product kernels' tests.
type factorKind struct {
	name string
	f    func() float64
}

// factorKinds returns the kinds: in (0, 1], signed, huge and tiny
// (products overflowing to ±Inf or underflowing through the subnormals),
// zeros and ones.
func factorKinds(rng *rand.Rand) []factorKind {
	return []factorKind{
		{"unit", func() float64 { return 1 - rng.Float64() }},
		{"signed", func() float64 { return rng.NormFloat64() }},
		{"huge", func() float64 { return math.Ldexp(1-rng.Float64(), 200+rng.IntN(100)) }},
		{"tiny", func() float64 { return math.Ldexp(1-rng.Float64(), -200-rng.IntN(100)) }},
		{"zeros and ones", func() float64 { return float64(rng.IntN(2)) }},
	}
}

// TestRowProductLanesBitIdentical checks RowProductLanes against its Go
// loop, bit for bit (the kernel forms the same products and adds each
// lane's terms in the same order), over row counts, factor counts and
// widths around the kernel's 8- and 16-column blocks, with lanes that start
// nonzero and factors of every kind: in (0, 1], signed, huge and tiny
// (products overflowing to ±Inf or underflowing through the subnormals),
// zeros, repeated rows.
func TestRowProductLanesBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	factors := factorKinds(rng)
	for _, fc := range factors {
		for _, R := range []int{1, 3, 17} {
			for _, k := range []int{1, 2, 13} {
				for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 256, 1995} {
					src := make([]float64, RowLanesLen(20, n))
					for i := range src {
						src[i] = fc.f()
					}
					rows := make([]int, R*k)
					for i := range rows {
						rows[i] = rng.IntN(20)
					}
					rows[len(rows)-1] = rows[0]
					got := make([]float64, 8*R)
					for i := range got {
						got[i] = rng.NormFloat64()
					}
					want := append([]float64(nil), got...)
					RowProductLanes(got, src, 20, n, rows)
					rowProductLanesGo(want, src, 20, n, rows, k)
					for i := range got {
						if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
							t.Fatalf("%s R %d k %d n %d: lane %d %v, want %v", fc.name, R, k, n, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestRowProductLanesPanics checks the caller's errors.
func TestRowProductLanesPanics(t *testing.T) {
	src := make([]float64, RowLanesLen(3, 20))
	for _, c := range []struct {
		name string
		dst  []float64
		src  []float64
		n    int
		rows []int
	}{
		{"no lanes", nil, src, 1, []int{0}},
		{"lanes not a multiple of 8", make([]float64, 9), src, 1, []int{0}},
		{"no rows", make([]float64, 8), src, 1, nil},
		{"rows not a multiple of the products", make([]float64, 16), src, 1, []int{0, 1, 2}},
		{"negative n", make([]float64, 8), src, -1, []int{0}},
		{"negative row", make([]float64, 8), src, 1, []int{-1}},
		{"row past the end", make([]float64, 8), src, 1, []int{3}},
		{"src too short", make([]float64, 8), src[:len(src)-1], 20, []int{0}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			RowProductLanes(c.dst, c.src, 3, c.n, c.rows)
		}()
	}
}

// TestRowProductsBitIdentical checks RowProducts against its Go loop, bit
// for bit (the kernel forms the same products in the same order and
// scales them last), over row counts around the kernel's four rows of
// products at a time, factor counts, widths around its 8- and 16-column
// blocks and row strides with and without a gap, factors of every kind as
// in TestRowProductLanesBitIdentical, scales of both signs and many
// magnitudes (and zero), and rows repeated within a row of products'
// list. Nothing past a row's n columns, nor past dst, may be written (dst
// starts as noise and is compared whole). On amd64 with AVX-512 this is
// the assembly kernel against the Go loop; elsewhere the Go loop against
// itself.
func TestRowProductsBitIdentical(t *testing.T) {
	if !asmKernels() {
		t.Log("no assembly kernels: the Go loop against itself")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	factors := factorKinds(rng)
	const nrows = 20
	for _, fc := range factors {
		for _, R := range []int{1, 3, 4, 5, 17} {
			for _, k := range []int{1, 2, 13} {
				for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 256, 1995} {
					for _, ld := range []int{n, n + 5} {
						src := make([]float64, RowLanesLen(nrows, n))
						for i := range src {
							src[i] = fc.f()
						}
						rows := make([]int, R*k)
						for i := range rows {
							rows[i] = rng.IntN(nrows)
						}
						for r := range R {
							if k > 1 {
								rows[r*k+1] = rows[r*k] // twice in one list
							}
						}
						scale := make([]float64, R)
						for r := range scale {
							switch rng.IntN(8) {
							case 0:
								scale[r] = 0
							case 1:
								scale[r] = 1
							default:
								scale[r] = math.Ldexp(rng.NormFloat64(), rng.IntN(81)-40)
							}
						}
						// dst is exactly (R−1)·ld + n long, within a
						// longer buffer whose whole is compared.
						buf := make([]float64, (R-1)*ld+n+8)
						for i := range buf {
							buf[i] = rng.NormFloat64()
						}
						want := append([]float64(nil), buf...)
						RowProducts(buf[:(R-1)*ld+n], ld, src, nrows, n, rows, scale)
						if n > 0 {
							rowProductsGo(want, ld, src, nrows, n, rows, scale, k)
						}
						for i := range buf {
							if math.Float64bits(buf[i]) != math.Float64bits(want[i]) && !(math.IsNaN(buf[i]) && math.IsNaN(want[i])) {
								t.Fatalf("%s R %d k %d n %d ld %d: dst[%d] (row %d column %d) %v, want %v",
									fc.name, R, k, n, ld, i, i/max(ld, 1), i%max(ld, 1), buf[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestRowProductsPanics checks the caller's errors.
func TestRowProductsPanics(t *testing.T) {
	const nrows, n, ld = 3, 20, 24
	src := make([]float64, RowLanesLen(nrows, n))
	dst := make([]float64, ld+n) // two rows of products
	one := []float64{1}
	for _, c := range []struct {
		name  string
		dst   []float64
		ld    int
		src   []float64
		n     int
		rows  []int
		scale []float64
	}{
		{"no scales", dst, ld, src, n, []int{0}, nil},
		{"no rows", dst, ld, src, n, nil, one},
		{"rows not a multiple of the products", dst, ld, src, n, []int{0, 1, 2}, []float64{1, 2}},
		{"negative n", dst, ld, src, -1, []int{0}, one},
		{"ld < n", dst, n - 1, src, n, []int{0}, one},
		{"src too short", dst, ld, src[:len(src)-1], n, []int{0}, one},
		{"dst too short", dst[:len(dst)-1], ld, src, n, []int{0, 1}, []float64{1, 2}},
		{"negative row", dst, ld, src, n, []int{-1}, one},
		{"row past the end", dst, ld, src, n, []int{nrows}, one},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "vec: RowProducts") {
					t.Errorf("recovered %q, want a \"vec: RowProducts\" panic", msg)
				}
			}()
			RowProducts(c.dst, c.ld, c.src, nrows, c.n, c.rows, c.scale)
		})
	}
	RowProducts(dst, ld, src, nrows, 0, []int{0}, one) // no columns
}

// BenchmarkRowProducts is BinaryLSE's gradient's products for In = 50
// (13 groups: eleven of 16 table rows and two of 8, 192 rows) and
// Out = 1995, 512 rows of products, done as its caller does: in parts of
// 64 columns, each into a 512×64 buffer, against the Go loop.
func BenchmarkRowProducts(b *testing.B) {
	const nrows, R, n, ld = 192, 512, 1995, 64
	off := []int{0}
	for g := range 13 {
		size := 8
		if g < 11 {
			size = 16
		}
		off = append(off, off[g]+size)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	k := len(off) - 1
	rows := make([]int, R*k)
	for r := range R {
		for g := range k {
			rows[r*k+g] = off[g] + rng.IntN(off[g+1]-off[g])
		}
	}
	src := make([]float64, RowLanesLen(nrows, n))
	for i := range src {
		src[i] = 0.5 + rng.Float64()
	}
	scale := make([]float64, R)
	for r := range scale {
		scale[r] = rng.NormFloat64() / float64(R)
	}
	dst := make([]float64, R*ld)
	for _, c := range []struct {
		name string
		f    func(dst []float64, src []float64, w int)
	}{
		{"RowProducts", func(dst, src []float64, w int) {
			RowProducts(dst, ld, src, nrows, w, rows, scale)
		}},
		{"Go", func(dst, src []float64, w int) {
			rowProductsGo(dst, ld, src, nrows, w, rows, scale, k)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for lo := 0; lo < n; lo += ld {
					c.f(dst, src[lo*nrows:], min(ld, n-lo))
				}
			}
		})
	}
}
