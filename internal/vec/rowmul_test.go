package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowProductLanesBitIdentical checks RowProductLanes against its Go
// loop, bit for bit (the kernel forms the same products and adds each
// lane's terms in the same order), over row counts, factor counts and
// widths around the kernel's 8- and 16-column blocks, with lanes that start
// nonzero and factors of every kind: in (0, 1], signed, huge and tiny
// (products overflowing to ±Inf or underflowing through the subnormals),
// zeros, repeated rows.
func TestRowProductLanesBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	factors := []struct {
		name string
		f    func() float64
	}{
		{"unit", func() float64 { return 1 - rng.Float64() }},
		{"signed", func() float64 { return rng.NormFloat64() }},
		{"huge", func() float64 { return math.Ldexp(1-rng.Float64(), 200+rng.IntN(100)) }},
		{"tiny", func() float64 { return math.Ldexp(1-rng.Float64(), -200-rng.IntN(100)) }},
		{"zeros and ones", func() float64 { return float64(rng.IntN(2)) }},
	}
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
