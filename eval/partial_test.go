package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/testmodel"
)

// shardCorpus is a corpus of 31 documents: 16 batches of 2, the last short.
func shardCorpus(t *testing.T) (*data.Corpus, Options) {
	t.Helper()
	_, docs := testmodel.Small(4, true)
	rng := rand.New(rand.NewPCG(2, 3))
	all := make([]data.Document, 31)
	for i := range all {
		all[i] = docs[rng.IntN(len(docs))]
	}
	return &data.Corpus{Docs: all, V: 30, SkippedEmpty: 2, Source: "memory"}, Options{Samples: 5, IWSamples: 12, Batch: 2, Seed: 3}
}

// TestShardsMergeToTheWhole evaluates a corpus in N = 1, 2, 3 and 7 shards,
// writes and reads each shard's partial, merges them in reverse order and
// checks that the report is the single process's, bit for bit.
func TestShardsMergeToTheWhole(t *testing.T) {
	m, _ := testmodel.Small(4, true)
	c, opt := shardCorpus(t)
	whole, err := Evaluate(m, c, opt)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(whole)
	for _, n := range []int{1, 2, 3, 7} {
		var merged *Partial
		for i := n - 1; i >= 0; i-- {
			o := opt
			o.Shard = data.Shard{I: i, N: n}
			p, err := EvaluatePartial(m, c, o, Source{DataSHA256: "d", CheckpointSHA256: "c", Format: "feat"})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := p.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			back, err := ReadPartial(&buf, "shard")
			if err != nil {
				t.Fatalf("N=%d shard %d: %v", n, i, err)
			}
			if merged == nil {
				merged = back
			} else if err := merged.Merge(back); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := merged.Report()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(rep); !bytes.Equal(got, want) {
			t.Errorf("N=%d: merged report\n%s\nwant\n%s", n, got, want)
		}
	}
}

// TestReportFigures checks the report's exact sums against the plain
// two-pass formulas in float64, which agree to rounding.
func TestReportFigures(t *testing.T) {
	m, _ := testmodel.Small(4, true)
	c, opt := shardCorpus(t)
	docs, err := Documents(m, c, opt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(m, c, opt)
	if err != nil {
		t.Fatal(err)
	}
	D := float64(len(docs))
	var elbo, iw, kl, perWord, iwPerWord, mcVar float64
	tokens := 0
	for _, d := range docs {
		elbo += d.ELBO
		iw += d.IW
		kl += d.KL
		perWord += d.ELBO / float64(d.Tokens)
		iwPerWord += d.IW / float64(d.Tokens)
		mcVar += d.ELBOVar
		tokens += d.Tokens
	}
	var ssE, ssI float64
	for _, d := range docs {
		ssE += (d.ELBO - elbo/D) * (d.ELBO - elbo/D)
		ssI += (d.IW - iw/D) * (d.IW - iw/D)
	}
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"elbo_per_doc", r.ELBOPerDoc, elbo / D},
		{"elbo_per_doc_se", r.ELBOPerDocSE, math.Sqrt(ssE / (D - 1) / D)},
		{"elbo_mc_se", r.ELBOMonteCarloSE, math.Sqrt(mcVar) / D},
		{"elbo_per_word", r.ELBOPerWord, elbo / float64(tokens)},
		{"kl_per_doc", r.KLPerDoc, kl / D},
		{"perplexity", r.Perplexity, math.Exp(-perWord / D)},
		{"perplexity_corpus", r.PerplexityCorpus, math.Exp(-elbo / float64(tokens))},
		{"iw_per_doc", r.IWPerDoc, iw / D},
		{"iw_per_doc_se", r.IWPerDocSE, math.Sqrt(ssI / (D - 1) / D)},
		{"iw_perplexity", r.IWPerplexity, math.Exp(-iwPerWord / D)},
	} {
		if math.Abs(f.got-f.want) > 1e-12*math.Abs(f.want) {
			t.Errorf("%s %.17g, two-pass float64 %.17g", f.name, f.got, f.want)
		}
	}
	if r.Documents != 31 || r.Tokens != tokens || r.SkippedEmpty != 2 || r.Samples != 5 || r.IWSamples != 12 {
		t.Errorf("counts %+v", r)
	}
}

func TestMergeRefusesOtherEvaluations(t *testing.T) {
	m, _ := testmodel.Small(4, true)
	c, opt := shardCorpus(t)
	src := Source{DataSHA256: "d", CheckpointSHA256: "c", Format: "feat"}
	part := func(o Options, src Source, i, n int) *Partial {
		o.Shard = data.Shard{I: i, N: n}
		p, err := EvaluatePartial(m, c, o, src)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	seed := opt
	seed.Seed++
	samples := opt
	samples.Samples++
	otherData := src
	otherData.DataSHA256 = "e"
	otherCkpt := src
	otherCkpt.CheckpointSHA256 = "x"
	for _, tc := range []struct {
		name string
		q    *Partial
		err  error
		want string
	}{
		{"seed", part(seed, src, 1, 2), ErrMismatch, "seed"},
		{"samples", part(samples, src, 1, 2), ErrMismatch, "samples"},
		{"data", part(opt, otherData, 1, 2), ErrMismatch, "data"},
		{"checkpoint", part(opt, otherCkpt, 1, 2), ErrMismatch, "checkpoint"},
		{"shard count", part(opt, src, 1, 3), ErrMismatch, "shard count"},
		{"same shard", part(opt, src, 0, 2), ErrShards, "twice"},
	} {
		p := part(opt, src, 0, 2)
		err := p.Merge(tc.q)
		if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %v naming %q", tc.name, err, tc.err, tc.want)
		}
		if len(p.Shards) != 1 || p.Documents != 16 {
			t.Errorf("%s: the refused merge changed the partial: %v, %d documents", tc.name, p.Shards, p.Documents)
		}
	}
	if _, err := part(opt, src, 0, 2).Report(); !errors.Is(err, ErrShards) {
		t.Errorf("report of one shard of two: %v, want ErrShards", err)
	}
}

func TestReadPartialErrors(t *testing.T) {
	m, _ := testmodel.Small(4, true)
	c, opt := shardCorpus(t)
	opt.Shard = data.Shard{I: 1, N: 3}
	p, err := EvaluatePartial(m, c, opt, Source{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p.WriteTo(&buf)
	good := buf.String()
	for _, tc := range []struct{ name, old, new string }{
		{"version", `"amvi_eval_partial":1`, `"amvi_eval_partial":2`},
		{"unknown field", `"documents":`, `"docs":1,"documents":`},
		{"unknown sum", `"kl":`, `"kl2":{"hex":"0"},"kl":`},
		{"missing sum", `"kl":{`, `"k":{`},
		{"shard out of range", `"shards":[1]`, `"shards":[3]`},
		{"no shards", `"shards":[1]`, `"shards":[]`},
		{"bad sum", `"kl":{"hex":"`, `"kl":{"hex":"g`},
		{"truncated", good, good[:len(good)/2]},
	} {
		bad := strings.Replace(good, tc.old, tc.new, 1)
		if bad == good {
			t.Fatalf("%s: %q not in %s", tc.name, tc.old, good)
		}
		if _, err := ReadPartial(strings.NewReader(bad), "p.json"); !errors.Is(err, ErrPartial) || !strings.Contains(err.Error(), "p.json") {
			t.Errorf("%s: %v, want ErrPartial naming p.json", tc.name, err)
		}
	}
}
