package par

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// TestForNestedAndConcurrent runs For from inside parts and from several
// goroutines at once, with pauses long enough for idle workers to sleep,
// and requires every index to be visited once.
func TestForNestedAndConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				hits := make([]atomic.Int32, 1000)
				For(10, 1, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						For(100, 10, func(a, b int) {
							for j := a; j < b; j++ {
								hits[i*100+j].Add(1)
							}
						})
					}
				})
				for i := range hits {
					if h := hits[i].Load(); h != 1 {
						t.Errorf("round %d: index %d visited %d times", round, i, h)
						return
					}
				}
				if round%5 == 0 {
					time.Sleep(2 * time.Millisecond) // let the workers fall asleep
				}
			}
		}()
	}
	wg.Wait()
}
