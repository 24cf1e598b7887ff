// Package vecof picks package vec's kernels by element type: each function
// here is generic over Float and calls vec's float64 kernel or its float32
// namesake (AddScaledRows or AddScaledRows32, …). It is the one place where
// amvi's generic layer code (internal/mlp, decoder.LogLikOf, optim) meets
// the two sets of kernels.
//
// The type switch converts a slice to an interface that does not escape, so
// it allocates nothing (TestDispatch).
package vecof

import (
	"github.com/amvi/amvi/internal/vec"
)

// Float is the element type of a network's weights, activations and
// gradients: float64, amvi's default, or float32 (-dtype float32).
//
// The constraint names the two types themselves, not ~float32 | ~float64:
// the kernels take []float32 and []float64, which a slice of a named type
// cannot be converted to without package unsafe.
type Float interface{ float32 | float64 }

// Is32 reports whether T is float32.
func Is32[T Float]() bool {
	var x T
	_, ok := any(x).(float32)
	return ok
}

// AddScaledRows is vec.AddScaledRows or vec.AddScaledRows32.
func AddScaledRows[T Float](dst, src []T, stride int, rows []int, scales []T) {
	switch d := any(dst).(type) {
	case []float64:
		vec.AddScaledRows(d, any(src).([]float64), stride, rows, any(scales).([]float64))
	case []float32:
		vec.AddScaledRows32(d, any(src).([]float32), stride, rows, any(scales).([]float32))
	}
}

// AddScaledRowsAhead is vec.AddScaledRowsAhead or vec.AddScaledRowsAhead32.
func AddScaledRowsAhead[T Float](dst, src []T, stride int, rows []int, scales []T) {
	switch d := any(dst).(type) {
	case []float64:
		vec.AddScaledRowsAhead(d, any(src).([]float64), stride, rows, any(scales).([]float64))
	case []float32:
		vec.AddScaledRowsAhead32(d, any(src).([]float32), stride, rows, any(scales).([]float32))
	}
}

// SumScaledRows is vec.SumScaledRows or vec.SumScaledRows32.
func SumScaledRows[T Float](dst, src []T, stride int, rows []int, scales []T) {
	switch d := any(dst).(type) {
	case []float64:
		vec.SumScaledRows(d, any(src).([]float64), stride, rows, any(scales).([]float64))
	case []float32:
		vec.SumScaledRows32(d, any(src).([]float32), stride, rows, any(scales).([]float32))
	}
}

// AddMatMul is vec.AddMatMul or vec.AddMatMul32.
func AddMatMul[T Float](dst []T, n int, a []T, m int, src []T, stride int) {
	switch d := any(dst).(type) {
	case []float64:
		vec.AddMatMul(d, n, any(a).([]float64), m, any(src).([]float64), stride)
	case []float32:
		vec.AddMatMul32(d, n, any(a).([]float32), m, any(src).([]float32), stride)
	}
}

// Add is vec.Add or vec.Add32.
func Add[T Float](dst, x []T) {
	switch d := any(dst).(type) {
	case []float64:
		vec.Add(d, any(x).([]float64))
	case []float32:
		vec.Add32(d, any(x).([]float32))
	}
}

// ScaleTo is vec.ScaleTo or vec.ScaleTo32 (a rounded to float32 first).
func ScaleTo[T Float](dst []T, a float64, x []T) {
	switch d := any(dst).(type) {
	case []float64:
		vec.ScaleTo(d, a, any(x).([]float64))
	case []float32:
		vec.ScaleTo32(d, float32(a), any(x).([]float32))
	}
}

// Tanh is vec.Tanh or vec.Tanh32.
func Tanh[T Float](dst, x []T) {
	switch d := any(dst).(type) {
	case []float64:
		vec.Tanh(d, any(x).([]float64))
	case []float32:
		vec.Tanh32(d, any(x).([]float32))
	}
}

// TanhGrad is vec.TanhGrad or vec.TanhGrad32.
func TanhGrad[T Float](d, y []T) {
	switch dd := any(d).(type) {
	case []float64:
		vec.TanhGrad(dd, any(y).([]float64))
	case []float32:
		vec.TanhGrad32(dd, any(y).([]float32))
	}
}

// Max is vec.Max or vec.Max32.
func Max[T Float](x []T) T {
	switch xx := any(x).(type) {
	case []float64:
		return T(vec.Max(xx))
	case []float32:
		return T(vec.Max32(xx))
	}
	panic("unreachable")
}

// ExpShift is vec.ExpShift or vec.ExpShift32: exp(x−shift) into dst, the
// sum returned in float64 either way.
func ExpShift[T Float](dst, x []T, shift T) float64 {
	switch d := any(dst).(type) {
	case []float64:
		return vec.ExpShift(d, any(x).([]float64), float64(shift))
	case []float32:
		return vec.ExpShift32(d, any(x).([]float32), float32(shift))
	}
	panic("unreachable")
}

// Adam is vec.Adam32 (float64 parameters and gradients) or vec.AdamF32
// (float32 ones); the moments are float32 either way.
func Adam[T Float](p, g []T, m, v []float32, c vec.AdamConst) {
	switch pp := any(p).(type) {
	case []float64:
		vec.Adam32(pp, any(g).([]float64), m, v, c)
	case []float32:
		vec.AdamF32(pp, any(g).([]float32), m, v, c)
	}
}

// Convert writes src into dst element by element, rounded to nearest when
// narrowing (exact when widening, and when narrowing values that were
// float32 to begin with).
// It panics if the lengths differ.
func Convert[D, S Float](dst []D, src []S) {
	if len(dst) != len(src) {
		panic("vecof: Convert lengths differ")
	}
	for i, v := range src {
		dst[i] = D(v)
	}
}
