package vec

import "math"

// tanhGo is Tanh's and Tanh32's reference: math.Tanh, rounded to T.
func tanhGo[T float](dst, x []T) {
	for i, v := range x {
		dst[i] = T(math.Tanh(float64(v)))
	}
}

// tanhGradGo is TanhGrad's (and TanhGrad32's) reference; the conversion
// rounds y*y before the subtraction, forbidding a fused multiply-add.
func tanhGradGo[T float](d, y []T) {
	for i, v := range y {
		d[i] *= 1 - T(v*v)
	}
}
