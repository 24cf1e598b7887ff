// Package par splits loops over the machine's cores.
//
// The split points depend only on the loop's length and the number of
// parts, never on timing, so a kernel that gives each part its own outputs
// computes the same bits however the parts are scheduled.
//
// A training step splits some thirty loops of a fraction of a millisecond
// each. Starting a goroutine for every part would often find the other
// cores asleep and pay for waking them, so For hands parts to long-lived
// workers that wait for the next part by spinning (yielding the core to
// any other goroutine at every turn) for about as long as waking a
// sleeping one takes, before they sleep: so spinning never costs much
// more than the wake-up it may save (see spins). A For that finds the
// workers busy with another For runs its parts on fresh goroutines
// instead.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
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
	if ws := acquire(parts - 1); ws != nil {
		for i, w := range ws {
			w.post(fn, (i+1)*n/parts, (i+2)*n/parts)
		}
		fn(0, n/parts)
		for _, w := range ws {
			w.wait()
		}
		release()
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

// spins is how many times an idle worker, or a For waiting for a worker,
// checks for news before it sleeps; each check yields the core first
// (80–90 ns on an idle core, so 1000 checks take 80–90 µs). That is about
// as long as a wake-up takes on this project's 2-core virtual machines:
// at 300 checks, two or three of the 24 Fors of a 20 Newsgroups step at
// NVIL S=1 found their worker asleep, and its part then started about
// 100 µs late. At 1000, that step ran in 0.70–0.92 of the time at 300
// (five interleaved rounds of model's BenchmarkStep/S=1, quiet machine),
// and whole training runs took the same CPU time within the noise
// (docs/speed.md, 4 December). On a loaded machine the longer spins cost
// CPU time that other jobs could use: at load average 4–6, 300 checks
// took 6–8% less CPU time than 1000 over 3 epochs.
const spins = 1000

var pool struct {
	busy    sync.Mutex // held by the For using the workers
	workers []*worker
}

// acquire returns k workers for the caller's exclusive use, starting them
// the first time, or nil if another For holds them.
func acquire(k int) []*worker {
	if !pool.busy.TryLock() {
		return nil
	}
	for len(pool.workers) < k {
		w := &worker{}
		w.cond = sync.NewCond(&w.mu)
		pool.workers = append(pool.workers, w)
		go w.loop()
	}
	return pool.workers[:k]
}

func release() { pool.busy.Unlock() }

// worker runs one part at a time.
type worker struct {
	fn     func(lo, hi int)
	lo, hi int
	posted atomic.Uint64 // parts posted
	done   atomic.Uint64 // parts finished
	// A worker sleeps on cond for a part, a For for the part's end.
	mu                sync.Mutex
	cond              *sync.Cond
	sleeping, waiting atomic.Bool
}

func (w *worker) post(fn func(lo, hi int), lo, hi int) {
	w.fn, w.lo, w.hi = fn, lo, hi
	w.posted.Add(1) // publishes fn, lo and hi to the worker
	if w.sleeping.Load() {
		w.mu.Lock()
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// wait returns once the worker has finished the part last posted.
func (w *worker) wait() {
	want := w.posted.Load()
	for i := 0; w.done.Load() != want; i++ {
		if i < spins {
			runtime.Gosched()
			continue
		}
		w.mu.Lock()
		w.waiting.Store(true)
		for w.done.Load() != want {
			w.cond.Wait()
		}
		w.waiting.Store(false)
		w.mu.Unlock()
	}
}

func (w *worker) loop() {
	var seen uint64
	for {
		for i := 0; w.posted.Load() == seen; i++ {
			if i < spins {
				runtime.Gosched()
				continue
			}
			w.mu.Lock()
			w.sleeping.Store(true)
			for w.posted.Load() == seen {
				w.cond.Wait()
			}
			w.sleeping.Store(false)
			w.mu.Unlock()
		}
		seen = w.posted.Load()
		w.fn(w.lo, w.hi)
		w.fn = nil
		w.done.Store(seen)
		if w.waiting.Load() {
			w.mu.Lock()
			w.cond.Broadcast()
			w.mu.Unlock()
		}
	}
}
