package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// addScaledRowsRef is AddScaledRows's definition: one AXPY per row, with
// the Go loop.
func addScaledRowsRef(dst, src []float64, stride int, rows []int, scales []float64) {
	for k, r := range rows {
		addScaledGo(dst, scales[k], src[r*stride:r*stride+len(dst)])
	}
}

// rowScales are the scales of the AddScaledRows tests: 1 (the common case)
// most often, else ordinary values and specials.
func rowScales(r *rand.Rand, m int, withSpecials bool) []float64 {
	s := make([]float64, m)
	for k := range s {
		switch c := r.IntN(8); {
		case c < 3:
			s[k] = 1
		case c == 3 && withSpecials:
			s[k] = specials[r.IntN(len(specials))]
		default:
			s[k] = math.Ldexp(r.Float64()-0.5, r.IntN(21)-10)
		}
	}
	return s
}

type rowsCase struct {
	n, stride, numRows, m int
	dstOff, srcOff        int // dst is dstBuf[dstOff:dstOff+n], src is srcBuf[srcOff:]
	withSpecials          bool
	rows                  []int // nil: m random rows in [0, numRows)
}

func (c rowsCase) String() string {
	return fmt.Sprintf("n=%d stride=%d numRows=%d m=%d dstOff=%d srcOff=%d specials=%v rows=%v",
		c.n, c.stride, c.numRows, c.m, c.dstOff, c.srcOff, c.withSpecials, c.rows)
}

func rowsCases() []rowsCase {
	var cs []rowsCase
	ns := []int{}
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 95, 96, 97, 127, 143, 500, 1995)
	for i, n := range ns {
		ms := []int{0, 1, 2, 3, 7, 25}
		if n <= 70 && n%7 == 0 || n == 97 || n == 1995 {
			ms = append(ms, 300)
		}
		for j, m := range ms {
			sel := i + j
			stride := n
			switch sel % 3 {
			case 1:
				stride = n + 1 + sel%5
			case 2:
				stride = n + 37
			}
			if n == 1995 {
				stride = []int{1995, 2000, 2048}[sel%3]
			}
			off := offsets[sel%len(offsets)]
			// With a column offset, the rows are full rows of stride
			// elements and dst covers columns srcOff to srcOff+n.
			if off[1] > 0 && stride == n {
				stride += off[1]
			}
			cs = append(cs, rowsCase{
				n: n, stride: stride, numRows: 1 + m/2 + sel%4, m: m,
				dstOff: off[0], srcOff: off[1], withSpecials: sel%2 == 1,
			})
		}
	}
	// Repeated rows, row 0 only, a zero and a negative stride (row 0).
	for _, n := range []int{5, 48, 53, 99} {
		cs = append(cs,
			rowsCase{n: n, stride: n + 3, numRows: 4, m: 6, rows: []int{2, 2, 2, 0, 3, 2}},
			rowsCase{n: n, stride: n, numRows: 1, m: 4, srcOff: 1, rows: []int{0, 0, 0, 0}, withSpecials: true},
			rowsCase{n: n, stride: 0, numRows: 1, m: 3, rows: []int{0, 5, 9}},
			rowsCase{n: n, stride: -n, numRows: 1, m: 2, rows: []int{0, 0}},
		)
	}
	return cs
}

// TestAddScaledRowsBitIdentical checks AddScaledRows and AddScaledRowsAhead,
// on the assembly and on the Go loop, against one addScaledGo per row, bit
// for bit, and SumScaledRows against the same onto a cleared dst, and that
// they write nothing outside dst and nothing in src: rows fewer and more
// than the prefetching kernel's distance, widths across the blocks and
// tails, no rows. Mutations: the prefetching kernel's block loop leaving
// out the product of its last register fails it; the summing kernel's tail
// loading dst into its last register instead of +0 fails it.
func TestAddScaledRowsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, c := range rowsCases() {
		rows := c.rows
		if rows == nil {
			rows = make([]int, c.m)
			for k := range rows {
				rows[k] = r.IntN(c.numRows)
			}
			c.rows = rows // for the messages
		}
		srcLen := c.srcOff + c.n
		if c.stride > 0 {
			srcLen += (c.numRows - 1) * c.stride
		}
		// The last row ends exactly at the end of src unless the
		// stride leaves a gap after it.
		srcBuf := randVec(r, 0, srcLen, c.withSpecials)[:srcLen]
		srcWant := clone(srcBuf)
		dstBuf := randVec(r, c.dstOff, c.n, c.withSpecials)
		scales := rowScales(r, len(rows), c.withSpecials)

		want := clone(dstBuf)
		addScaledRowsRef(want[c.dstOff:c.dstOff+c.n], srcBuf[c.srcOff:], c.stride, rows, scales)
		paths := map[string]func(f func()){"go": withGoKernels}
		if asmKernels() {
			paths["asm"] = func(f func()) { f() }
		}
		kernels := map[string]func(dst, src []float64, stride int, rows []int, scales []float64){
			"AddScaledRows": AddScaledRows, "AddScaledRowsAhead": AddScaledRowsAhead,
		}
		for name, run := range paths {
			// SumScaledRows: the sum alone, as onto a cleared dst.
			wantSum := clone(dstBuf)
			clear(wantSum[c.dstOff : c.dstOff+c.n])
			addScaledRowsRef(wantSum[c.dstOff:c.dstOff+c.n], srcBuf[c.srcOff:], c.stride, rows, scales)
			got := clone(dstBuf)
			run(func() {
				SumScaledRows(got[c.dstOff:c.dstOff+c.n], srcBuf[c.srcOff:], c.stride, rows, scales)
			})
			if !sameVec(t, name+" SumScaledRows: "+c.String(), got, wantSum) {
				return
			}
			for kname, kernel := range kernels {
				got := clone(dstBuf)
				run(func() {
					kernel(got[c.dstOff:c.dstOff+c.n], srcBuf[c.srcOff:], c.stride, rows, scales)
				})
				if !sameVec(t, name+" "+kname+": "+c.String(), got, want) {
					return
				}
				if !sameVec(t, name+" "+kname+": src changed: "+c.String(), srcBuf, srcWant) {
					return
				}
			}
		}
	}
}

// TestAddScaledRowsSpecials runs every pair of special values through
// every lane position of the 48-, 4- and masked blocks.
func TestAddScaledRowsSpecials(t *testing.T) {
	vals := append([]float64{0.5, -3}, specials...)
	const n = 48 + 4 + 3
	for _, a := range vals {
		for _, sc := range vals {
			src := make([]float64, 3*n)
			dst := make([]float64, n)
			for i := range dst {
				dst[i] = vals[i%len(vals)]
				src[i] = a
				src[n+i] = vals[(i+3)%len(vals)]
				src[2*n+i] = vals[(i*5)%len(vals)]
			}
			rows := []int{0, 1, 2, 0}
			scales := []float64{sc, 1, -sc, 0.25}
			want := clone(dst)
			addScaledRowsRef(want, src, n, rows, scales)
			AddScaledRows(dst, src, n, rows, scales)
			if !sameVec(t, fmt.Sprintf("a=%v scale=%v", a, sc), dst, want) {
				return
			}
		}
	}
}

func TestAddScaledRowsPanics(t *testing.T) {
	src := make([]float64, 3*10) // three rows of 10
	for name, c := range map[string]struct {
		n, stride int
		rows      []int
		scales    []float64
		msg       string
	}{
		"scales short":    {n: 10, stride: 10, rows: []int{0, 1}, scales: []float64{1}, msg: "lengths of rows and scales differ"},
		"scales long":     {n: 10, stride: 10, rows: []int{}, scales: []float64{1}, msg: "lengths of rows and scales differ"},
		"negative row":    {n: 10, stride: 10, rows: []int{0, -1}, scales: []float64{1, 1}, msg: "out of range"},
		"row past end":    {n: 10, stride: 10, rows: []int{1, 3}, scales: []float64{1, 1}, msg: "out of range"},
		"row one over":    {n: 3, stride: 14, rows: []int{0, 2}, scales: []float64{1, 1}, msg: "out of range"}, // 28+3 > 30
		"dst too long":    {n: 31, stride: 0, rows: []int{0}, scales: []float64{1}, msg: "out of range"},
		"overflow":        {n: 10, stride: 1 << 40, rows: []int{0, 1 << 24}, scales: []float64{1, 1}, msg: "out of range"},
		"negative stride": {n: 10, stride: -10, rows: []int{0, 1}, scales: []float64{1, 1}, msg: "out of range"},
		"empty dst":       {n: 0, stride: 10, rows: []int{0, 4}, scales: []float64{1, 1}, msg: "out of range"},
	} {
		t.Run(name, func(t *testing.T) {
			dst := make([]float64, c.n)
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "vec: AddScaledRows ") || !strings.Contains(msg, c.msg) {
					t.Errorf("recovered %q, want a \"vec: AddScaledRows ... %s\" panic", msg, c.msg)
				}
				for i, v := range dst {
					if v != 0 {
						t.Errorf("dst[%d] = %v written before the panic", i, v)
					}
				}
			}()
			for i := range src {
				src[i] = 1
			}
			AddScaledRows(dst, src, c.stride, c.rows, c.scales)
		})
	}
	// The extreme rows in range do not panic.
	dst := make([]float64, 2)
	AddScaledRows(dst, src, 14, []int{0, 2}, []float64{1, 1}) // 28+2 == 30
	AddScaledRows(dst, src, 0, []int{0, math.MaxInt}, []float64{1, 1})
	AddScaledRows(nil, src, 10, []int{3}, []float64{1})
	AddScaledRows(nil, nil, 10, nil, nil)
	if dst[0] != 4 || dst[1] != 4 {
		t.Errorf("dst = %v, want [4 4]", dst)
	}
}

// benchRowsCases are the shapes of the benchmarks: dst 48 wide at a column
// offset of stride-500 rows, a whole row of 500 and one of 1995, each with
// 3, 25 and 256 rows of a 300-row matrix.
var benchRowsCases = []struct{ n, stride, lo int }{
	{48, 500, 100}, {500, 500, 0}, {1995, 1995, 0},
}

func benchRows(b *testing.B, run func(b *testing.B, dst, src []float64, stride int, rows []int, scales []float64)) {
	for _, c := range benchRowsCases {
		for _, m := range []int{3, 25, 256} {
			b.Run(fmt.Sprintf("n=%d/stride=%d/rows=%d", c.n, c.stride, m), func(b *testing.B) {
				r := rand.New(rand.NewPCG(23, 24))
				const numRows = 300
				src := benchData(numRows * c.stride)
				dst := benchData(c.stride)[c.lo : c.lo+c.n]
				rows := make([]int, m)
				scales := make([]float64, m)
				for k := range rows {
					rows[k] = r.IntN(numRows)
					scales[k] = 1
					if k%4 == 3 {
						scales[k] = 1e-9 * r.Float64()
					}
				}
				b.ReportAllocs()
				b.SetBytes(int64(8 * c.n * m))
				run(b, dst, src[c.lo:], c.stride, rows, scales)
			})
		}
	}
}

func BenchmarkAddScaledRows(b *testing.B) {
	paths := []string{"go"}
	if asmKernels() {
		paths = []string{"asm", "go"}
	}
	for _, path := range paths {
		b.Run(path, func(b *testing.B) {
			benchRows(b, func(b *testing.B, dst, src []float64, stride int, rows []int, scales []float64) {
				f := func() {
					for b.Loop() {
						AddScaledRows(dst, src, stride, rows, scales)
					}
				}
				if path == "go" {
					withGoKernels(f)
				} else {
					f()
				}
			})
		})
	}
}
