package hashing

import (
	"fmt"
	"slices"
)

// Codes holds n binary codes of Bits bits each, packed into 64-bit words:
// code i is Data[i·W : (i+1)·W] with W = [WordsFor](Bits) words. Bit j of a
// code (z_j, j from 0) is bit 63−j%64 of word j/64, so that the first bit
// is the most significant and the words, written in hexadecimal one after
// the other, spell the code four bits to a digit ([AppendHex]). The unused
// low bits of the last word are zero.
type Codes struct {
	Bits int
	Data []uint64
}

// WordsFor returns the number of 64-bit words a code of bits bits takes.
func WordsFor(bits int) int { return (bits + 63) / 64 }

// NewCodes returns n zero codes of the given length.
// It panics if bits < 1 or n < 0.
func NewCodes(n, bits int) *Codes {
	if bits < 1 || n < 0 {
		panic(fmt.Sprintf("hashing: NewCodes(%d, %d)", n, bits))
	}
	return &Codes{Bits: bits, Data: make([]uint64, n*WordsFor(bits))}
}

// Words returns the number of words per code.
func (c *Codes) Words() int { return WordsFor(c.Bits) }

// Len returns the number of codes.
func (c *Codes) Len() int { return len(c.Data) / c.Words() }

// Code returns code i's words, which alias c.Data.
func (c *Codes) Code(i int) []uint64 {
	w := c.Words()
	return c.Data[i*w : (i+1)*w : (i+1)*w]
}

// Bit reports bit j of code i.
func (c *Codes) Bit(i, j int) bool {
	return c.Code(i)[j/64]>>(63-j%64)&1 == 1
}

// Pack writes the bits z (one per element, z[0] first) into code, which
// must hold WordsFor(len(z)) words. It panics if it does not.
func Pack(code []uint64, z []bool) {
	if len(code) != WordsFor(len(z)) {
		panic(fmt.Sprintf("hashing: %d words for a code of %d bits", len(code), len(z)))
	}
	clear(code)
	for j, b := range z {
		if b {
			code[j/64] |= 1 << (63 - j%64)
		}
	}
}

// Threshold sets code i of dst, bit j, exactly when x[i·Bits+j] >
// t[j]: x holds dst.Len() rows of dst.Bits features. A nil t thresholds
// every feature at 0, which turns an encoder's logits into its most
// probable code. It panics if the lengths do not match.
func Threshold(dst *Codes, x, t []float64) {
	k := dst.Bits
	if len(x) != dst.Len()*k || (t != nil && len(t) != k) {
		panic(fmt.Sprintf("hashing: Threshold of %d values with %d thresholds into %d codes of %d bits", len(x), len(t), dst.Len(), k))
	}
	w := dst.Words()
	for i := range dst.Len() {
		row := x[i*k : (i+1)*k]
		for c := range w {
			lo, hi := 64*c, min(64*(c+1), k)
			var word uint64 // without branches: the bits are unpredictable
			if t == nil {
				for _, v := range row[lo:hi] {
					word = word<<1 | bit(v > 0)
				}
			} else {
				for j, v := range row[lo:hi] {
					word = word<<1 | bit(v > t[lo+j])
				}
			}
			dst.Data[i*w+c] = word << (64 - (hi - lo))
		}
	}
}

// bit is 1 for true and 0 for false.
func bit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Medians returns the median of each of the k columns of x, which holds
// rows of k values: the middle value of a column of odd length, the mean of
// the two middle values of one of even length. Thresholded at its medians
// ([Threshold]), each bit is on for half of the rows (ties aside), as the
// hashing literature thresholds real-valued codes. It panics if k < 1, x
// is empty or len(x) is not a multiple of k.
func Medians(x []float64, k int) []float64 {
	if k < 1 || len(x) == 0 || len(x)%k != 0 {
		panic(fmt.Sprintf("hashing: Medians of %d values in rows of %d", len(x), k))
	}
	n := len(x) / k
	col := make([]float64, n)
	m := make([]float64, k)
	for j := range k {
		for i := range n {
			col[i] = x[i*k+j]
		}
		slices.Sort(col)
		if n%2 == 1 {
			m[j] = col[n/2]
		} else {
			m[j] = col[n/2-1]/2 + col[n/2]/2
		}
	}
	return m
}

const hexDigits = "0123456789abcdef"

// AppendBits appends a code of the given number of bits, in the layout of
// [Codes], as bits characters '0' and '1', z_0 first. It panics if code
// does not hold WordsFor(bits) words.
func AppendBits(b []byte, code []uint64, bits int) []byte {
	if len(code) != WordsFor(bits) {
		panic(fmt.Sprintf("hashing: %d words for a code of %d bits", len(code), bits))
	}
	for j := range bits {
		b = append(b, '0'+byte(code[j/64]>>(63-j%64)&1))
	}
	return b
}

// AppendHex appends a code of the given number of bits, in the layout of
// [Codes], as (bits+3)/4 hexadecimal digits: the code's bits read four at a
// time, z_0 the most significant bit of the first digit, the last digit
// padded with zero bits. It panics if code does not hold WordsFor(bits)
// words.
func AppendHex(b []byte, code []uint64, bits int) []byte {
	if len(code) != WordsFor(bits) {
		panic(fmt.Sprintf("hashing: %d words for a code of %d bits", len(code), bits))
	}
	for d := range (bits + 3) / 4 {
		w := code[d/16]
		b = append(b, hexDigits[w>>(60-4*(d%16))&15])
	}
	return b
}
