package train

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/model"
)

// TestFloat32CheckpointServesEvalAndEncoder trains a float32 run and reads
// its best checkpoint back three ways: LoadModel (a float32 model, as
// cmd/eval evaluates it), the same model widened to float64, and
// encoder.Load (graph-free, float64 from the exactly widened weights). The
// float32 evaluation's bound must lie within 1e-4 relative of the float64
// one on the same weights and codes, and the Frozen encoder's logits
// within 1e-4 of the float32 graph's (normwise). Mutation: LoadModel
// without Narrow (the float32 networks left at their random
// initialisation) fails the encoder's check.
func TestFloat32CheckpointServesEvalAndEncoder(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "float32")
	dir := finishedRun(t, cfg, trainC, validC, vocab)
	path := filepath.Join(dir, BestFile)
	l, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.Dtype != model.Float32 || l.Model.Dtype() != model.Float32 {
		t.Fatalf("loaded %v config, %v model, want float32", l.Config.Dtype, l.Model.Dtype())
	}
	opt := eval.Options{Samples: 20, Seed: 3}
	r32, err := eval.Evaluate(l.Model, validC, opt)
	if err != nil {
		t.Fatal(err)
	}
	fwd := l.Model.NewForward()
	a32, err := fwd.Logits(validC.Docs[:8])
	if err != nil {
		t.Fatal(err)
	}
	a32 = append([]float64(nil), a32...)
	fwd.Close()

	l64, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	l64.Model.SetDtype(model.Float64)
	r64, err := eval.Evaluate(l64.Model, validC, opt)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(r32.ELBOPerDoc - r64.ELBOPerDoc); d > 1e-4*math.Abs(r64.ELBOPerDoc) {
		t.Errorf("float32 evaluation ELBO %.9g, float64 %.9g", r32.ELBOPerDoc, r64.ELBOPerDoc)
	}
	t.Logf("ELBO per document: float32 %.9g, float64 %.9g", r32.ELBOPerDoc, r64.ELBOPerDoc)

	f, err := encoder.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d, big := 0.0, 0.0
	for i, doc := range validC.Docs[:8] {
		a, err := f.Logits(doc)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range a {
			d = max(d, math.Abs(v-a32[i*cfg.K+j]))
			big = max(big, math.Abs(v))
		}
	}
	if d > 1e-4*big {
		t.Errorf("Frozen logits differ from the float32 graph's by %.3g (largest %.3g)", d, big)
	}
}
