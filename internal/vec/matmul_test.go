package vec

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// addMatMulRef is AddMatMul's definition: for each row of dst, one
// addScaledGo per row of src, in order.
func addMatMulRef(dst []float64, n int, a []float64, m int, src []float64, stride int) {
	for r := range len(dst) / n {
		for k := range m {
			addScaledGo(dst[r*n:(r+1)*n], a[r*m+k], src[k*stride:k*stride+n])
		}
	}
}

// TestAddMatMulBitIdentical checks AddMatMul against its definition, bit
// for bit, for 1 to 9 rows (groups of four and the rows left), every
// width up to 130 and some wide ones (every block of 1 to 7 registers,
// masked and not), 1 to 300 rows of src, misaligned operands, strides
// wider than n and special values, and that it writes nothing outside dst
// and nothing in a or src.
func TestAddMatMulBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	ns := rangeInts(131)[1:]
	ns = append(ns, 500, 1995)
	for i, n := range ns {
		for j, rows := range []int{1, 2, 3, 4, 5, 7, 8, 9} {
			sel := i + j
			m := []int{1, 2, 3, 7, 50}[sel%5]
			if n%17 == 0 && rows == 5 {
				m = 300
			}
			stride := n + []int{0, 1, 13}[sel%3]
			off := offsets[sel%len(offsets)]
			specials := sel%2 == 1
			dstBuf := randVec(rng, off[0], rows*n, specials)
			aBuf := randVec(rng, off[1], rows*m, specials)
			srcBuf := randVec(rng, off[1], (m-1)*stride+n, specials)
			want := clone(dstBuf)
			aWant, srcWant := clone(aBuf), clone(srcBuf)
			dst := dstBuf[off[0] : off[0]+rows*n]
			a := aBuf[off[1] : off[1]+rows*m]
			src := srcBuf[off[1]:]
			addMatMulRef(want[off[0]:off[0]+rows*n], n, a, m, src, stride)
			AddMatMul(dst, n, a, m, src, stride)
			what := fmt.Sprintf("rows=%d n=%d m=%d stride=%d off=%v", rows, n, m, stride, off)
			if !sameVec(t, what, dstBuf, want) || !sameVec(t, "a changed: "+what, aBuf, aWant) ||
				!sameVec(t, "src changed: "+what, srcBuf, srcWant) {
				return
			}
		}
	}
}

// TestAddMatMulMatchesAddScaledRows checks the promise of the doc: each row
// of AddMatMul's result is AddScaledRows's over rows 0 to m−1 of src, here
// for the shapes of the default encoder's second layer (500 → 50) and a
// first layer's 1995 → 500, at a column offset.
func TestAddMatMulMatchesAddScaledRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, c := range []struct{ rows, m, n, stride, lo int }{
		{64, 500, 50, 50, 0}, {6, 1995, 500, 500, 0}, {5, 300, 96, 500, 100},
	} {
		src := randVec(rng, 0, c.m*c.stride, false)[c.lo:]
		a := randVec(rng, 0, c.rows*c.m, false)[:c.rows*c.m]
		got := randVec(rng, 0, c.rows*c.n, false)[:c.rows*c.n]
		want := clone(got)
		AddMatMul(got, c.n, a, c.m, src, c.stride)
		for r := range c.rows {
			AddScaledRows(want[r*c.n:(r+1)*c.n], src, c.stride, rangeInts(c.m), a[r*c.m:(r+1)*c.m])
		}
		if !sameVec(t, fmt.Sprintf("%+v", c), got, want) {
			return
		}
	}
}

func TestAddMatMulPanics(t *testing.T) {
	src := make([]float64, 3*10) // three rows of 10
	for name, c := range map[string]struct {
		dst, a       int
		n, m, stride int
	}{
		"n zero":          {dst: 0, a: 0, n: 0, m: 3, stride: 10},
		"m zero":          {dst: 10, a: 0, n: 10, m: 0, stride: 10},
		"dst not rows":    {dst: 15, a: 3, n: 10, m: 3, stride: 10},
		"a short":         {dst: 20, a: 5, n: 10, m: 3, stride: 10},
		"a long":          {dst: 20, a: 7, n: 10, m: 3, stride: 10},
		"stride below n":  {dst: 10, a: 3, n: 10, m: 3, stride: 9},
		"src short":       {dst: 10, a: 4, n: 10, m: 4, stride: 10},
		"src short by 1":  {dst: 8, a: 3, n: 8, m: 3, stride: 11}, // 22+8 = 30 fits, 11·2+9 would not
		"src wide stride": {dst: 10, a: 3, n: 10, m: 3, stride: 11},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "src short by 1" {
				AddMatMul(make([]float64, c.dst), c.n, make([]float64, c.a), c.m, src, c.stride)
				return // the largest src that fits does not panic
			}
			defer func() {
				if msg, _ := recover().(string); !strings.HasPrefix(msg, "vec: AddMatMul ") {
					t.Errorf("recovered %q, want a \"vec: AddMatMul\" panic", msg)
				}
			}()
			AddMatMul(make([]float64, c.dst), c.n, make([]float64, c.a), c.m, src, c.stride)
		})
	}
	AddMatMul(nil, 5, nil, 2, src, 5) // no rows
}

// BenchmarkAddMatMul: the default encoder's second layer (500 → 50) and a
// decoder's hidden layer (50 → 500), 64 rows, against AddScaledRows row by
// row.
func BenchmarkAddMatMul(b *testing.B) {
	for _, c := range []struct{ m, n int }{{500, 50}, {50, 500}} {
		const rows = 64
		src := benchData(c.m * c.n)
		a := benchData(rows * c.m)
		dst := make([]float64, rows*c.n)
		idx := rangeInts(c.m)
		b.Run(fmt.Sprintf("%d-%d/AddMatMul", c.m, c.n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(8 * rows * c.m * c.n))
			for b.Loop() {
				AddMatMul(dst, c.n, a, c.m, src, c.n)
			}
		})
		b.Run(fmt.Sprintf("%d-%d/AddScaledRows", c.m, c.n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(8 * rows * c.m * c.n))
			for b.Loop() {
				for r := range rows {
					AddScaledRows(dst[r*c.n:(r+1)*c.n], src, c.n, idx, a[r*c.m:(r+1)*c.m])
				}
			}
		})
	}
}
