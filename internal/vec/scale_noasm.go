//go:build !amd64 || purego

package vec

func scaleTo(dst []float64, a float64, x []float64) { scaleToGo(dst, a, x) }
