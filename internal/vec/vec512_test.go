//go:build amd64 && !purego

package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The kernels run at one of three levels: the Go loops, the AVX2 assembly
// and the AVX-512 assembly (for the kernels that have it). The tests of
// vec_test.go and vec_rows_test.go run at the best level the CPU has;
// TestLevels runs them again at every level the CPU has.

// cpuAVX2 and cpuAVX512 are what the CPU supports, whatever a test has
// switched off.
var cpuAVX2, cpuAVX512 = useAVX2, useAVX512

type level struct {
	name           string
	avx2, avx512   bool
	supportedByCPU bool
}

func levels() []level {
	return []level{
		{"go", false, false, true},
		{"avx2", true, false, cpuAVX2},
		{"avx512", true, true, cpuAVX512},
	}
}

// withLevel runs f with the kernels of level l.
func withLevel(l level, f func()) {
	saved2, saved512 := useAVX2, useAVX512
	useAVX2, useAVX512 = l.avx2, l.avx512
	defer func() { useAVX2, useAVX512 = saved2, saved512 }()
	f()
}

// runLevels runs f as a subtest at every level, skipping those the CPU
// lacks.
func runLevels(t *testing.T, f func(t *testing.T)) {
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			if !l.supportedByCPU {
				t.Skipf("the CPU lacks %s", l.name)
			}
			withLevel(l, func() { f(t) })
		})
	}
}

// TestLevels runs the bit-identity, accuracy, special-value, tail and
// guard tests at every level. At the Go level the comparisons with the Go
// loops skip themselves; the API and panic tests still run.
func TestLevels(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(*testing.T)
	}{
		{"AddBitIdentical", TestAddBitIdentical},
		{"MaxSameAsGo", TestMaxSameAsGo},
		{"ExpShiftAccuracy", TestExpShiftAccuracy},
		{"ExpShiftCorrectlyRounded", TestExpShiftCorrectlyRounded},
		{"ExpShiftSpecial", TestExpShiftSpecial},
		{"ExpShiftSum", TestExpShiftSum},
		{"AddScaledRowsBitIdentical", TestAddScaledRowsBitIdentical},
		{"RowProductLanesBitIdentical", TestRowProductLanesBitIdentical},
		{"RowProductsBitIdentical", TestRowProductsBitIdentical},
		{"AddScaledRowsSpecials", TestAddScaledRowsSpecials},
		{"AddScaledRowsPanics", TestAddScaledRowsPanics},
		{"AddScaledRowsWidths", testAddScaledRowsWidths},
		{"AddMatMulBitIdentical", TestAddMatMulBitIdentical},
		{"AddMatMulPanics", TestAddMatMulPanics},
		{"GoFallback", TestGoFallback},
		{"LengthMismatchPanics", TestLengthMismatchPanics},
		{"ScaleToMatchesLoop", TestScaleToMatchesLoop},
		{"Elementwise32", TestElementwise32},
		{"ExpShift32Sum", TestExpShift32Sum},
		{"ExpShift32Accuracy", TestExpShift32Accuracy},
		{"Tanh32Accuracy", TestTanh32Accuracy},
		{"Max32", TestMax32},
		{"AddScaledRows32", TestAddScaledRows32},
		{"AdamF32", TestAdamF32},
		{"Panics32", TestPanics32},
	} {
		t.Run(c.name, func(t *testing.T) { runLevels(t, c.f) })
	}
}

// testAddScaledRowsWidths checks AddScaledRows against one addScaledGo per
// row for every width up to 420, which takes the AVX-512 kernel through
// every combination of its 192-, 96-, 48-, 24-, 16- and 8-wide blocks and
// its masked tail (and the AVX2 kernel through all of its own), at
// misaligned offsets, with specials, checking that nothing outside dst and
// nothing in src is written.
func testAddScaledRowsWidths(t *testing.T) {
	skipWithoutAsm(t)
	r := rand.New(rand.NewPCG(31, 32))
	ns := []int{}
	for n := 0; n <= 420; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 575, 576, 577, 1991, 1995, 2000)
	for i, n := range ns {
		off := offsets[i%len(offsets)]
		m := []int{1, 2, 5, 9}[i%4]
		stride := n + off[1] + i%3
		const numRows = 4
		srcLen := off[1] + (numRows-1)*stride + n
		src := randVec(r, 0, srcLen, i%2 == 1)[:srcLen]
		srcWant := clone(src)
		rows := make([]int, m)
		for k := range rows {
			rows[k] = r.IntN(numRows)
		}
		scales := rowScales(r, m, i%2 == 1)
		dst := randVec(r, off[0], n, i%2 == 1)
		want := clone(dst)
		addScaledRowsRef(want[off[0]:off[0]+n], src[off[1]:], stride, rows, scales)
		AddScaledRows(dst[off[0]:off[0]+n], src[off[1]:], stride, rows, scales)
		what := fmt.Sprintf("n=%d stride=%d off=%v rows=%v", n, stride, off, rows)
		if !sameVec(t, what, dst, want) || !sameVec(t, "src changed: "+what, src, srcWant) {
			return
		}
	}
}

// TestAVX512SameAsAVX2_32 checks that the AVX2 and AVX-512 kernels of
// ExpShift32 and Tanh32 give the same bits, on every 99991st float32, odd
// lengths of them and specials.
func TestAVX512SameAsAVX2_32(t *testing.T) {
	if !cpuAVX512 {
		t.Skip("the CPU lacks AVX-512")
	}
	x := sweep32(99991)
	for _, k := range []struct {
		name         string
		avx2, avx512 func(dst, x []float32)
	}{
		{"ExpShift32", func(dst, x []float32) { expShift32AVX2(dst, x, 2.5) }, func(dst, x []float32) { expShift32AVX512(dst, x, 2.5) }},
		{"ExpShift32/-90", func(dst, x []float32) { expShift32AVX2(dst, x, -90) }, func(dst, x []float32) { expShift32AVX512(dst, x, -90) }},
		{"Tanh32", tanh32AVX2, tanh32AVX512},
	} {
		for _, n := range []int{len(x), 1, 7, 15, 17, 33} {
			a, b := make([]float32, n), make([]float32, n)
			k.avx2(a, x[:n])
			k.avx512(b, x[:n])
			if !sameVec32(t, fmt.Sprintf("%s n=%d", k.name, n), b, a) {
				return
			}
		}
	}
}

// benchLevels runs a kernel's benchmark at the AVX2 and AVX-512 levels
// (those the CPU has) and on the Go loops.
func benchLevels(b *testing.B, run func(b *testing.B)) {
	for _, l := range levels() {
		if !l.supportedByCPU {
			continue
		}
		b.Run(l.name, func(b *testing.B) {
			b.ReportAllocs()
			withLevel(l, func() { run(b) })
		})
	}
}

// BenchmarkLevelAddScaledRows: dst 96 wide at a column offset of the
// 1995-wide output layer, whole rows of 500 and of 1995, from a 300-row
// matrix.
func BenchmarkLevelAddScaledRows(b *testing.B) {
	for _, c := range []struct{ n, stride, lo, m int }{
		{48, 500, 100, 25}, {96, 1995, 400, 25}, {500, 500, 0, 60},
		{1995, 1995, 0, 25}, {1995, 1995, 0, 256},
	} {
		b.Run(fmt.Sprintf("n=%d/stride=%d/rows=%d", c.n, c.stride, c.m), func(b *testing.B) {
			r := rand.New(rand.NewPCG(23, 24))
			const numRows = 300
			src := benchData(numRows * c.stride)[c.lo:]
			dst := benchData(c.n)
			rows := make([]int, c.m)
			scales := make([]float64, c.m)
			for k := range rows {
				rows[k] = r.IntN(numRows)
				scales[k] = 1
				if k%4 == 3 {
					scales[k] = 1e-9 * r.Float64()
				}
			}
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(int64(8 * c.n * c.m))
				for b.Loop() {
					AddScaledRows(dst, src, c.stride, rows, scales)
				}
			})
		})
	}
}

func BenchmarkLevelExpShift(b *testing.B) {
	for _, n := range []int{48, 500, 1995} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, dst := benchData(n), make([]float64, n)
			shift := maxGo(x)
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					benchSink += ExpShift(dst, x, shift)
				}
			})
		})
	}
}

func BenchmarkLevelAdd(b *testing.B) {
	for _, n := range []int{48, 500, 1995, 1 << 16} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, dst := benchData(n), benchData(n)
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					Add(dst, x)
				}
			})
		})
	}
}
