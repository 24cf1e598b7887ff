//go:build amd64 && !purego

package vec

func scaleTo(dst []float64, a float64, x []float64) {
	if useAVX512 {
		scaleToAVX512(dst[:len(x)], a, x)
		return
	}
	scaleToGo(dst, a, x)
}
