package model_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/internal/testmodel"
	"github.com/amvi/amvi/model"
)

// TestDocumentsThatDoNotFitAreErrors gives the step and the forward pass
// documents that do not fit the model (V=30): each is an error wrapping
// data.ErrInvalidDocument, never a panic.
func TestDocumentsThatDoNotFitAreErrors(t *testing.T) {
	m, _ := testmodel.Small(1, false)
	st, err := model.NewStepper(m, &estimators.RLOO{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fwd := m.NewForward()
	defer fwd.Close()
	for _, tc := range []struct {
		name string
		doc  data.Document
	}{
		{"id past V", data.Document{Words: []int{3, 30}, Counts: []int{1, 1}}},
		{"negative id", data.Document{Words: []int{-1}, Counts: []int{1}}},
		{"ids not increasing", data.Document{Words: []int{5, 2}, Counts: []int{1, 1}}},
		{"zero count", data.Document{Words: []int{5}, Counts: []int{0}}},
		{"counts missing", data.Document{Words: []int{5, 6}, Counts: []int{1}}},
	} {
		docs := []data.Document{{Words: []int{1}, Counts: []int{2}}, tc.doc}
		if _, err := st.Step(docs, rand.New(rand.NewPCG(1, 1)), m.NewGrads()); !errors.Is(err, data.ErrInvalidDocument) {
			t.Errorf("%s: Step: %v", tc.name, err)
		}
		if _, err := fwd.Logits(docs); !errors.Is(err, data.ErrInvalidDocument) {
			t.Errorf("%s: Logits: %v", tc.name, err)
		}
		if _, err := fwd.LogLik(docs, make([]float64, 2*m.K()), 1); !errors.Is(err, data.ErrInvalidDocument) {
			t.Errorf("%s: LogLik: %v", tc.name, err)
		}
	}
}
