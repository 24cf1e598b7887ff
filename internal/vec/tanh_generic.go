package vec

import "math"

func tanhGo(dst, x []float64) {
	for i, v := range x {
		dst[i] = math.Tanh(v)
	}
}

// tanhGradGo is TanhGrad's reference; the conversion rounds y*y before the
// subtraction, forbidding a fused multiply-add.
func tanhGradGo(d, y []float64) {
	for i, v := range y {
		d[i] *= 1 - float64(v*v)
	}
}
