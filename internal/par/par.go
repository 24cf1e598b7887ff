// Package par splits loops over the machine's cores.
//
// The split points depend only on the loop's length and the number of
// parts, never on timing, so a kernel that gives each part its own outputs
// computes the same bits however the parts are scheduled.
package par

import (
	"runtime"
	"sync"
)

// For calls fn(lo, hi) on contiguous parts of [0, n) that cover it, at most
// one part per core, each part at least grain long, and returns when all
// have returned. The first part runs in the calling goroutine.
// It panics if grain < 1.
func For(n, grain int, fn func(lo, hi int)) {
	if grain < 1 {
		panic("par: grain below 1")
	}
	parts := min(runtime.GOMAXPROCS(0), n/grain)
	if parts < 2 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < parts; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i*n/parts, (i+1)*n/parts)
		}()
	}
	fn(0, n/parts)
	wg.Wait()
}
