package model_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/optim"
	"github.com/amvi/amvi/synth"
)

// ExampleModel_Params trains a model with a loop of one's own, as package
// train does without its schedule, checks and checkpoints: the Stepper's
// gradient of the negated bound into g, then one Adam step over the
// running networks' parameters (Model.Params) from their gradients
// (Grads.Params), in either dtype.
func ExampleModel_Params() {
	s, err := synth.Generate(synth.Default)
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := model.New(model.Config{
		Encoder: encoder.Config{V: s.Train.V, K: 8, Hidden: []int{32}, Activation: encoder.Tanh, Input: encoder.InputLog1p},
		Decoder: decoder.Config{K: 8, V: s.Train.V},
		Alpha:   0.3,
		Dtype:   model.Float32,
	}, rng)
	if err != nil {
		panic(err)
	}
	st, err := model.NewStepper(m, &estimators.RLOO{}, 4)
	if err != nil {
		panic(err)
	}
	defer st.Close()
	g := m.NewGrads()
	p32, p64 := m.Params() // a float32 model's tensors are all in p32
	g32, g64 := g.Params()
	opt := optim.NewAdamMixed(p32, p64, 1e-2)
	perDoc := func(epoch int) float64 {
		total, docs := 0.0, 0
		for _, batch := range data.Minibatches(s.Train.Len(), 64, rand.New(rand.NewPCG(2, uint64(epoch)))) {
			stats, err := st.Step(s.Train.Subset(batch).Docs, rng, g)
			if err != nil {
				panic(err)
			}
			opt.UpdateMixed(p32, g32, p64, g64)
			total, docs = total+stats.Objective, docs+stats.Docs
		}
		return total / float64(docs)
	}
	first := perDoc(0)
	for epoch := 1; epoch < 3; epoch++ {
		perDoc(epoch)
	}
	// The first epoch's mean is about -342 nats a document, the fourth's -313.
	fmt.Println("the training bound rose over 4 epochs:", perDoc(3) > first)
	// Output: the training bound rose over 4 epochs: true
}
