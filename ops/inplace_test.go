package ops

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/internal/mlp"
)

// TestLogLikInPlaceOnlyWhereAlone requires the likelihood head to keep its
// exponentials in the logits' value exactly where nothing else reads the
// logits, and a graph to compute the same bits either way: the outputs,
// the log-likelihoods, the cost and every gradient, against the same graph
// built with in-place work turned off.
func TestLogLikInPlaceOnlyWhereAlone(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sizes []int
		// wrap, if set, gives the head's input from the logits.
		wrap func(eta *gorgonia.Node) (*gorgonia.Node, error)
		// also returns the machine's outputs and cost from the logits and the head.
		also func(eta, ll *gorgonia.Node) (gorgonia.Nodes, *gorgonia.Node, error)
		want bool
	}{
		{"alone", []int{9, 40}, nil, nil, true},
		{"after a hidden layer", []int{9, 7, 40}, nil, nil, true},
		{"logits an output", []int{9, 40}, nil, func(eta, ll *gorgonia.Node) (gorgonia.Nodes, *gorgonia.Node, error) {
			return gorgonia.Nodes{ll, eta}, ll, nil
		}, false},
		{"logits in the cost", []int{9, 40}, nil, func(eta, ll *gorgonia.Node) (gorgonia.Nodes, *gorgonia.Node, error) {
			a, err := Activate(eta, Tanh) // holds eta: Activate overwrites nothing
			if err != nil {
				return nil, nil, err
			}
			s, err := gorgonia.Sum(a)
			if err != nil {
				return nil, nil, err
			}
			c, err := gorgonia.Add(ll, s)
			return gorgonia.Nodes{c}, c, err
		}, false},
		{"logits from Gorgonia's operation", []int{9, 40}, func(eta *gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Mul(eta, gorgonia.NewConstant(0.5))
		}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const docs, samples = 40, 4 // 160 rows: the binary tables
			rng := rand.New(rand.NewPCG(3, uint64(len(tc.sizes))))
			net := mlp.New(tc.sizes, Tanh, rng)
			k, v := tc.sizes[0], tc.sizes[len(tc.sizes)-1]
			ds := make([]data.Document, docs)
			for i := range ds {
				ds[i] = data.Document{Words: []int{i % v, (i + 3) % v}, Counts: []int{1 + i%3, 2}}
			}
			z := make([]float64, docs*samples*k)
			for i := range z {
				z[i] = float64(rng.IntN(2))
			}
			type result struct {
				outs, ll, grads [][]float64
				inPlace         bool
			}
			run := func(allow bool) result {
				g := gorgonia.NewGraph()
				ps := ParamNodes(g, net, "net")
				zv := append([]float64(nil), z...)
				zn := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(docs*samples, k), gorgonia.WithName("z"),
					gorgonia.WithValue(tensor.New(tensor.WithShape(docs*samples, k), tensor.WithBacking(zv))))
				eta, err := MLP(net, ps, func(w, b *gorgonia.Node) (*gorgonia.Node, error) { return BinaryAffine(zn, w, b) })
				if err != nil {
					t.Fatal(err)
				}
				in := eta
				if tc.wrap != nil {
					if in, err = tc.wrap(eta); err != nil {
						t.Fatal(err)
					}
				}
				h := &decoder.LogLik{V: v}
				ll, err := LogLik(in, h)
				if err != nil {
					t.Fatal(err)
				}
				head := ll.Op().(*head[float64])
				head.canOverwrite = allow
				outs, cost := gorgonia.Nodes{ll}, ll
				if tc.also != nil {
					if outs, cost, err = tc.also(eta, ll); err != nil {
						t.Fatal(err)
					}
				}
				m, err := NewMachine(outs, cost, ps)
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				h.Reset(ds, samples)
				if err := m.Forward(); err != nil {
					t.Fatal(err)
				}
				var r result
				for i, o := range outs {
					if o.IsScalar() {
						r.outs = append(r.outs, []float64{o.Value().Data().(float64)})
						continue
					}
					x, err := m.Output(i)
					if err != nil {
						t.Fatal(err)
					}
					r.outs = append(r.outs, append([]float64(nil), x...))
				}
				for i := range h.Weights {
					h.Weights[i] = float64(i%5) - 1.5
				}
				gr := net.ZeroClone()
				if err := m.Backward(gr.Params(), nil); err != nil {
					t.Fatal(err)
				}
				r.ll = [][]float64{h.LL, {float64(*cost.Value().(*gorgonia.F64))}}
				r.grads, r.inPlace = gr.Params(), head.inPlace
				return r
			}
			got, want := run(true), run(false)
			if got.inPlace != tc.want {
				t.Errorf("in place: %v, want %v", got.inPlace, tc.want)
			}
			if want.inPlace {
				t.Fatal("in place although turned off")
			}
			for _, p := range []struct {
				what      string
				got, want [][]float64
			}{{"output", got.outs, want.outs}, {"log-likelihood or cost", got.ll, want.ll}, {"gradient", got.grads, want.grads}} {
				for i := range p.want {
					for j := range p.want[i] {
						if p.got[i][j] != p.want[i][j] {
							t.Fatalf("%s %d[%d]: %v, without in-place work %v", p.what, i, j, p.got[i][j], p.want[i][j])
						}
					}
				}
			}
		})
	}
}
