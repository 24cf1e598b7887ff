package train

import (
	"math"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/floats"
)

// span is a run of one parameter or gradient tensor's values: float64, or
// float32 in a -dtype float32 run's networks. Its sums are accumulated in
// float64 either way.
type span struct {
	f64 []float64
	f32 []float32
}

func (s span) len() int { return len(s.f64) + len(s.f32) }

// slice returns the values lo to hi.
func (s span) slice(lo, hi int) span {
	if s.f32 != nil {
		return span{f32: s.f32[lo:hi]}
	}
	return span{f64: s.f64[lo:hi]}
}

// at returns value j.
func (s span) at(j int) float64 {
	if s.f32 != nil {
		return float64(s.f32[j])
	}
	return s.f64[j]
}

// dot returns the sum of the squares, in float64 (float32 values are
// widened exactly and their products summed in float64: BLAS's dsdot).
func (s span) dot() float64 {
	if s.f32 != nil {
		return blas32.Implementation().Dsdot(len(s.f32), s.f32, 1, s.f32, 1)
	}
	return floats.Dot(s.f64, s.f64)
}

// sumSquares adds the squares to ss in order, in float64.
func (s span) sumSquares(ss float64) float64 {
	for _, v := range s.f64 {
		ss += v * v
	}
	for _, v := range s.f32 {
		ss += float64(v) * float64(v)
	}
	return ss
}

// scale multiplies the values by f (rounded to float32 for float32 values).
func (s span) scale(f float64) {
	for j := range s.f64 {
		s.f64[j] *= f
	}
	f32 := float32(f)
	for j := range s.f32 {
		s.f32[j] *= f32
	}
}

// finite returns the index of the first NaN or infinite value, or -1.
func (s span) finite() int {
	for j := range s.len() {
		if v := s.at(j); math.IsNaN(v) || math.IsInf(v, 0) {
			return j
		}
	}
	return -1
}

// spans returns a run's tensors as spans: the float32 ones, then the
// float64 ones (the order of their names and of Adam's moments).
func spans(f32 [][]float32, f64 [][]float64) []span {
	s := make([]span, 0, len(f32)+len(f64))
	for _, p := range f32 {
		s = append(s, span{f32: p})
	}
	for _, p := range f64 {
		s = append(s, span{f64: p})
	}
	return s
}
