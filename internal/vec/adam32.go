package vec

// Adam32 applies one Adam update to p with gradient g and moments m and v,
// the moments stored in float32; p and g stay float64. Per element, in
// float64,
//
//	mm := Beta1*float64(m) + (1-Beta1)*g
//	vv := Beta2*float64(v) + (1-Beta2)*g*g
//	m, v = float32(mm), float32(vv)   // rounded to nearest
//	p -= Step*mm / (sqrt(vv*(1/C2)) + Eps)
//
// where the update of p uses mm and vv before their rounding to float32.
// Moments beyond the float32 range round to ±Inf. The assembly kernels give
// bit for bit the results of the Go loop. It panics if the lengths differ.
func Adam32(p, g []float64, m, v []float32, c AdamConst) {
	if len(g) != len(p) || len(m) != len(p) || len(v) != len(p) {
		panic("vec: Adam32 lengths differ")
	}
	adam32(p, g, m, v, c)
}
