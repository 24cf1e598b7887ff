//go:build linux && amd64 && !purego

package vec

import (
	"syscall"
	"testing"
	"unsafe"
)

// guardedPage returns the float64s of a page followed by an inaccessible
// page, so that a kernel that loads or stores one element past the end of
// a slice ending at the page's end faults.
func guardedPage(t *testing.T) []float64 {
	t.Helper()
	ps := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[ps:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&mem[0])), ps/8)
}

// TestTailsAtPageEnd runs every kernel, at every level, on operands that
// end where an inaccessible page begins, for every length up to 40, so
// that the masked and scalar tails are seen not to touch memory past the
// end of their operands.
func TestTailsAtPageEnd(t *testing.T) {
	runLevels(t, func(t *testing.T) {
		// Each operand has its own guarded page.
		var ops [2][]float64
		for i := range ops {
			ops[i] = guardedPage(t)
		}
		end := func(i, n int) []float64 {
			s := ops[i][len(ops[i])-n:]
			for j := range s {
				s[j] = 0.25 * float64(j+1)
			}
			return s
		}
		var ops32 [2][]float32
		for i := range ops32 {
			p := guardedPage(t)
			ops32[i] = unsafe.Slice((*float32)(unsafe.Pointer(&p[0])), 2*len(p))
		}
		end32 := func(i, n int) []float32 {
			s := ops32[i][len(ops32[i])-n:]
			for j := range s {
				s[j] = 0.25 * float32(j+1)
			}
			return s
		}
		for n := 0; n <= 40; n++ {
			Add32(end32(0, n), end32(1, n))
			ScaleTo32(end32(0, n), 3, end32(1, n))
			Tanh32(end32(0, n), end32(1, n))
			TanhGrad32(end32(0, n), end32(1, n))
			ExpShift32(end32(0, n), end32(1, n), 1)
			Max32(end32(1, n))
			AdamF32(end32(0, n), end32(1, n), end32(1, n)[:n], end32(0, n)[:n], AdamConst{Beta1: 0.9, Beta2: 0.99, Step: 1, C2: 1})
			src32 := end32(1, 2*n+3)
			AddScaledRows32(end32(0, n), src32, n+3, []int{1, 0, 1}, []float32{1, 2, 3})
			if n > 0 {
				AddMatMul32(end32(0, 3*n), n, []float32{1, 2, 3, 4, 5, 6}, 2, src32, n+3)
			}
			Add(end(0, n), end(1, n))
			ExpShift(end(0, n), end(1, n), 1)
			Max(end(1, n))
			// Two rows of n, the second ending at the page's end.
			src := end(1, 2*n+3)
			AddScaledRows(end(0, n), src, n+3, []int{1, 0, 1}, []float64{1, 2, 3})
			if n > 0 {
				// Three rows of dst; the two rows of src above.
				AddMatMul(end(0, 3*n), n, []float64{1, 2, 3, 4, 5, 6}, 2, src, n+3)
			}
		}
	})
}
