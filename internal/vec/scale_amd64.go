//go:build amd64 && !purego

package vec

// scaleToAVX512 is ScaleTo's AVX-512 kernel; len(dst) must be len(x).
//
//go:noescape
func scaleToAVX512(dst []float64, a float64, x []float64)

func scaleTo(dst []float64, a float64, x []float64) {
	if useAVX512 {
		scaleToAVX512(dst[:len(x)], a, x)
		return
	}
	scaleToGo(dst, a, x)
}
