package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/synth"
)

// smallRun returns a quick configuration and corpora: the synthetic model
// at a tenth of its default size.
// The scenario names an estimator ("rloo") or one of em, learned-prior,
// vimco-learned-prior, cosine-clip, warmup-steps and stochastic-kl, which
// use RLOO but for em and vimco-learned-prior.
func smallRun(t testing.TB, scenario string) (Config, *data.Corpus, *data.Corpus, []string) {
	t.Helper()
	spec := synth.Default
	spec.Train, spec.Test, spec.V = 300, 50, 60
	s, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	trainC, validC := data.Split(s.Train, 0.2, rand.New(rand.NewPCG(1, 1)))
	cfg := DefaultConfig()
	cfg.V, cfg.K, cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.LR = spec.V, 6, []int{16}, 3, 32, 3e-3
	cfg.Samples, cfg.ValidEvery = 2, 5
	// A constant rate without warm-up, which the fault tests' expected
	// rates assume; the schedule scenarios below set theirs.
	cfg.LRSchedule, cfg.Warmup = ScheduleConstant, 0
	// The fixed prior, which every scenario keeps but the three that train
	// the default's learned one (learned-prior, vimco-learned-prior,
	// float32-prior-clip), and float64, which every scenario keeps but the
	// float32 ones.
	cfg.Prior, cfg.Dtype = PriorFixed, model.Float64
	switch scenario {
	case "em":
		cfg.Estimator, cfg.Objective = estimators.KindExact, exact.EM
	case "learned-prior":
		cfg.Prior = PriorLearned
	case "vimco-learned-prior":
		cfg.Estimator, cfg.Prior = estimators.KindVIMCO, PriorLearned
	case "cosine-clip":
		cfg.LRSchedule, cfg.ClipNorm = ScheduleCosine, 1
	case "warmup-steps":
		cfg.LRSchedule, cfg.Warmup, cfg.Epochs, cfg.Steps = ScheduleCosine, 6, 0, 20
	case "stochastic-kl":
		cfg.KL = estimators.Stochastic
	case "float32":
		cfg.Dtype = model.Float32
	case "float32-nvil": // NVIL's baseline network in float32 too
		cfg.Dtype, cfg.Estimator = model.Float32, estimators.KindNVIL
	case "float32-prior-clip": // Adam over float32 networks and the float64 prior
		cfg.Dtype, cfg.Prior, cfg.ClipNorm = model.Float32, PriorLearned, 1
	case "rloo-fused":
		// 32 documents × 8 codes: the fused linear decoder (256 rows,
		// model's fusedMinRows); an epoch's last, smaller minibatch takes the
		// separate layer and head, into the same gradient buffers.
		cfg.Estimator, cfg.Samples = estimators.KindRLOO, 8
	case "float32-rloo-fused":
		// 32 documents × 32 codes: the fused decoder on float32 networks
		// (1,024 rows, model's fusedMinRows32).
		cfg.Estimator, cfg.Samples, cfg.Dtype = estimators.KindRLOO, 32, model.Float32
	default:
		if err := cfg.Estimator.UnmarshalText([]byte(scenario)); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.Estimator == estimators.KindNVIL {
		cfg.Samples = 1
	}
	return cfg, trainC, validC, s.Vocab
}

// finishedRun trains cfg to the end in a new folder and returns the folder.
func finishedRun(t *testing.T, cfg Config, trainC, validC *data.Corpus, vocab []string) string {
	t.Helper()
	dir := t.TempDir()
	tr, err := New(cfg, dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func params(tr *Trainer) [][]float64 {
	tr.Model.Widen()
	ps := append(tr.Model.Enc.Net.Params(), tr.Model.Dec.Net.Params()...)
	ps = append(ps, tr.Model.Prior.Logit)
	for _, m := range tr.opt.M {
		ps = append(ps, widen(m))
	}
	return ps
}

// TestResumeIsExact interrupts a run mid-epoch, resumes it from its
// checkpoint, and requires bit-identical parameters, optimizer state and
// validation bound to a run that was never interrupted. A float32 run's
// checkpoint holds its networks as F32 tensors and resumes as float32.
// Mutation: a resumed float32 model whose float32 parameters are not
// narrowed from the checkpoint's (modelFromCheckpoint without Narrow)
// fails the float32 cases; a resumed float32 NVIL whose baseline network
// is not (restore without NVIL.Narrow) fails float32-nvil.
func TestResumeIsExact(t *testing.T) {
	for _, est := range []string{"nvil", "rloo", "vimco", "disarm", "exact", "em", "learned-prior", "vimco-learned-prior", "reinforce", "cosine-clip", "warmup-steps", "stochastic-kl", "float32", "float32-nvil", "float32-prior-clip", "rloo-fused", "float32-rloo-fused"} {
		t.Run(est, func(t *testing.T) {
			cfg, trainC, validC, vocab := smallRun(t, est)
			whole, err := New(cfg, t.TempDir(), trainC, validC, vocab)
			if err != nil {
				t.Fatal(err)
			}
			defer whole.Close()
			want, err := whole.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}

			dir := t.TempDir()
			first, err := New(cfg, dir, trainC, validC, vocab)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			first.Progress = func(p Progress) {
				if p.Step == 11 { // mid-epoch: 8 batches per epoch
					cancel()
				}
			}
			if _, err := first.Run(ctx); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("interrupted run: %v, want ErrInterrupted", err)
			}
			first.Close()
			second, err := Resume(dir, trainC, validC, vocab)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			if second.st.Step != 11 {
				t.Fatalf("resumed at step %d, want 11", second.st.Step)
			}
			if second.Model.Dtype() != cfg.Dtype {
				t.Fatalf("resumed a %v run as %v", cfg.Dtype, second.Model.Dtype())
			}
			c, err := checkpoints.Load(filepath.Join(dir, LastFile))
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"encoder.layers.0.weight", "baseline.layers.0.weight"} { // NVIL's baseline, where there is one
				if tn, ok := c.Tensor(name); ok && tn.Float32 != (cfg.Dtype == model.Float32) {
					t.Errorf("a %v run's checkpoint stores %s with Float32 %v", cfg.Dtype, name, tn.Float32)
				}
			}
			got, err := second.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got.Steps != want.Steps || got.BestValid != want.BestValid || got.BestStep != want.BestStep {
				t.Errorf("resumed run %+v, uninterrupted %+v", got, want)
			}
			for i, p := range params(whole) {
				for j, v := range p {
					if g := params(second)[i][j]; math.Float64bits(g) != math.Float64bits(v) {
						t.Fatalf("parameter %d[%d]: resumed %v, uninterrupted %v", i, j, g, v)
					}
				}
			}
		})
	}
}

func TestRunWritesItsFolder(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Patience = 1000
	dir := t.TempDir()
	tr, err := New(cfg, dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != cfg.Epochs || math.IsInf(res.BestValid, 0) {
		t.Errorf("result %+v", res)
	}
	for _, f := range []string{LastFile, BestFile, MetricsFile, CurveFile, ConfigFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	l, err := LoadModel(filepath.Join(dir, BestFile))
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.K != cfg.K || len(l.Vocab) != cfg.V || l.Vocab[3] != vocab[3] {
		t.Errorf("loaded config %+v, %d words", l.Config, len(l.Vocab))
	}
}

// TestDivergenceStopsCleanly trains one good epoch, then provokes overflow
// with an absurd learning rate: the run must stop with ErrDiverged naming
// the step, and leave the last good checkpoint untouched.
func TestDivergenceStopsCleanly(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "reinforce")
	cfg.Epochs, cfg.Samples = 1, 1
	dir := t.TempDir()
	tr, err := New(cfg, dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	good, err := os.ReadFile(filepath.Join(dir, LastFile))
	if err != nil {
		t.Fatal(err)
	}
	tr, err = Resume(dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.Config.Epochs, tr.Config.LR = 5, 1e300
	_, err = tr.Run(context.Background())
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("Run: %v, want ErrDiverged", err)
	}
	t.Log(err)
	after, err := os.ReadFile(filepath.Join(dir, LastFile))
	if err != nil || string(after) != string(good) {
		t.Errorf("the last good checkpoint changed (%v)", err)
	}
}

// TestLoadRefusesDamagedCheckpoints truncates a real checkpoint at several
// offsets and flips a byte in it: each must be refused with an error.
func TestLoadRefusesDamagedCheckpoints(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs = 1
	dir := finishedRun(t, cfg, trainC, validC, vocab)
	good, err := os.ReadFile(filepath.Join(dir, LastFile))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.safetensors")
	for _, n := range []int{0, 7, 8, 100, len(good) / 2, len(good) - 8, len(good) - 1} {
		if err := os.WriteFile(bad, good[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadModel(bad); !errors.Is(err, checkpoints.ErrCorrupt) {
			t.Errorf("truncated to %d of %d bytes: %v, want ErrCorrupt", n, len(good), err)
		}
	}
	for _, at := range []int{3, 40, len(good) / 3, len(good) - 3} {
		flipped := append([]byte(nil), good...)
		flipped[at] ^= 0x10
		if err := os.WriteFile(bad, flipped, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadModel(bad); err == nil {
			t.Errorf("byte %d flipped: loaded without error", at)
		}
	}
}

// TestResumeRefusesOtherData resumes over a corpus of another size.
func TestResumeRefusesOtherData(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs = 1
	dir := finishedRun(t, cfg, trainC, validC, vocab)
	if _, err := Resume(dir, trainC.Subset([]int{0, 1, 2}), validC, vocab); !errors.Is(err, ErrMismatch) {
		t.Errorf("resume over other data: %v, want ErrMismatch", err)
	}
	other := append([]string(nil), vocab...)
	other[0] = "different"
	if _, err := Resume(dir, trainC, validC, other); !errors.Is(err, ErrMismatch) {
		t.Errorf("resume with another vocabulary: %v, want ErrMismatch", err)
	}
}

// TestExactObjectives trains with the exact ELBO gradient and with EM and
// checks what each climbs: the mean exact objective over the training
// documents (the ELBO, or log p(x) under EM), enumerated before and after
// three epochs, must rise. The configuration checks refuse what enumeration
// cannot do.
func TestExactObjectives(t *testing.T) {
	for _, name := range []string{"exact", "em"} {
		t.Run(name, func(t *testing.T) {
			cfg, trainC, validC, vocab := smallRun(t, name)
			tr, err := New(cfg, t.TempDir(), trainC, validC, vocab)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			objective := func() float64 {
				ev := exact.New(tr.Model)
				s := 0.0
				for _, d := range trainC.Docs {
					r := ev.Doc(d)
					if name == "em" {
						s += r.LogMarginal
					} else {
						s += r.ELBO
					}
				}
				return s / float64(trainC.Len())
			}
			before := objective()
			if _, err := tr.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			after := objective()
			t.Logf("mean exact objective %.3f before, %.3f after", before, after)
			if !(after > before+1) {
				t.Errorf("objective went from %.3f to %.3f", before, after)
			}
		})
	}
	cfg, _, _, _ := smallRun(t, "rloo")
	cfg.Objective = exact.EM
	if err := cfg.Validate(); err == nil {
		t.Error("objective em with estimator rloo accepted")
	}
	cfg.Estimator, cfg.K = estimators.KindExact, 20
	if err := cfg.Validate(); err == nil {
		t.Error("estimator exact with K=20 accepted")
	}
	cfg.Objective, cfg.Estimator, cfg.Samples = exact.ELBO, estimators.KindDisARM, 3
	if err := cfg.Validate(); err == nil {
		t.Error("estimator disarm with an odd number of samples accepted")
	}
}

// TestConfigReadsOldKeys checks that configurations written before the keys
// were named like the flags still read, and that a key given under both
// names is refused.
func TestConfigReadsOldKeys(t *testing.T) {
	var c Config
	old := `{"K":5,"clip_norm":2.5,"decoder_hidden":[7],"lr_schedule":"cosine","valid_every":3,"restart_on_divergence":2,"data":{"train":"x","valid_fraction":0.2}}`
	if err := json.Unmarshal([]byte(old), &c); err != nil {
		t.Fatal(err)
	}
	if c.K != 5 || c.ClipNorm != 2.5 || len(c.DecoderHidden) != 1 || c.LRSchedule != ScheduleCosine || c.ValidEvery != 3 ||
		c.RestartOnDivergence != 2 || c.Data.Train != "x" || c.Data.ValidFraction != 0.2 {
		t.Errorf("old keys read as %+v", c)
	}
	var d Config
	if err := json.Unmarshal([]byte(`{"clip":1,"clip_norm":2}`), &d); err == nil {
		t.Error("a key under both names was accepted")
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"clip":2.5`, `"decoder-hidden":[7]`, `"valid-fraction":0.2`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s lacks %s", b, k)
		}
	}
}

// TestLearnedPrior trains a learned prior on the synthetic corpus (started
// at α = 0.5), with RLOO on the ELBO and with VIMCO on L_S, and checks
// that the α_j moved, that the checkpoint holds them, and that LoadModel
// reads them back bit for bit.
func TestLearnedPrior(t *testing.T) {
	for _, scenario := range []string{"learned-prior", "vimco-learned-prior"} {
		t.Run(scenario, func(t *testing.T) {
			cfg, trainC, validC, vocab := smallRun(t, scenario)
			cfg.Epochs = 6
			dir := t.TempDir()
			tr, err := New(cfg, dir, trainC, validC, vocab)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if _, err := tr.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			alpha := make([]float64, cfg.K)
			tr.Model.Prior.Alpha(alpha)
			t.Logf("learned α %.3f", alpha)
			moved := 0
			for _, a := range alpha {
				if math.Abs(a-0.5) > 0.01 {
					moved++
				}
			}
			if moved == 0 {
				t.Errorf("no α_j moved from 0.5: %v", alpha)
			}
			l, err := LoadModel(filepath.Join(dir, LastFile))
			if err != nil {
				t.Fatal(err)
			}
			for j, v := range l.Model.Prior.Logit {
				if math.Float64bits(v) != math.Float64bits(tr.Model.Prior.Logit[j]) {
					t.Fatalf("loaded prior logit %d = %v, trained %v", j, v, tr.Model.Prior.Logit[j])
				}
			}
		})
	}
}
