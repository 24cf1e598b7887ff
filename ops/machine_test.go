package ops

import (
	"runtime"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/encoder"
)

// TestTapeRunsInTheCaller requires a Machine to run its operations in the
// goroutine that calls Forward and Backward (not on a goroutine of
// Gorgonia's RunAll), and to keep the machine's registers from run to run.
func TestTapeRunsInTheCaller(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 3), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))))
	a, err := Activate(x, Tanh)
	if err != nil {
		t.Fatal(err)
	}
	s := &encoder.Surrogate{K: 3, Prior: encoder.NewPrior(3, 0.5)}
	cost, err := Surrogate(a, s)
	if err != nil {
		t.Fatal(err)
	}
	var callers []string
	h := cost.Op().(*head[float64])
	forward := h.forward
	h.forward = func(x []float64, held bool) (float64, error) {
		pc := make([]uintptr, 64)
		frames := runtime.CallersFrames(pc[:runtime.Callers(1, pc)])
		var names []string
		for f, more := frames.Next(); more; f, more = frames.Next() {
			names = append(names, f.Function)
		}
		callers = append(callers, strings.Join(names, " "))
		return 0, nil
	}
	defer func() { h.forward = forward }()
	m, err := NewMachine(gorgonia.Nodes{cost}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.fwd.run.IsValid() {
		t.Fatal("the tape falls back to Gorgonia's RunAll: its program's instructions were not found")
	}
	for range 3 {
		if err := m.Forward(); err != nil {
			t.Fatal(err)
		}
	}
	if len(callers) != 3 {
		t.Fatalf("the head ran %d times in 3 runs", len(callers))
	}
	for _, c := range callers {
		if !strings.Contains(c, "TestTapeRunsInTheCaller") {
			t.Fatalf("the head ran on another goroutine: %s", c)
		}
	}
	v := a.Value()
	if err := m.Forward(); err != nil {
		t.Fatal(err)
	}
	if a.Value() != v {
		t.Error("the activation's register was replaced between runs")
	}
}
