package vec

// ScaleTo writes a·x into dst element-wise: dst[i] = a*x[i]. dst may be x
// itself. The products are those of the plain Go loop, bit for bit.
// It panics if len(x) != len(dst).
func ScaleTo(dst []float64, a float64, x []float64) {
	if len(x) != len(dst) {
		panic("vec: ScaleTo lengths differ")
	}
	scaleTo(dst, a, x)
}

func scaleToGo[T float](dst []T, a T, x []T) {
	for i, v := range x {
		dst[i] = a * v
	}
}
