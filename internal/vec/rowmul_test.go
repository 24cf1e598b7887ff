package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rowProductCase is a RowProductSum call: a matrix of rows×stride values,
// the rows multiplied and the columns from off to off+n.
type rowProductCase struct {
	stride, n, off int
	rows           []int
}

func rowProductCases(rng *rand.Rand) []rowProductCase {
	var cs []rowProductCase
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 71, 127, 128, 129, 200, 256, 1995} {
		for _, nrows := range []int{1, 2, 5, 13} {
			stride := n + rng.IntN(9)
			rows := make([]int, nrows)
			for k := range rows {
				rows[k] = rng.IntN(16)
			}
			rows[len(rows)-1] = rows[0] // rows may repeat
			cs = append(cs, rowProductCase{stride: stride, n: n, off: stride - n, rows: rows})
		}
	}
	return cs
}

// TestRowProductSumExact checks RowProductSum against its Go loop on
// factors of ½, 1 and 2 in at most 5 rows: every product and every
// partial sum is then exact, so any order of the additions gives the same
// bits, and a column read twice, left out or read from the wrong row shows.
func TestRowProductSumExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range rowProductCases(rng) {
		if len(c.rows) > 5 {
			continue
		}
		src := make([]float64, 16*c.stride)
		for i := range src {
			src[i] = []float64{0.5, 1, 2}[rng.IntN(3)]
		}
		got := RowProductSum(src[c.off:], c.stride, c.n, c.rows)
		want := 0.0
		if c.n > 0 {
			want = rowProductSumGo(src[c.off:], c.stride, c.n, c.rows)
		}
		if got != want {
			t.Errorf("stride %d n %d rows %v: %v, want %v", c.stride, c.n, c.rows, got, want)
		}
	}
}

// TestRowProductSumBound checks RowProductSum against its Go loop on
// factors in (0, 1]: each column's product is the same, bit for bit, and
// each of the two sums of the n nonnegative products is within
// (n−1)·2⁻⁵³·(1+2⁻⁵²) of their exact sum (the standard bound for recursive
// summation in any order, relative to the sum of the terms' magnitudes),
// so the two differ by at most 2n·2⁻⁵³ of the sum.
func TestRowProductSumBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range rowProductCases(rng) {
		src := make([]float64, 16*c.stride)
		for i := range src {
			src[i] = 1 - rng.Float64()
		}
		got := RowProductSum(src[c.off:], c.stride, c.n, c.rows)
		want := 0.0
		if c.n > 0 {
			want = rowProductSumGo(src[c.off:], c.stride, c.n, c.rows)
		}
		if tol := 2 * float64(c.n) * 0x1p-53 * want; math.Abs(got-want) > tol {
			t.Errorf("stride %d n %d rows %v: %v, want %v within %.3g", c.stride, c.n, c.rows, got, want, tol)
		}
	}
}

func TestRowProductSumPanics(t *testing.T) {
	src := make([]float64, 20)
	for _, c := range []struct {
		name     string
		stride   int
		n        int
		rows     []int
		panicked bool
	}{
		{"fits", 10, 10, []int{0, 1}, false},
		{"no rows", 10, 10, nil, true},
		{"negative n", 10, -1, []int{0}, true},
		{"row past the end", 10, 10, []int{0, 2}, true},
		{"columns past the end", 10, 11, []int{1}, true},
		{"negative row", 10, 5, []int{-1}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if got := recover() != nil; got != c.panicked {
					t.Errorf("panicked %v, want %v", got, c.panicked)
				}
			}()
			RowProductSum(src, c.stride, c.n, c.rows)
		})
	}
}

// BenchmarkRowProductSum is BinaryLSE's call: 13 rows of a block of 256
// columns of a table of 208 rows (426 KB, in the level-2 cache).
func BenchmarkRowProductSum(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	const stride, n = 1995, 256
	src := make([]float64, 208*stride)
	for i := range src {
		src[i] = 1 - rng.Float64()
	}
	rows := make([]int, 13)
	for k := range rows {
		rows[k] = 16*k + rng.IntN(16)
	}
	for b.Loop() {
		RowProductSum(src, stride, n, rows)
	}
	b.ReportMetric(float64(b.N*n*len(rows))/b.Elapsed().Seconds()/1e9, "Gmul/s")
}
