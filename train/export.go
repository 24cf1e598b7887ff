package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/internal/outfile"
)

// The files of an export folder (see Export). The weights file's name is
// encoder.ExportFile, so that encoder.Load and LoadModel find it when given
// the folder.
const (
	ExportFormat     = "amvi-export/1"
	ExportConfigFile = "config.json"
	ExportVocabFile  = "vocab.txt"
	ExportCardFile   = "README.md"
	metaExport       = "export" // metadata entry of an export's weights: ExportFormat
)

// ExportOptions are the choices of Export.
type ExportOptions struct {
	// Float64 stores the weights as F64, exactly as trained; by default
	// they are rounded to F32, half the size.
	Float64 bool
}

// ExportConfig is an export's config.json.
type ExportConfig struct {
	Format       string             `json:"format"`     // ExportFormat
	Weights      string             `json:"weights"`    // the .safetensors file, in the folder
	DType        string             `json:"dtype"`      // F32 or F64
	Vocabulary   string             `json:"vocabulary"` // the words, one per line, in id order (id i is line i+1)
	Architecture ExportArchitecture `json:"architecture"`
	Training     ExportTraining     `json:"training"`
	// HeldOut is the final test evaluation of the run (its eval.json), when
	// the run folder has one for this checkpoint.
	HeldOut *eval.Report `json:"held_out,omitempty"`
}

// ExportArchitecture describes the networks (design §1).
type ExportArchitecture struct {
	V                 int                `json:"V"`
	K                 int                `json:"K"`
	Hidden            []int              `json:"hidden"`
	Activation        encoder.Activation `json:"activation"`
	Input             encoder.Input      `json:"input"` // counts, or log1p: the encoder reads log(1+x)
	DecoderHidden     []int              `json:"decoder-hidden"`
	DecoderActivation encoder.Activation `json:"decoder-activation"`
	Alpha             float64            `json:"alpha"`
	// Prior is PriorLearned ("learned") when each factor has its own prior
	// probability α_j = sigmoid(prior.logit[j]); otherwise every α_j is
	// Alpha, and the key is left out.
	Prior Prior `json:"prior,omitempty"`
	// Layout says how the tensors are applied.
	Layout  string         `json:"layout"`
	Tensors []ExportTensor `json:"tensors"`
}

// ExportTensor names a tensor of the weights file and its shape.
type ExportTensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// ExportTraining summarises the run the weights came from.
type ExportTraining struct {
	Checkpoint    string   `json:"checkpoint"` // the file exported
	Epochs        int      `json:"epochs"`     // completed
	Steps         int      `json:"steps"`
	TrainDocs     int      `json:"train_documents"`
	ValidDocs     int      `json:"valid_documents"`
	BestValidELBO *float64 `json:"best_valid_elbo_per_doc,omitempty"`
	BestStep      int      `json:"best_step,omitempty"`
	Config        Config   `json:"config"` // every setting, named like cmd/train's flags
}

// Export writes a weights-only copy of the model checkpoint src (for
// example a run's best.safetensors) into the folder dir, created if needed:
//
//   - model.safetensors: the encoder's and decoder's weights and biases (and
//     a learned prior's logits), in
//     F32 unless opt.Float64, with the configuration and vocabulary in its
//     metadata, so that it loads on its own too;
//   - config.json: the architecture, the vocabulary file, a summary of the
//     training run and, when the run folder's eval.json is of src, the
//     held-out figures ([ExportConfig]);
//   - vocab.txt: the V words, one per line;
//   - README.md: a model card.
//
// [encoder.Load], [LoadModel] and so cmd/encode and cmd/eval accept the
// folder (or its model.safetensors) wherever they accept a checkpoint. Each
// file is written through a temporary file. dir must not be src's run
// folder, whose files belong to the run.
func Export(src, dir string, opt ExportOptions) (*ExportConfig, error) {
	c, err := checkpoints.Load(src)
	if err != nil {
		return nil, err
	}
	l, err := modelFromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", src, err)
	}
	if sameDir(dir, filepath.Dir(src)) {
		return nil, fmt.Errorf("train: export into %s, the run folder of %s: choose another folder", dir, src)
	}
	cfg := l.Config
	ec := &ExportConfig{
		Format: ExportFormat, Weights: encoder.ExportFile, DType: "F32", Vocabulary: ExportVocabFile,
		Architecture: ExportArchitecture{V: cfg.V, K: cfg.K, Hidden: nonNil(cfg.Hidden), Activation: cfg.Activation, Input: cfg.Input,
			DecoderHidden: nonNil(cfg.DecoderHidden), DecoderActivation: cfg.DecoderActivation, Alpha: cfg.Alpha, Prior: cfg.Prior,
			Layout: "each layer computes x·weight + bias, so weight is [in, out] (torch.nn.Linear holds its transpose); " +
				"the encoder's hidden layers apply the activation and its last layer gives the K logits of q(z_j=1|x) = sigmoid(logit); " +
				"the decoder maps a code z in {0,1}^K to V logits of softmax word probabilities"},
		Training: ExportTraining{Checkpoint: src, Config: cfg},
	}
	if opt.Float64 {
		ec.DType = "F64"
	}
	if _, ok := c.Metadata[MetaState]; ok {
		var st state
		if err := unmarshalMeta(c, MetaState, &st); err != nil {
			return nil, fmt.Errorf("train: %s: %w", src, err)
		}
		t := &ec.Training
		t.Epochs, t.Steps, t.TrainDocs, t.ValidDocs = st.Epoch, st.Step, st.TrainDocs, st.ValidDocs
		if st.HasBest {
			best := st.BestValid
			t.BestValidELBO, t.BestStep = &best, st.BestStep
		}
	}
	if rep, err := readEval(filepath.Join(filepath.Dir(src), EvalFile)); err != nil {
		return nil, err
	} else if rep != nil && sameFile(rep.Checkpoint, src) {
		ec.HeldOut = rep
	}

	// The weights, with what loading them needs.
	w := &checkpoints.Checkpoint{Metadata: map[string]string{
		MetaKind: KindModel, metaExport: ExportFormat,
		MetaConfig: c.Metadata[MetaConfig], MetaVocabulary: c.Metadata[MetaVocabulary], MetaVocabHash: c.Metadata[MetaVocabHash],
	}}
	for _, t := range c.Tensors {
		if !strings.HasPrefix(t.Name, "encoder.layers.") && !strings.HasPrefix(t.Name, "decoder.layers.") && t.Name != priorTensor {
			continue // Adam's moments, NVIL's baseline: training state
		}
		if opt.Float64 {
			w.Add(t.Name, t.Shape, t.Data)
		} else {
			w.AddFloat32(t.Name, t.Shape, t.Data)
		}
		ec.Architecture.Tensors = append(ec.Architecture.Tensors, ExportTensor{t.Name, t.Shape})
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: export: %w", err)
	}
	if err := checkpoints.Save(filepath.Join(dir, encoder.ExportFile), w); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(ec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("train: export: %w", err)
	}
	card, err := modelCard(ec, l.Vocab)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{ExportConfigFile, append(js, '\n')},
		{ExportVocabFile, []byte(strings.Join(l.Vocab, "\n") + "\n")},
		{ExportCardFile, card},
	} {
		if err := outfile.WriteFile(filepath.Join(dir, f.name), f.data); err != nil {
			return nil, fmt.Errorf("train: export: %w", err)
		}
	}
	return ec, nil
}

func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// readEval reads a run folder's eval.json, or returns nil if there is none.
func readEval(path string) (*eval.Report, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: export: %w", err)
	}
	var rep eval.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("train: export: %s: %w", path, err)
	}
	return &rep, nil
}

// sameFile reports whether the paths name the same existing file.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// sameDir reports whether a is the folder b (a need not exist).
func sameDir(a, b string) bool {
	if sameFile(a, b) {
		return true
	}
	aa, errA := filepath.Abs(a)
	ab, errB := filepath.Abs(b)
	return errA == nil && errB == nil && aa == ab
}

// modelCard returns the export's README.md.
func modelCard(ec *ExportConfig, vocab []string) ([]byte, error) {
	a := ec.Architecture
	layers := func(in int, hidden []int, out int, act encoder.Activation) string {
		parts := []string{fmt.Sprint(in)}
		for _, h := range hidden {
			parts = append(parts, fmt.Sprintf("%d (%s)", h, act))
		}
		return strings.Join(append(parts, fmt.Sprint(out)), " → ")
	}
	act := map[encoder.Activation]string{encoder.Tanh: "Tanh", encoder.ReLU: "ReLU", encoder.Sigmoid: "Sigmoid", encoder.Softplus: "Softplus"}[a.Activation]
	var seq []string
	var state []string
	sizes := append(append([]int{a.V}, a.Hidden...), a.K)
	for i := range len(sizes) - 1 {
		seq = append(seq, fmt.Sprintf("torch.nn.Linear(%d, %d)", sizes[i], sizes[i+1]))
		state = append(state, fmt.Sprintf(`"%d.weight": W(%d), "%d.bias": t["encoder.layers.%d.bias"]`, 2*i, i, 2*i, i))
		if i < len(sizes)-2 {
			seq = append(seq, "torch.nn."+act+"()")
		}
	}
	input := "counts"
	if a.Input == encoder.InputLog1p {
		input = "torch.log1p(counts)"
	}
	words := 0
	for _, w := range vocab {
		if w != "" {
			words++
		}
	}
	data := map[string]any{
		"C": ec, "Encoder": layers(a.V, a.Hidden, a.K, a.Activation),
		"Decoder":    layers(a.K, a.DecoderHidden, a.V, a.DecoderActivation),
		"Sequential": strings.Join(seq, ", ") + ", torch.nn.Sigmoid()", "State": strings.Join(state, ", "),
		"Input": input, "Words": words,
		// The PyTorch lines rebuild the built-in MLP encoder; a registered
		// architecture (-encoder-arch) has its own forward pass.
		"Python": act != "" && ec.Training.Config.EncoderArch == "",
		"Arch":   ec.Training.Config.EncoderArch,
	}
	var b bytes.Buffer
	if err := cardTemplate.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("train: export: model card: %w", err)
	}
	return b.Bytes(), nil
}

var cardTemplate = template.Must(template.New("card").Funcs(template.FuncMap{
	"f":     func(x float64) string { return fmt.Sprintf("%.2f", x) },
	"deref": func(p *float64) float64 { return *p },
}).Parse(`# amvi model: K={{.C.Architecture.K}} binary factors over V={{.C.Architecture.V}} words

A document model with binary latent factors, trained by amortised
variational inference with [amvi](https://github.com/amvi/amvi). Each factor
is a coin with prior probability α = {{.C.Architecture.Alpha}}; the decoder
turns a code z into word probabilities, and the encoder gives each factor's
posterior probability q(z_j = 1 | x) for a bag of words x.

| | |
|---|---|
| encoder | {{.Encoder}}, sigmoid; input: {{.C.Architecture.Input}} |
| decoder | {{.Decoder}}, softmax |
| weights | ` + "`{{.C.Weights}}`" + `, {{.C.DType}}, weights only (no optimizer state) |
| vocabulary | ` + "`{{.C.Vocabulary}}`" + `, {{.C.Architecture.V}} lines ({{.Words}} named words); word id i is line i+1 |
| training | {{.C.Training.Config.Estimator}} with {{.C.Training.Config.Samples}} samples, {{.C.Training.Epochs}} epochs ({{.C.Training.Steps}} steps) on {{.C.Training.TrainDocs}} documents{{if .C.Training.Config.Data.Train}} of ` + "`{{.C.Training.Config.Data.Train}}`" + `{{end}}, seed {{.C.Training.Config.Seed}} |
{{- if .C.Training.BestValidELBO}}
| best validation ELBO | {{f (deref .C.Training.BestValidELBO)}} nats per document ({{.C.Training.ValidDocs}} documents, step {{.C.Training.BestStep}}) |
{{- end}}
{{- with .C.HeldOut}}
| held-out ELBO | {{f .ELBOPerDoc}} ± {{f .ELBOPerDocSE}} nats per document on {{.Documents}} documents of ` + "`{{.Data}}`" + ` |
| held-out perplexity | {{f .Perplexity}} per document, {{f .PerplexityCorpus}} corpus{{if .IWSamples}}; importance-weighted (S={{.IWSamples}}) {{f .IWPerplexity}}{{end}} |
{{- end}}

` + "`config.json`" + ` holds the architecture, every training setting (named like
` + "`train`" + `'s flags) and the held-out figures.

## Use it from Go

` + "```go" + `
enc, err := encoder.Load("path/to/this/folder") // import "github.com/amvi/amvi/encoder"
probs, err := enc.Probabilities(doc)           // doc: data.Document{Words, Counts}
` + "```" + `

or from the command line: ` + "`go run ./cmd/encode -checkpoint path/to/this/folder -data docs.feat`" + `.
{{if .Python}}
## Use it from PyTorch

amvi stores each layer's weight as [in, out] (it computes x·W + b);
` + "`torch.nn.Linear`" + ` holds the transpose, hence the ` + "`.T`" + `:

` + "```python" + `
import torch; from safetensors.torch import load_file     # pip install safetensors
t = load_file("path/to/this/folder/{{.C.Weights}}")
W = lambda i: t[f"encoder.layers.{i}.weight"].T           # [in, out] -> [out, in]
enc = torch.nn.Sequential({{.Sequential}})
enc.load_state_dict({ {{- .State -}} })
` + "```" + `

Then ` + "`enc({{.Input}})`" + ` gives q(z_j = 1 | x) for a float32 tensor ` + "`counts`" + ` of
shape [documents, {{.C.Architecture.V}}].
{{else if .Arch}}
The encoder is the registered architecture ` + "`{{.Arch}}`" + ` (model.RegisterArch), not
the built-in MLP: a PyTorch version must follow that architecture's forward
pass over the tensors of ` + "`config.json`" + `.
{{end}}`))
