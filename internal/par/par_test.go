package par

import (
	"sync/atomic"
	"testing"
)

func TestForCoversOnce(t *testing.T) {
	for _, tc := range []struct{ n, grain int }{{0, 1}, {1, 1}, {7, 1}, {1000, 3}, {1000, 600}, {1000, 2000}} {
		hits := make([]atomic.Int32, tc.n)
		For(tc.n, tc.grain, func(lo, hi int) {
			if hi-lo < min(tc.grain, tc.n) {
				t.Errorf("n=%d grain=%d: part [%d,%d) below the grain", tc.n, tc.grain, lo, hi)
			}
			for i := lo; i < hi; i++ {
				hits[i].Add(1)
			}
		})
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Fatalf("n=%d grain=%d: index %d visited %d times", tc.n, tc.grain, i, h)
			}
		}
	}
}

func TestForPanicsOnZeroGrain(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("For with grain 0 did not panic")
		}
	}()
	For(10, 0, func(int, int) {})
}
