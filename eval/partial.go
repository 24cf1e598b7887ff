package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/amvi/amvi/internal/exactsum"
)

// A Partial holds the sufficient statistics of an evaluation over some of
// the shards of a corpus (data.Shard): document and token counts, and the
// exact sums (package internal/exactsum) of the per-document figures and of
// the squares of those with standard errors. Partials of the same
// evaluation merge into one (Merge), and the Report of the merge of all
// the shards equals, bit for bit, that of the whole corpus evaluated in one
// process, for any number of shards: the sums are exact, so the order of
// their terms does not matter, and each document's figures depend on its
// index, not on the shard it is evaluated in.
type Partial struct {
	// Source says which evaluation this is part of: partials merge only
	// when their Sources are equal.
	Source Source `json:"source"`
	// Checkpoint and Data name the files, as given; they are not compared.
	Checkpoint string `json:"checkpoint"`
	Data       string `json:"data"`
	// Shards lists the shards this holds, ascending, out of Source.Shards.
	Shards    []int `json:"shards"`
	Documents int   `json:"documents"`
	Tokens    int   `json:"tokens"`
	// Sums holds the exact sum of each of the figures named in sums, and
	// of the squares of those marked so under name + "_squares".
	Sums map[string]*exactsum.Sum `json:"sums"`
}

// Source identifies an evaluation: the model, the data and the settings
// its figures depend on.
type Source struct {
	// CheckpointSHA256 and DataSHA256 are the SHA-256 of the checkpoint's
	// and the corpus's files (and VocabSHA256 of the vocabulary's, if one
	// was given), in hexadecimal, as the caller computes them.
	CheckpointSHA256 string `json:"checkpoint_sha256"`
	DataSHA256       string `json:"data_sha256"`
	VocabSHA256      string `json:"vocab_sha256,omitempty"`
	Format           string `json:"format"`
	// Documents and SkippedEmpty describe the whole corpus.
	Documents    int    `json:"corpus_documents"`
	SkippedEmpty int    `json:"skipped_empty"`
	Samples      int    `json:"samples"`
	IWSamples    int    `json:"iw_samples"`
	Seed         uint64 `json:"seed"`
	Batch        int    `json:"batch"`
	// Exact says whether the exact figures were computed; Refine,
	// RefineSamples and RefineLR are Options' (zero without refinement).
	Exact         bool    `json:"exact"`
	Refine        int     `json:"refine"`
	RefineSamples int     `json:"refine_samples"`
	RefineLR      float64 `json:"refine_lr"`
	Shards        int     `json:"shard_count"`
}

// sums lists the per-document figures a Partial adds up, by name. A figure
// with squares also has the sum of its squares, for its standard error.
// A new figure is one line here and its line in Partial.Report.
var sums = []struct {
	name    string
	of      func(d *PerDoc) float64
	squares bool
}{
	{"elbo", func(d *PerDoc) float64 { return d.ELBO }, true},
	{"elbo_var", func(d *PerDoc) float64 { return d.ELBOVar }, false},
	{"kl", func(d *PerDoc) float64 { return d.KL }, false},
	{"elbo_per_word", func(d *PerDoc) float64 { return d.ELBO / float64(d.Tokens) }, false},
	{"iw", func(d *PerDoc) float64 { return d.IW }, true},
	{"iw_per_word", func(d *PerDoc) float64 { return d.IW / float64(d.Tokens) }, false},
	{"exact_logp", func(d *PerDoc) float64 { return d.ExactLogP }, false},
	{"exact_logp_per_word", func(d *PerDoc) float64 { return d.ExactLogP / float64(d.Tokens) }, false},
	{"exact_elbo", func(d *PerDoc) float64 { return d.ExactELBO }, false},
	{"refined_elbo", func(d *PerDoc) float64 { return d.RefinedELBO }, true},
	{"refined_elbo_per_word", func(d *PerDoc) float64 { return d.RefinedELBO / float64(d.Tokens) }, false},
}

const squaresSuffix = "_squares"

// partialVersion is the version of a Partial's JSON, written as
// "amvi_eval_partial".
const partialVersion = 1

// Errors merging partials.
var (
	// ErrMismatch reports partials of different evaluations.
	ErrMismatch = errors.New("partials of different evaluations")
	// ErrShards reports partials that hold the same shard twice, or a
	// report asked of partials that lack some shards.
	ErrShards = errors.New("shards missing or repeated")
	// ErrPartial reports a partial's JSON that cannot be read.
	ErrPartial = errors.New("malformed partial")
)

// NewPartial returns an empty Partial of source holding the given shards.
func NewPartial(src Source, shards ...int) *Partial {
	p := &Partial{Source: src, Shards: slices.Sorted(slices.Values(shards)), Sums: map[string]*exactsum.Sum{}}
	for _, s := range sums {
		p.Sums[s.name] = new(exactsum.Sum)
		if s.squares {
			p.Sums[s.name+squaresSuffix] = new(exactsum.Sum)
		}
	}
	return p
}

// Add adds one document's figures.
func (p *Partial) Add(d *PerDoc) {
	p.Documents++
	p.Tokens += d.Tokens
	for _, s := range sums {
		x := s.of(d)
		p.Sums[s.name].Add(x)
		if s.squares {
			p.Sums[s.name+squaresSuffix].AddProduct(x, x)
		}
	}
}

// Merge adds q's shards to p. It returns an error wrapping ErrMismatch if
// their sources differ and ErrShards if they share a shard, and then leaves
// p unchanged.
func (p *Partial) Merge(q *Partial) error {
	if p.Source != q.Source {
		return fmt.Errorf("%w: %s", ErrMismatch, sourceDiff(p.Source, q.Source))
	}
	for _, s := range q.Shards {
		if _, found := slices.BinarySearch(p.Shards, s); found {
			return fmt.Errorf("%w: shard %d/%d twice", ErrShards, s, p.Source.Shards)
		}
	}
	p.Shards = slices.Sorted(slices.Values(append(slices.Clip(p.Shards), q.Shards...)))
	p.Documents += q.Documents
	p.Tokens += q.Tokens
	for name, s := range p.Sums {
		s.Merge(q.Sums[name])
	}
	return nil
}

// sourceDiff names the first field in which a and b differ.
func sourceDiff(a, b Source) string {
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"checkpoint (SHA-256)", a.CheckpointSHA256, b.CheckpointSHA256},
		{"data (SHA-256)", a.DataSHA256, b.DataSHA256},
		{"vocabulary (SHA-256)", a.VocabSHA256, b.VocabSHA256},
		{"format", a.Format, b.Format},
		{"corpus documents", a.Documents, b.Documents},
		{"skipped empty documents", a.SkippedEmpty, b.SkippedEmpty},
		{"samples", a.Samples, b.Samples},
		{"IW samples", a.IWSamples, b.IWSamples},
		{"seed", a.Seed, b.Seed},
		{"batch", a.Batch, b.Batch},
		{"exact", a.Exact, b.Exact},
		{"refine steps", a.Refine, b.Refine},
		{"refine samples", a.RefineSamples, b.RefineSamples},
		{"refine rate", a.RefineLR, b.RefineLR},
		{"shard count", a.Shards, b.Shards},
	} {
		if f.a != f.b {
			return fmt.Sprintf("%s %v and %v", f.name, f.a, f.b)
		}
	}
	return "none"
}

// Report returns the evaluation's figures. It returns an error wrapping
// ErrShards unless p holds every shard.
func (p *Partial) Report() (*Report, error) {
	if len(p.Shards) != p.Source.Shards || p.Documents != p.Source.Documents {
		return nil, fmt.Errorf("%w: %d of %d shards, %d of %d documents", ErrShards, len(p.Shards), p.Source.Shards, p.Documents, p.Source.Documents)
	}
	src := p.Source
	r := &Report{Documents: p.Documents, SkippedEmpty: src.SkippedEmpty, Tokens: p.Tokens,
		Samples: src.Samples, IWSamples: src.IWSamples, RefineSteps: src.Refine, Checkpoint: p.Checkpoint, Data: p.Data}
	D := p.Documents
	if D == 0 {
		nan := math.NaN()
		r.ELBOPerDoc, r.ELBOPerDocSE, r.ELBOMonteCarloSE, r.ELBOPerWord, r.KLPerDoc = nan, nan, nan, nan, nan
		r.Perplexity, r.PerplexityCorpus, r.IWPerDoc, r.IWPerDocSE, r.IWPerplexity = nan, nan, nan, nan, nan
		r.ExactLogPPerDoc, r.ExactELBOPerDoc, r.ExactPerplexity = nan, nan, nan
		r.RefinedELBOPerDoc, r.RefinedELBOPerDocSE, r.RefinedPerplexity = nan, nan, nan
		return r, nil
	}
	mean := func(name string) float64 { return p.Sums[name].Div(D) }
	// se is the standard error of the mean of a figure over documents.
	se := func(name string) float64 {
		if D < 2 {
			return 0
		}
		ss := exactsum.SquaredDeviations(p.Sums[name], p.Sums[name+squaresSuffix], D)
		return math.Sqrt(ss / float64(D-1) / float64(D))
	}
	r.ELBOPerDoc, r.ELBOPerDocSE = mean("elbo"), se("elbo")
	r.ELBOMonteCarloSE = math.Sqrt(p.Sums["elbo_var"].Float64()) / float64(D)
	r.ELBOPerWord = p.Sums["elbo"].Div(p.Tokens)
	r.KLPerDoc = mean("kl")
	r.Perplexity = math.Exp(-mean("elbo_per_word"))
	r.PerplexityCorpus = math.Exp(-r.ELBOPerWord)
	r.IWPerDoc, r.IWPerDocSE = mean("iw"), se("iw")
	r.IWPerplexity = math.Exp(-mean("iw_per_word"))
	if src.IWSamples == 0 {
		r.IWPerDoc, r.IWPerDocSE, r.IWPerplexity = math.NaN(), math.NaN(), math.NaN()
	}
	// The exact and refined figures are NaN where any document lacks them.
	r.ExactLogPPerDoc, r.ExactPerplexity = mean("exact_logp"), math.Exp(-mean("exact_logp_per_word"))
	r.ExactELBOPerDoc = mean("exact_elbo")
	r.RefinedELBOPerDoc, r.RefinedPerplexity = mean("refined_elbo"), math.Exp(-mean("refined_elbo_per_word"))
	r.RefinedELBOPerDocSE = math.NaN()
	if D > 1 && !math.IsNaN(r.RefinedELBOPerDoc) {
		r.RefinedELBOPerDocSE = se("refined_elbo")
	}
	return r, nil
}

// partialJSON is a Partial's JSON: the Partial and its version.
type partialJSON struct {
	Version int `json:"amvi_eval_partial"`
	Partial
}

// WriteTo writes p as one JSON object and a newline.
func (p *Partial) WriteTo(w io.Writer) (int64, error) {
	b, err := json.Marshal(partialJSON{partialVersion, *p})
	if err != nil {
		return 0, err // not reached: a Partial's fields marshal
	}
	n, err := w.Write(append(b, '\n'))
	return int64(n), err
}

// ReadPartial reads a Partial written by WriteTo; name names the input in
// errors, which wrap ErrPartial.
func ReadPartial(r io.Reader, name string) (*Partial, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var j partialJSON
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrPartial, err)
	}
	p := &j.Partial
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", name, ErrPartial, fmt.Sprintf(format, args...))
	}
	if j.Version != partialVersion {
		return nil, bad("version %d, want %d (is it an amvi eval -partial file?)", j.Version, partialVersion)
	}
	want := NewPartial(p.Source)
	for k := range p.Sums {
		if want.Sums[k] == nil {
			return nil, bad("unknown sum %q", k)
		}
	}
	for k := range want.Sums {
		if p.Sums[k] == nil {
			return nil, bad("no sum %q", k)
		}
	}
	n := p.Source.Shards
	if n < 1 || len(p.Shards) == 0 || !slices.IsSorted(p.Shards) || p.Shards[0] < 0 || p.Shards[len(p.Shards)-1] >= n ||
		len(slices.Compact(slices.Clone(p.Shards))) != len(p.Shards) {
		return nil, bad("shards %v of %d", p.Shards, n)
	}
	if p.Documents < 0 || p.Documents > p.Source.Documents || p.Tokens < p.Documents {
		return nil, bad("%d documents of %d, %d tokens", p.Documents, p.Source.Documents, p.Tokens)
	}
	return p, nil
}
