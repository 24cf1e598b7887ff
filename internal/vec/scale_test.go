package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestScaleToMatchesLoop requires ScaleTo, out of place and in place, to
// give the Go loop's bits for every length up to 70 and a long one, with
// special values, and to write nothing past the end.
func TestScaleToMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, -1e308}
	for _, n := range append(rangeInts(71), 1995) {
		for _, a := range []float64{1.5, -0.25, 0, math.Inf(1), 1e-300} {
			x := make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
				if rng.IntN(8) == 0 {
					x[i] = specials[rng.IntN(len(specials))]
				}
			}
			want := make([]float64, n)
			scaleToGo(want, a, x)
			got := make([]float64, n+3)
			got[n], got[n+1], got[n+2] = 7, 7, 7
			ScaleTo(got[:n], a, x)
			inPlace := append([]float64(nil), x...)
			ScaleTo(inPlace, a, inPlace)
			for i := range want {
				if !sameBits(got[i], want[i]) || !sameBits(inPlace[i], want[i]) {
					t.Fatalf("n=%d a=%v: [%d] = %v (in place %v), loop %v", n, a, i, got[i], inPlace[i], want[i])
				}
			}
			if got[n] != 7 || got[n+1] != 7 || got[n+2] != 7 {
				t.Fatalf("n=%d: wrote past the end", n)
			}
		}
	}
}

func TestScaleToPanicsOnLengths(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("ScaleTo with different lengths did not panic")
		}
	}()
	ScaleTo(make([]float64, 3), 1, make([]float64, 4))
}

func rangeInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// sameBits reports whether a and b are the same float64, any NaN matching
// any NaN.
func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

func BenchmarkScaleTo(b *testing.B) {
	x := make([]float64, 1995)
	for i := range x {
		x[i] = float64(i)
	}
	dst := make([]float64, len(x))
	b.ReportAllocs()
	for b.Loop() {
		ScaleTo(dst, 0.5, x)
	}
}
