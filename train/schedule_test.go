package train

import (
	"math"
	"testing"
)

// TestStepBudget checks that Epochs 0 trains the fewest whole epochs that
// make Config.Steps steps.
func TestStepBudget(t *testing.T) {
	for _, c := range []struct{ epochs, steps, wantEpochs int }{
		{0, 20, 3}, // 8 batches an epoch: 24 steps
		{0, 24, 3},
		{0, 25, 4},
		{0, 1, 1},
		{2, 100, 2}, // Epochs given: Steps is not used
	} {
		cfg, trainC, validC, vocab := smallRun(t, "rloo")
		cfg.Epochs, cfg.Steps = c.epochs, c.steps
		tr, err := New(cfg, t.TempDir(), trainC, validC, vocab)
		if err != nil {
			t.Fatal(err)
		}
		if nb := tr.batchesPerEpoch(); nb != 8 {
			t.Fatalf("%d batches an epoch, want 8", nb)
		}
		if tr.Config.Epochs != c.wantEpochs {
			t.Errorf("epochs %d, steps %d: %d epochs, want %d", c.epochs, c.steps, tr.Config.Epochs, c.wantEpochs)
		}
		tr.Close()
	}
}

// TestLearningRate checks the warm-up and the schedules step by step.
func TestLearningRate(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs, cfg.LR = 3, 2 // 24 steps
	for _, c := range []struct {
		schedule Schedule
		warmup   int
		want     map[int]float64 // step → rate
	}{
		{ScheduleConstant, 0, map[int]float64{0: 2, 23: 2}},
		{ScheduleConstant, 4, map[int]float64{0: 0.5, 1: 1, 3: 2, 4: 2, 23: 2}},
		{ScheduleCosine, 0, map[int]float64{0: 2, 12: 1, 23: 1 + math.Cos(math.Pi*23/24)}},
		// The cosine runs over the 20 steps after the warm-up.
		{ScheduleCosine, 4, map[int]float64{0: 0.5, 3: 2, 4: 2, 14: 1, 23: 1 + math.Cos(math.Pi*19/20)}},
	} {
		cfg.LRSchedule, cfg.Warmup = c.schedule, c.warmup
		tr, err := New(cfg, t.TempDir(), trainC, validC, vocab)
		if err != nil {
			t.Fatal(err)
		}
		for step, want := range c.want {
			tr.st.Step = step
			if got := tr.learningRate(); math.Abs(got-want) > 1e-12 {
				t.Errorf("%s, warm-up %d: rate %v at step %d, want %v", c.schedule, c.warmup, got, step, want)
			}
		}
		tr.Close()
	}
}
