package vec

import "math"

// adam32Go is Adam32's reference (P float64) and AdamF32's (P float32):
// every operation in float64, p widened before and rounded to P after its
// update. The float64 conversions round each product before its sum,
// forbidding fused multiply-adds.
func adam32Go[P float](p, g []P, m, v []float32, c AdamConst) {
	ic2 := 1 / c.C2
	nb1, nb2 := 1-c.Beta1, 1-c.Beta2
	m, v, p = m[:len(g)], v[:len(g)], p[:len(g)]
	for j, gp := range g {
		gj := float64(gp)
		mm := float64(c.Beta1*float64(m[j])) + float64(nb1*gj)
		vv := float64(c.Beta2*float64(v[j])) + float64(float64(nb2*gj)*gj)
		m[j], v[j] = float32(mm), float32(vv)
		p[j] = P(float64(p[j]) - float64(c.Step*mm)/(math.Sqrt(float64(vv*ic2))+c.Eps))
	}
}
