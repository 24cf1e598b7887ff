//go:build linux && amd64 && !purego

package vec

import "testing"

// TestRowProductLanesAtPageEnd is TestTailsAtPageEnd for RowProductLanes:
// its blocked matrix ending where an inaccessible page begins, for every n
// up to 40 (whole and masked blocks, the second register empty or not).
func TestRowProductLanesAtPageEnd(t *testing.T) {
	runLevels(t, func(t *testing.T) {
		p := guardedPage(t)
		for n := 0; n <= 40; n++ {
			src := p[len(p)-RowLanesLen(2, n):]
			for j := range src {
				src[j] = 0.5
			}
			dst := make([]float64, 16)
			RowProductLanes(dst, src, 2, n, []int{1, 0, 1, 1, 1, 1})
			for l := range 8 {
				cols := float64((n - l + 7) / 8) // columns i < n with i%8 == l
				if dst[l] != 0.125*cols || dst[8+l] != 0.125*cols {
					t.Fatalf("n %d lane %d: %v and %v, want %v", n, l, dst[l], dst[8+l], 0.125*cols)
				}
			}
		}
	})
}

// TestRowProductsAtPageEnd is TestTailsAtPageEnd for RowProducts: its
// blocked matrix ending where an inaccessible page begins, and then dst
// (its last row's n columns the page's last), for every n up to 40 and
// row strides with and without a gap, so that a load or store of a column
// past n in either faults.
func TestRowProductsAtPageEnd(t *testing.T) {
	runLevels(t, func(t *testing.T) {
		ps, pd := guardedPage(t), guardedPage(t)
		// Row 0 of products is 0.5³·2, row 1 0.5³·4.
		rows := []int{1, 0, 1, 1, 1, 1}
		scale := []float64{2, 4}
		for n := 0; n <= 40; n++ {
			for _, ld := range []int{n, n + 3} {
				for _, end := range []string{"src", "dst"} {
					src := make([]float64, RowLanesLen(2, n))
					dst := make([]float64, ld+n)
					if end == "src" {
						src = ps[len(ps)-len(src):]
					} else {
						dst = pd[len(pd)-len(dst):]
					}
					for j := range src {
						src[j] = 0.5
					}
					for j := range dst {
						dst[j] = 1
					}
					RowProducts(dst, ld, src, 2, n, rows, scale)
					for j, v := range dst {
						want := 1.0
						switch {
						case j < n:
							want = 0.25
						case j >= ld:
							want = 0.5
						}
						if v != want {
							t.Fatalf("%s at the page end, n %d ld %d: dst[%d] %v, want %v", end, n, ld, j, v, want)
						}
					}
				}
			}
		}
	})
}
