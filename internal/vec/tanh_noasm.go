//go:build !amd64 || purego

package vec

func tanh(dst, x []float64)   { tanhGo(dst, x) }
func tanhGrad(d, y []float64) { tanhGradGo(d, y) }
