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
