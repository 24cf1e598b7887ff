package encoder

// Code is a binary code z ∈ {0,1}^K, one bit per latent factor, z_0 first.
type Code []bool

// String returns the code as a string of '0' and '1' characters, z_0
// first, such as "0110".
func (c Code) String() string { return string(c.AppendBits(make([]byte, 0, len(c)))) }

// AppendBits appends the code's '0' and '1' characters to b and returns the
// extended slice.
func (c Code) AppendBits(b []byte) []byte {
	for _, z := range c {
		if z {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	return b
}

// Floats returns the code as 0 and 1 values, the form that [Sample],
// [LogQ] and [LogPrior] use.
func (c Code) Floats() []float64 {
	z := make([]float64, len(c))
	for j, b := range c {
		if b {
			z[j] = 1
		}
	}
	return z
}
