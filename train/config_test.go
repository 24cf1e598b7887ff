package train

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/model"
)

// TestNamedSettingsRoundTrip takes every value of every typed setting of
// Config from its name to the value and back, alone and as a field of a
// configuration in JSON, and refuses an unknown name and a value out of
// range.
func TestNamedSettingsRoundTrip(t *testing.T) {
	type setting interface {
		encoding.TextMarshaler
		fmt.Stringer
	}
	for _, tc := range []struct {
		key   string               // the JSON key, which is the flag
		names []string             // in the order of the values, the default first
		set   func(*Config, int)   // sets the field to the value i
		get   func(Config) setting // the field
	}{
		{"activation", []string{"tanh", "identity", "relu", "sigmoid", "softplus"},
			func(c *Config, i int) { c.Activation = encoder.Activation(i) }, func(c Config) setting { return c.Activation }},
		{"decoder-activation", []string{"tanh", "identity", "relu", "sigmoid", "softplus"},
			func(c *Config, i int) { c.DecoderActivation = encoder.Activation(i) }, func(c Config) setting { return c.DecoderActivation }},
		{"input", []string{"counts", "log1p"},
			func(c *Config, i int) { c.Input = encoder.Input(i) }, func(c Config) setting { return c.Input }},
		{"prior", []string{"fixed", "learned"},
			func(c *Config, i int) { c.Prior = Prior(i) }, func(c Config) setting { return c.Prior }},
		{"estimator", []string{"rloo", "reinforce", "nvil", "vimco", "disarm", "exact"},
			func(c *Config, i int) { c.Estimator = estimators.Kind(i) }, func(c Config) setting { return c.Estimator }},
		{"objective", []string{"elbo", "em"},
			func(c *Config, i int) { c.Objective = exact.Objective(i) }, func(c Config) setting { return c.Objective }},
		{"kl", []string{"closed", "stochastic"},
			func(c *Config, i int) { c.KL = estimators.KLMode(i) }, func(c Config) setting { return c.KL }},
		{"lr-schedule", []string{"cosine", "constant"},
			func(c *Config, i int) { c.LRSchedule = Schedule(i) }, func(c Config) setting { return c.LRSchedule }},
		{"lr-scaling", []string{"fan-in", "none"},
			func(c *Config, i int) { c.LRScaling = LRScaling(i) }, func(c Config) setting { return c.LRScaling }},
	} {
		for i, name := range tc.names {
			var c Config
			tc.set(&c, i)
			v := tc.get(c)
			if b, err := v.MarshalText(); err != nil || string(b) != name || v.String() != name {
				t.Errorf("%s %d: MarshalText %q, %v, String %q; want %q", tc.key, i, b, err, v.String(), name)
			}
			// Through JSON: the name, as a field of the configuration
			// (left out when it is the default and the key is omitempty).
			js, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf(`"%s":"%s"`, tc.key, name)
			omitted := i == 0 && (tc.key == "prior" || tc.key == "objective")
			if omitted {
				if strings.Contains(string(js), `"`+tc.key+`"`) {
					t.Errorf("%s: the default is written: %s", tc.key, js)
				}
			} else if !strings.Contains(string(js), want) {
				t.Errorf("%s %d: JSON lacks %s: %s", tc.key, i, want, js)
			}
			var back Config
			tc.set(&back, (i+1)%len(tc.names)) // which unmarshal must overwrite
			if err := json.Unmarshal([]byte(`{`+want+`}`), &back); err != nil {
				t.Errorf("%s: %v", want, err)
			} else if got := tc.get(back); got.String() != name {
				t.Errorf("%s read as %v", want, got)
			}
		}
		var c Config
		err := json.Unmarshal([]byte(`{"`+tc.key+`":"nonsense"}`), &c)
		if err == nil || !strings.Contains(err.Error(), `"nonsense" (want `+strings.Join(tc.names[:len(tc.names)-1], ", ")+" or "+tc.names[len(tc.names)-1]+")") {
			t.Errorf("%s nonsense: error %v, want one listing %v", tc.key, err, tc.names)
		}
		bad := DefaultConfig()
		bad.V = 10
		tc.set(&bad, len(tc.names))
		if err := bad.Validate(); err == nil {
			t.Errorf("%s %d, past the names, is valid", tc.key, len(tc.names))
		}
		if _, err := json.Marshal(bad); err == nil {
			t.Errorf("%s %d, past the names, marshals", tc.key, len(tc.names))
		}
	}
}

// TestZeroConfigIsTheDefault checks that the typed settings of a zero
// Config are the defaults, by name, and that DefaultConfig leaves them so,
// but for the prior: the zero Config's is the fixed prior, left out of its
// JSON as earlier versions left it out, and DefaultConfig's the learned
// one, written.
func TestZeroConfigIsTheDefault(t *testing.T) {
	var c Config
	if c.Activation != encoder.Tanh || c.DecoderActivation != encoder.Tanh || c.Input != encoder.InputCounts ||
		c.Prior != PriorFixed || c.Estimator != estimators.KindRLOO || c.Objective != exact.ELBO ||
		c.KL != estimators.ClosedForm || c.LRSchedule != ScheduleCosine || c.LRScaling != LRScalingFanIn {
		t.Errorf("zero Config: %+v", c)
	}
	if d := DefaultConfig(); d.Prior != PriorLearned {
		t.Errorf("DefaultConfig's prior is %v", d.Prior)
	}
	for _, cfg := range []Config{{}, DefaultConfig()} {
		js, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"activation":"tanh"`, `"decoder-activation":"tanh"`, `"input":"counts"`,
			`"estimator":"rloo"`, `"kl":"closed"`, `"lr-schedule":"cosine"`, `"lr-scaling":"fan-in"`} {
			if !strings.Contains(string(js), want) {
				t.Errorf("%s lacks %s", js, want)
			}
		}
		if strings.Contains(string(js), `"objective"`) {
			t.Errorf("%s writes the default objective, which earlier versions left out", js)
		}
	}
	if js, err := json.Marshal(Config{}); err != nil || strings.Contains(string(js), `"prior"`) {
		t.Errorf("the zero Config writes its fixed prior, which earlier versions left out: %s, %v", js, err)
	}
	if js, err := json.Marshal(DefaultConfig()); err != nil || !strings.Contains(string(js), `"prior":"learned"`) {
		t.Errorf("DefaultConfig does not write its learned prior: %s, %v", js, err)
	}
	var back Config
	if err := json.Unmarshal([]byte(`{"K":3}`), &back); err != nil || back.Prior != PriorFixed {
		t.Errorf("a configuration without a prior reads as %v, want fixed: %v", back.Prior, err)
	}
	d := DefaultConfig()
	d.V = 20
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
	if est := d.NewEstimator(); est == nil || est.Name() != "rloo" {
		t.Errorf("DefaultConfig's estimator is %v", est)
	}
}

// TestConfigReadsEmptyNames reads "" for a typed setting, which earlier
// versions accepted for an unused decoder activation, as the default.
func TestConfigReadsEmptyNames(t *testing.T) {
	var c Config
	c.DecoderActivation, c.Prior = encoder.ReLU, PriorLearned
	if err := json.Unmarshal([]byte(`{"K":3,"decoder-activation":"","prior":"","objective":""}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.K != 3 {
		t.Errorf("K %d", c.K)
	}
	// "" leaves the key out: the value is what the Config held.
	if c.DecoderActivation != encoder.ReLU || c.Prior != PriorLearned || c.Objective != exact.ELBO {
		t.Errorf("read as %v, %v, %v", c.DecoderActivation, c.Prior, c.Objective)
	}
	var z Config
	if err := json.Unmarshal([]byte(`{"decoder-activation":"","activation":""}`), &z); err != nil || z.DecoderActivation != encoder.Tanh || z.Activation != encoder.Tanh {
		t.Errorf("read as %v, %v: %v", z.DecoderActivation, z.Activation, err)
	}
	// Other empty strings are read as they are.
	if err := json.Unmarshal([]byte(`{"encoder-arch":"","data":{"train":""}}`), &z); err != nil {
		t.Error(err)
	}
}

// tinyCheckpoint is the encoder examples' checkpoint, written before the
// configuration's keys were named like the flags and before its settings
// were typed.
const tinyCheckpoint = "../testdata/encoder/tiny.safetensors"

// TestOldCheckpointLoads loads a checkpoint written by an earlier version
// (keys such as decoder_activation and workers) and checks its settings
// and the numbers of its model: the exact log p(x), the exact ELBO and the
// encoder's probabilities for two documents, to the bit, as the version
// before the settings were typed computed them (commit 2a2ff11).
func TestOldCheckpointLoads(t *testing.T) {
	l, err := LoadModel(tinyCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.V != 30 || c.K != 4 || len(c.Hidden) != 1 || c.Hidden[0] != 16 || c.Activation != encoder.Tanh ||
		c.Input != encoder.InputLog1p || c.DecoderActivation != encoder.Tanh || c.Prior != PriorFixed ||
		c.Estimator != estimators.KindRLOO || c.Objective != exact.ELBO || c.KL != estimators.ClosedForm ||
		c.LRSchedule != ScheduleConstant || c.Samples != 4 || c.LR != 0.01 {
		t.Errorf("config %+v", c)
	}
	f, err := encoder.Load(tinyCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	ev := exact.New(l.Model)
	for i, tc := range []struct {
		doc        data.Document
		logp, elbo uint64
		probs      [4]uint64
	}{
		{data.Document{Words: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Counts: []int{1, 2, 1, 1, 3, 1, 1, 1, 1, 1}},
			0xc040b1987520df62, 0xc040b3088161d10b, [4]uint64{0x3f624e720c6619a2, 0x3fb911c84a5ef6d7, 0x3f6b3c0ff28b1b6e, 0x3feffca3cf90b0f4}},
		{data.Document{Words: []int{10, 12, 25, 29}, Counts: []int{4, 1, 2, 7}},
			0xc04566030cf7f62d, 0xc0491b17e9052348, [4]uint64{0x3fc4fb7a9d827e2c, 0x3fd13148ed7bbeb7, 0x3fea709ee6bf4acf, 0x3f6b9061a4d85c8e}},
	} {
		r := ev.Doc(tc.doc)
		if math.Float64bits(r.LogMarginal) != tc.logp || math.Float64bits(r.ELBO) != tc.elbo {
			t.Errorf("document %d: log p(x) %v, ELBO %v; want %v, %v", i, r.LogMarginal, r.ELBO,
				math.Float64frombits(tc.logp), math.Float64frombits(tc.elbo))
		}
		p, err := f.Probabilities(tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range p {
			if math.Float64bits(v) != tc.probs[j] {
				t.Errorf("document %d: q(z_%d=1|x) = %v, want %v", i, j, v, math.Float64frombits(tc.probs[j]))
			}
		}
	}
}

// TestLRScales checks the rate of each parameter tensor under fan-in
// scaling: the default model's shapes keep LR everywhere, and a weight
// matrix on the code or on hidden units gets the default's fan-in over its
// own; the encoder's first layer and the biases keep LR.
func TestLRScales(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want []float64 // encoder's tensors, then the decoder's
	}{
		{"default", func(*Config) {}, []float64{1, 1, 1, 1, 1, 1}},
		{"synthetic", func(c *Config) { c.K, c.Hidden = 8, []int{100} }, []float64{1, 1, 10, 1, 12.5, 1}},
		{"none", func(c *Config) { c.K, c.Hidden, c.LRScaling = 8, []int{100}, LRScalingNone }, []float64{1, 1, 1, 1, 1, 1}},
		{"deep", func(c *Config) { c.K, c.Hidden = 200, []int{500, 250} }, []float64{1, 1, 2, 1, 4, 1, 0.5, 1}},
		{"no hidden", func(c *Config) { c.K, c.Hidden = 50, nil }, []float64{1, 1, 2, 1}},
		{"decoder hidden", func(c *Config) { c.DecoderHidden = []int{100} }, []float64{1, 1, 1, 1, 1, 1, 10, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.V = 30
			tc.set(&c)
			mc, err := c.modelConfig()
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.New(mc, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			got := c.lrScales(m.Enc.Net, m.Dec.Net)
			if n := len(m.Enc.Net.Params()) + len(m.Dec.Net.Params()); len(got) != n {
				t.Fatalf("%d scales for %d tensors", len(got), n)
			}
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Fatalf("scales %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestOldConfigIsUnscaled checks that a configuration written before
// lr-scaling existed reads as LRScalingNone, the training it was made with.
func TestOldConfigIsUnscaled(t *testing.T) {
	for _, tc := range []struct {
		js   string
		want LRScaling
	}{
		{`{"K":8}`, LRScalingNone},
		{`{"K":8,"lr-scaling":"fan-in"}`, LRScalingFanIn},
		{`{"K":8,"lr-scaling":"none"}`, LRScalingNone},
	} {
		var c Config
		if err := json.Unmarshal([]byte(tc.js), &c); err != nil {
			t.Fatal(err)
		}
		if c.LRScaling != tc.want {
			t.Errorf("%s: %v, want %v", tc.js, c.LRScaling, tc.want)
		}
	}
}

// TestDtypeFor checks the default dtype: DefaultConfig's float32, and
// float64 for the configurations float32 does not run (Validate refuses
// them in float32).
func TestDtypeFor(t *testing.T) {
	if d := DefaultConfig().Dtype; d != model.Float32 {
		t.Errorf("DefaultConfig's dtype is %v, want float32", d)
	}
	for _, tc := range []struct {
		name string
		set  func(c *Config)
		want model.Dtype
	}{
		{"default", func(*Config) {}, model.Float32},
		{"exact", func(c *Config) { c.Estimator, c.K = estimators.KindExact, 8 }, model.Float64},
		{"encoder-arch", func(c *Config) { c.EncoderArch = "residual" }, model.Float64},
		{"decoder-arch", func(c *Config) { c.DecoderArch = "residual" }, model.Float64},
	} {
		c := DefaultConfig()
		c.V = 10
		tc.set(&c)
		if got := DtypeFor(c); got != tc.want {
			t.Errorf("%s: DtypeFor gives %v, want %v", tc.name, got, tc.want)
		}
		if tc.want == model.Float64 {
			c.Dtype = model.Float32
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "-dtype float64") {
				t.Errorf("%s in float32: Validate gave %v, want an error naming -dtype float64", tc.name, err)
			}
		}
	}
}

// TestNewEstimator checks that NewEstimator builds each estimator with the
// Config's settings: NVIL's baseline network in the networks' dtype, with
// Normalise passed on, and none for exact.
func TestNewEstimator(t *testing.T) {
	for _, tc := range []struct {
		kind      estimators.Kind
		dtype     model.Dtype
		normalise bool
		name      string
	}{
		{estimators.KindNVIL, model.Float64, true, "nvil"},
		{estimators.KindNVIL, model.Float32, false, "nvil"},
		{estimators.KindRLOO, model.Float32, false, "rloo"},
		{estimators.KindExact, model.Float64, false, ""},
	} {
		c := Config{Estimator: tc.kind, KL: estimators.ClosedForm, V: 20, Seed: 7, Normalise: tc.normalise, Dtype: tc.dtype}
		est := c.NewEstimator()
		if tc.name == "" {
			if est != nil {
				t.Errorf("%v: NewEstimator = %s, want none", tc.kind, est.Name())
			}
			continue
		}
		if est == nil || est.Name() != tc.name {
			t.Errorf("%v %v: NewEstimator = %v, want %s", tc.kind, tc.dtype, est, tc.name)
			continue
		}
		nv, ok := est.(*estimators.NVIL)
		if !ok {
			continue
		}
		got := nv.Config
		if got.Float32 != (tc.dtype == model.Float32) || got.Normalise != tc.normalise || got.InputDim != 20 || got.Seed != 7 || got.KL != estimators.ClosedForm {
			t.Errorf("%v %v: NVIL config %+v", tc.kind, tc.dtype, got)
		}
	}
}
