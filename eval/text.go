package eval

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteText writes r as aligned, labelled lines.
func WriteText(w io.Writer, r *Report) {
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-30s "+format+"\n", append([]any{label}, args...)...)
	}
	p("documents", "%10d   (%d empty documents skipped)", r.Documents, r.SkippedEmpty)
	p("tokens", "%10d", r.Tokens)
	p("ELBO per document", "%10.3f ± %.3f   (± %.3f Monte Carlo, %d samples)", r.ELBOPerDoc, r.ELBOPerDocSE, r.ELBOMonteCarloSE, r.Samples)
	p("ELBO per word", "%10.4f", r.ELBOPerWord)
	p("KL per document", "%10.3f", r.KLPerDoc)
	p("perplexity (per document)", "%10.3f   exp(-mean_d ELBO_d/N_d)", r.Perplexity)
	p("perplexity (corpus)", "%10.3f   exp(-Σ ELBO_d / Σ N_d)", r.PerplexityCorpus)
	if r.IWSamples > 0 {
		p(fmt.Sprintf("IW bound per document (S=%d)", r.IWSamples), "%10.3f ± %.3f", r.IWPerDoc, r.IWPerDocSE)
		p("IW perplexity (per document)", "%10.3f", r.IWPerplexity)
	}
	if r.ExactLogPPerDoc == r.ExactLogPPerDoc {
		p("exact log p(x) per document", "%10.3f   by enumerating the 2^K codes", r.ExactLogPPerDoc)
		p("exact perplexity (per document)", "%10.3f", r.ExactPerplexity)
		p("exact ELBO per document", "%10.3f   (amortised q; lower bound)", r.ExactELBOPerDoc)
	}
	if r.RefineSteps > 0 {
		p(fmt.Sprintf("refined ELBO per doc (%d steps)", r.RefineSteps), "%10.3f ± %.3f   (per-document q; lower bound)", r.RefinedELBOPerDoc, r.RefinedELBOPerDocSE)
		p("refined perplexity (per doc)", "%10.3f", r.RefinedPerplexity)
	}
}

// MarshalJSON writes r with null for the estimates that are undefined (NaN):
// those of an empty corpus, the IW fields when IWSamples is 0, the exact
// ones when K is too large to enumerate, and the refined ones without
// refinement.
func (r *Report) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		if v != v {
			return nil
		}
		return &v
	}
	type report struct {
		Documents        int      `json:"documents"`
		SkippedEmpty     int      `json:"skipped_empty"`
		Tokens           int      `json:"tokens"`
		Samples          int      `json:"samples"`
		ELBOPerDoc       *float64 `json:"elbo_per_doc"`
		ELBOPerDocSE     *float64 `json:"elbo_per_doc_se"`
		ELBOMonteCarloSE *float64 `json:"elbo_mc_se"`
		ELBOPerWord      *float64 `json:"elbo_per_word"`
		KLPerDoc         *float64 `json:"kl_per_doc"`
		Perplexity       *float64 `json:"perplexity"`
		PerplexityCorpus *float64 `json:"perplexity_corpus"`
		IWSamples        int      `json:"iw_samples"`
		IWPerDoc         *float64 `json:"iw_per_doc"`
		IWPerDocSE       *float64 `json:"iw_per_doc_se"`
		IWPerplexity     *float64 `json:"iw_perplexity"`
		ExactLogP        *float64 `json:"exact_logp_per_doc"`
		ExactELBO        *float64 `json:"exact_elbo_per_doc"`
		ExactPerplexity  *float64 `json:"exact_perplexity"`
		RefineSteps      int      `json:"refine_steps"`
		RefinedELBO      *float64 `json:"refined_elbo_per_doc"`
		RefinedELBOSE    *float64 `json:"refined_elbo_per_doc_se"`
		RefinedPerp      *float64 `json:"refined_perplexity"`
		Checkpoint       string   `json:"checkpoint"`
		Data             string   `json:"data"`
	}
	return json.Marshal(report{r.Documents, r.SkippedEmpty, r.Tokens, r.Samples,
		num(r.ELBOPerDoc), num(r.ELBOPerDocSE), num(r.ELBOMonteCarloSE), num(r.ELBOPerWord), num(r.KLPerDoc),
		num(r.Perplexity), num(r.PerplexityCorpus), r.IWSamples, num(r.IWPerDoc), num(r.IWPerDocSE), num(r.IWPerplexity),
		num(r.ExactLogPPerDoc), num(r.ExactELBOPerDoc), num(r.ExactPerplexity),
		r.RefineSteps, num(r.RefinedELBOPerDoc), num(r.RefinedELBOPerDocSE), num(r.RefinedPerplexity),
		r.Checkpoint, r.Data})
}
