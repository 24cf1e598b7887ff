package vecof

import (
	"testing"

	"github.com/amvi/amvi/internal/vec"
)

// TestDispatch checks that each function runs vec's kernel of its element
// type (the same bits as calling it directly) and allocates nothing.
// Mutation: AddScaledRows's float32 case calling the kernel with half its
// rows fails it.
func TestDispatch(t *testing.T) {
	src32 := make([]float32, 8*16)
	src64 := make([]float64, 8*16)
	for i := range src32 {
		src32[i] = float32(i%13) - 6.5
		src64[i] = float64(src32[i])
	}
	rows := []int{0, 3, 5, 7}
	s32, s64 := []float32{0.5, -1, 2, 0.25}, []float64{0.5, -1, 2, 0.25}
	d32, w32 := make([]float32, 16), make([]float32, 16)
	d64, w64 := make([]float64, 16), make([]float64, 16)
	type rows32 = func(dst, src []float32, stride int, rows []int, scales []float32)
	type rows64 = func(dst, src []float64, stride int, rows []int, scales []float64)
	for _, k := range []struct {
		name         string
		of32, want32 rows32
		of64, want64 rows64
	}{
		{"AddScaledRows", AddScaledRows[float32], vec.AddScaledRows32, AddScaledRows[float64], vec.AddScaledRows},
		{"AddScaledRowsAhead", AddScaledRowsAhead[float32], vec.AddScaledRowsAhead32, AddScaledRowsAhead[float64], vec.AddScaledRowsAhead},
		{"SumScaledRows", SumScaledRows[float32], vec.SumScaledRows32, SumScaledRows[float64], vec.SumScaledRows},
	} {
		k.of32(d32, src32, 16, rows, s32)
		k.want32(w32, src32, 16, rows, s32)
		k.of64(d64, src64, 16, rows, s64)
		k.want64(w64, src64, 16, rows, s64)
		for i := range d32 {
			if d32[i] != w32[i] || d64[i] != w64[i] {
				t.Fatalf("%s[%d]: %v, %v; vec's %v, %v", k.name, i, d32[i], d64[i], w32[i], w64[i])
			}
		}
	}
	if got, want := ExpShift(d32, src32[:16], Max(src32[:16])), vec.ExpShift32(w32, src32[:16], vec.Max32(src32[:16])); got != want {
		t.Errorf("ExpShift float32: %v, vec's %v", got, want)
	}
	if n := testing.AllocsPerRun(100, func() {
		AddScaledRows(d32, src32, 16, rows, s32)
		AddScaledRows(d64, src64, 16, rows, s64)
		AddScaledRowsAhead(d32, src32, 16, rows, s32)
		AddScaledRowsAhead(d64, src64, 16, rows, s64)
		SumScaledRows(d64, src64, 16, rows, s64)
		Tanh(d32, d32)
		ScaleTo(d64, 0.5, d64)
		_ = ExpShift(d32, d32, Max(d32))
	}); n != 0 {
		t.Errorf("%v allocations a run", n)
	}
}
