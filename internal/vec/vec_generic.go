package vec

import "math"

func addScaledGo(dst []float64, a float64, x []float64) {
	for i, v := range x {
		dst[i] += a * v
	}
}

func addGo(dst, x []float64) {
	for i, v := range x {
		dst[i] += v
	}
}

func adamGo(p, g, m, v []float64, c AdamConst) {
	for j, gj := range g {
		m[j] = c.Beta1*m[j] + (1-c.Beta1)*gj
		v[j] = c.Beta2*v[j] + (1-c.Beta2)*gj*gj
		p[j] -= c.Step * m[j] / (math.Sqrt(v[j]/c.C2) + c.Eps)
	}
}

func expShiftGo(dst, x []float64, shift float64) float64 {
	s := 0.0
	for i, v := range x {
		e := math.Exp(v - shift)
		dst[i] = e
		s += e
	}
	return s
}

func maxGo(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if v > m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}
