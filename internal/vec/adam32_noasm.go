//go:build !amd64 || purego

package vec

func adam32(p, g []float64, m, v []float32, c AdamConst) { adam32Go(p, g, m, v, c) }
