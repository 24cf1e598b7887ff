package ops

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"gorgonia.org/gorgonia"

	"github.com/amvi/amvi/internal/mlp"
)

// A Machine runs a network's graph in two halves on Gorgonia's tape
// machine: Forward computes the outputs, Backward the cost and its
// gradients. A training step runs Forward, reads the outputs (logits to
// sample codes from, log-likelihoods for an estimator), sets the heads'
// constants, and runs Backward. Backward does not repeat the forward work
// of this package's operations: they hold their outputs from Forward
// until Backward ends. Gorgonia's own operations in the graph are run
// again by Backward, to the same values.
//
// A Machine must not be used by two goroutines at once; give each
// goroutine its own graph.
type Machine struct {
	outputs gorgonia.Nodes
	params  gorgonia.Nodes
	grads   gorgonia.Nodes
	fwd     *tape
	bwd     *tape
	holders []holder
	bound   []bool
}

// binder is implemented by gradient operations that can write a
// parameter's gradient straight into the caller's slice (a []T of the
// operation's element type; another type is not bound).
type binder interface {
	bind(dst any, t *mlp.Touched) bool
}

// A headOp is a head (head[T]), which may keep its work in its input.
type headOp interface {
	holder
	overwritable() bool
	overwriteInput()
}

// A headGradOp is a head's gradient (headGrad[T]).
type headGradOp interface{ of() any }

// A rowWriter is a sparse layer's weight gradient (sparseWeightGrad[T]).
type rowWriter interface{ rows() []int }

// Touched lists the rows of a sparse layer's weight gradient that may be
// nonzero; every other row is zero. Keep one beside each gradient buffer
// (see Machine.Backward). The zero value describes a zero buffer.
type Touched = mlp.Touched

// NewMachine compiles the forward half of outputs' graph and, when cost is
// not nil, the backward half: cost and its gradient with respect to each
// of params (parameter nodes of the same graph, holding values).
// Only what those need is compiled, so inputs are not differentiated.
//
// Gorgonia's graph construction shares state between graphs: build graphs
// and their machines from one goroutine at a time.
func NewMachine(outputs gorgonia.Nodes, cost *gorgonia.Node, params gorgonia.Nodes) (*Machine, error) {
	if len(outputs) == 0 {
		return nil, errors.New("ops: NewMachine needs an output")
	}
	g := outputs[0].Graph()
	m := &Machine{outputs: outputs, params: params}
	fwd := g.SubgraphRoots(outputs...)
	m.fwd = newTape(gorgonia.NewTapeMachine(fwd))
	if cost != nil {
		grads, err := gorgonia.Grad(cost, params...)
		if err != nil {
			return nil, fmt.Errorf("ops: gradient: %w", err)
		}
		m.grads = grads
		m.bound = make([]bool, len(grads))
		m.bwd = newTape(gorgonia.NewTapeMachine(g.SubgraphRoots(append(gorgonia.Nodes{cost}, grads...)...)))
	}
	// An operation holds its output from Forward to Backward unless an
	// operation of Gorgonia's that may overwrite its input (an Add after
	// the last use of its operand, in the forward half's register plan)
	// reads it: then Backward computes it again.
	for _, n := range fwd.AllNodes() {
		h, ok := n.Op().(holder)
		if !ok {
			continue
		}
		overwritten := false
		for it := g.To(n.ID()); it.Next(); {
			if p, ok := it.Node().(*gorgonia.Node); ok && p.Op() != nil && p.Op().OverwritesInput() >= 0 {
				overwritten = true
			}
		}
		if !overwritten {
			m.holders = append(m.holders, h)
		}
	}
	m.overwriteHeadInputs(g, fwd, outputs)
	return m, nil
}

// overwriteHeadInputs lets a head keep its work in its input's value (the
// likelihood's exponentials, then its gradient, in the logits: one R×V
// array less) where that is safe: the head and its input are held from
// Forward to Backward, so Backward computes neither again, and only the
// head and its gradient read the input, which is not an output.
func (m *Machine) overwriteHeadInputs(g, fwd *gorgonia.ExprGraph, outputs gorgonia.Nodes) {
	held := map[holder]bool{}
	for _, h := range m.holders {
		held[h] = true
	}
	for _, n := range fwd.AllNodes() {
		h, ok := n.Op().(headOp)
		if !ok || !h.overwritable() || !held[h] {
			continue
		}
		in := g.From(n.ID())
		if in.Len() != 1 || !in.Next() {
			continue
		}
		x := in.Node().(*gorgonia.Node)
		if xo, ok := x.Op().(holder); !ok || !held[xo] || outputs.Contains(x) {
			continue
		}
		alone := true
		for it := g.To(x.ID()); it.Next(); {
			p := it.Node().(*gorgonia.Node)
			if gr, ok := p.Op().(headGradOp); p != n && !(ok && gr.of() == any(h)) {
				alone = false
			}
		}
		if alone {
			h.overwriteInput()
		}
	}
}

// Forward runs the forward half. Afterwards Output gives the outputs'
// values.
func (m *Machine) Forward() error {
	m.hold(false)
	if err := m.fwd.runAll(); err != nil {
		return fmt.Errorf("ops: forward: %w", err)
	}
	m.hold(true)
	return nil
}

// Output returns the value of float64 output i from the last Forward,
// owned by the graph: valid until the next run.
func (m *Machine) Output(i int) ([]float64, error) { return output[float64](m, i) }

// Output32 is Output for a float32 output.
func (m *Machine) Output32(i int) ([]float32, error) { return output[float32](m, i) }

func output[T Float](m *Machine, i int) ([]T, error) {
	v := m.outputs[i].Value()
	if v == nil {
		return nil, fmt.Errorf("ops: output %d has no value: run Forward first", i)
	}
	return vals[T](v, "output")
}

// Backward runs the backward half after a Forward and writes the gradient
// of the cost with respect to params[i] into grads[i] (one slice of the
// parameter's size per parameter). This package's gradients are written
// there directly; a sparse affine layer's weight gradient only in the rows
// its input touched, after clearing the rows that touched[i] lists, which
// it then replaces with the rows it wrote. touched may be nil, or hold nil
// entries: the machine then keeps the list itself, and clears a slice it
// has not written before. Keep one Touched per buffer, not per machine,
// when several machines write into the same buffers.
// It panics if the machine was built without a cost.
func (m *Machine) Backward(grads [][]float64, touched []*Touched) error {
	return backward(m, grads, touched)
}

// Backward32 is Backward for a float32 network's gradients.
// It panics if the machine was built without a cost.
func (m *Machine) Backward32(grads [][]float32, touched []*Touched) error {
	return backward(m, grads, touched)
}

func backward[T Float](m *Machine, grads [][]T, touched []*Touched) error {
	if m.bwd == nil {
		panic("ops: Backward of a machine without a cost")
	}
	if len(grads) != len(m.grads) {
		return fmt.Errorf("ops: %d gradient slices for %d parameters", len(grads), len(m.grads))
	}
	for i, n := range m.grads {
		if len(grads[i]) != n.Shape().TotalSize() {
			return fmt.Errorf("ops: gradient slice %d has %d values, parameter %s %v", i, len(grads[i]), m.params[i].Name(), m.params[i].Shape())
		}
		var t *Touched
		if i < len(touched) {
			t = touched[i]
		}
		b, ok := n.Op().(binder)
		m.bound[i] = ok && b.bind(grads[i], t)
	}
	err := m.bwd.runAll()
	m.hold(false)
	if err != nil {
		return fmt.Errorf("ops: backward: %w", err)
	}
	for i, n := range m.grads {
		if m.bound[i] {
			continue
		}
		v := n.Value()
		if v == nil {
			return fmt.Errorf("ops: gradient of %s has no value", m.params[i].Name())
		}
		src, err := vals[T](v, "gradient")
		if err != nil {
			return err
		}
		copy(grads[i], src)
	}
	return nil
}

// Touched returns the rows of params[i]'s gradient that the last Backward
// may have made nonzero, ascending, when params[i] is the weight matrix of
// a SparseAffine or BinaryAffine layer (used once in the graph); ok is
// false otherwise. The slice is valid until the next Backward.
func (m *Machine) Touched(i int) (rows []int, ok bool) {
	if g, ok := m.grads[i].Op().(rowWriter); ok && m.bound[i] {
		return g.rows(), true
	}
	return nil, false
}

func (m *Machine) hold(h bool) {
	for _, o := range m.holders {
		o.hold(h)
	}
}

// Close releases the machines.
func (m *Machine) Close() error {
	err := m.fwd.vm.Close()
	if m.bwd != nil {
		err = errors.Join(err, m.bwd.vm.Close())
	}
	return err
}

// A tape runs a compiled Gorgonia tape machine's whole program, again and
// again, in the calling goroutine, keeping the values it allocated.
//
// Gorgonia's RunAll runs the program on a goroutine of its own while the
// caller waits locked to its OS thread: two hand-offs between threads a
// run, each waiting for the operating system to schedule the woken thread
// (on this project's loaded 2-core machine up to hundreds of microseconds
// each, and a training step makes four runs). And a machine reruns only
// after Reset, which drops every register, so each run would reallocate
// and zero all of them. The machine's Run executes a fragment of its
// program in the caller's goroutine with the registers kept, through the
// same instructions; the program's instructions are unexported, so a tape
// reaches them by reflection, and falls back to Reset and RunAll where
// they are not there (another Gorgonia version):
// gg.TestRerunKeepsRegisters and TestTapeRunsInTheCaller notice that.
type tape struct {
	vm   gorgonia.VM
	run  reflect.Value   // vm.Run, or the zero Value for the fallback
	args []reflect.Value // the whole program, as Run's fragment
}

func newTape(vm gorgonia.VM) *tape {
	t := &tape{vm: vm}
	v := reflect.ValueOf(vm)
	prog, run := v.MethodByName("Prog"), v.MethodByName("Run")
	if !prog.IsValid() || !run.IsValid() || prog.Type().NumIn() != 0 || prog.Type().NumOut() != 1 ||
		run.Type().NumIn() != 1 || run.Type().NumOut() != 1 {
		return t
	}
	p := prog.Call(nil)[0]
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Struct {
		return t
	}
	f := p.Elem().FieldByName("instructions")
	if !f.IsValid() || f.Type() != run.Type().In(0) {
		return t
	}
	frag := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	t.run, t.args = run, []reflect.Value{frag}
	return t
}

// runAll runs the whole program.
func (t *tape) runAll() error {
	if !t.run.IsValid() {
		t.vm.Reset()
		return t.vm.RunAll()
	}
	if err, _ := t.run.Call(t.args)[0].Interface().(error); err != nil {
		return err
	}
	return nil
}
