package gg

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/amvi/amvi/internal/mlp"
)

// quadHead is Loss(x) = Σ c_i x_i + ½ Σ x_i², a head with a known gradient.
type quadHead struct{ c []float64 }

func (h *quadHead) Loss(x []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += h.c[i]*v + 0.5*v*v
	}
	return s
}

func (h *quadHead) Grad(dst, x []float64) {
	for i, v := range x {
		dst[i] = h.c[i] + v
	}
}

// TestNetMatchesPlainBackprop checks the Gorgonia graph of every activation
// against the plain mlp pass, over two runs with the inputs and parameters
// changed in place between them (the graph aliases both).
func TestNetMatchesPlainBackprop(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.Identity, mlp.Tanh, mlp.ReLU, mlp.Sigmoid, mlp.Softplus} {
		t.Run(act.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(act)))
			net := mlp.New([]int{7, 5, 4, 3}, act, rng)
			const rows = 6
			h := &quadHead{c: make([]float64, rows*3)}
			g, err := NewNet(net, rows, h, "test")
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			for run := 0; run < 5; run++ {
				x := make([]float64, rows*7)
				for i := range x {
					x[i] = rng.NormFloat64()
				}
				g.SetInput(x)
				for i := range h.c {
					h.c[i] = rng.NormFloat64()
				}
				for _, p := range net.Params() {
					for i := range p {
						p[i] += 0.3 * rng.NormFloat64()
					}
				}
				graphGrad := net.ZeroClone()
				loss, err := g.Run(graphGrad)
				if err != nil {
					t.Fatal(err)
				}
				var ws mlp.Workspace
				out := net.Forward(&ws, x)
				want := h.Loss(out)
				d := make([]float64, len(out))
				h.Grad(d, out)
				plainGrad := net.ZeroClone()
				net.Backward(&ws, x, d, plainGrad)
				if math.Abs(loss-want) > 1e-12*max(1, math.Abs(want)) {
					t.Errorf("run %d: loss %.17g, plain %.17g", run, loss, want)
				}
				for pi, p := range plainGrad.Params() {
					for i, v := range p {
						gv := graphGrad.Params()[pi][i]
						if math.Abs(gv-v) > 1e-12*max(1, math.Abs(v)) {
							t.Errorf("run %d: param %d[%d]: graph %.17g, plain %.17g", run, pi, i, gv, v)
						}
					}
				}
			}
		})
	}
}

// TestConcurrentNets builds and runs graphs from several goroutines at once,
// as data-parallel training does; under -race it guards the build mutex.
func TestConcurrentNets(t *testing.T) {
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			net := mlp.New([]int{5, 4, 2}, mlp.Tanh, rng)
			h := &quadHead{c: make([]float64, 3*2)}
			g, err := NewNet(net, 3, h, "concurrent")
			if err != nil {
				errs[i] = err
				return
			}
			defer g.Close()
			for run := 0; run < 3; run++ {
				if _, err := g.Run(net.ZeroClone()); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRerunKeepsRegisters checks that rerunning a Net reuses the values its
// machine allocated: a 200×1000 layer has 1.6 MB registers, and a run must
// allocate far less than one of them. If a Gorgonia upgrade hides the
// machine's program from ops.Machine, it falls back to Reset and RunAll and
// this fails.
func TestRerunKeepsRegisters(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	net := mlp.New([]int{3, 1000}, mlp.Identity, rng)
	h := &quadHead{c: make([]float64, 200*1000)}
	g, err := NewNet(net, 200, h, "rerun")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	grad := net.ZeroClone()
	if _, err := g.Run(grad); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 5
	for i := 0; i < runs; i++ {
		if _, err := g.Run(grad); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / runs
	t.Logf("%d bytes allocated per run", perRun)
	if perRun > 400_000 {
		t.Errorf("%d bytes allocated per run: the machine's registers are reallocated (ops.Machine fell back to Reset?)", perRun)
	}
}
