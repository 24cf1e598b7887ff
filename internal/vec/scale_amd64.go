//go:build amd64 && !purego

package vec

func scaleTo(dst []float64, a float64, x []float64) {
	switch {
	case useAVX512:
		scaleToAVX512(dst[:len(x)], a, x)
	case useAVX2:
		scaleToAVX2(dst[:len(x)], a, x)
	default:
		scaleToGo(dst, a, x)
	}
}
