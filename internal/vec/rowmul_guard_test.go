//go:build linux && amd64 && !purego

package vec

import "testing"

// TestRowProductSumAtPageEnd is TestTailsAtPageEnd for RowProductSum: two
// rows of n, the second ending where an inaccessible page begins, for
// every n up to 140 (the 64- and 8-wide blocks and the masked tail).
func TestRowProductSumAtPageEnd(t *testing.T) {
	runLevels(t, func(t *testing.T) {
		p := guardedPage(t)
		for n := 0; n <= 140; n++ {
			src := p[len(p)-(2*n+3):]
			for j := range src {
				src[j] = 0.5
			}
			if got, want := RowProductSum(src, n+3, n, []int{1, 0, 1}), 0.125*float64(n); got != want {
				t.Errorf("n %d: %v, want %v", n, got, want)
			}
		}
	})
}
