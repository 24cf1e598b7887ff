// Command retrieve measures how well a trained amvi encoder's binary codes
// find similar documents (semantic hashing): it encodes a database and a
// set of queries, ranks the database for each query by the Hamming distance
// of the codes, and reports the precision@k, the mean over the queries of
// the fraction of the k retrieved documents that share a label with the
// query.
//
//	retrieve -checkpoint runs/20news/best.safetensors \
//	    -database data/20news/train.feat -queries data/20news/test.feat [-k 100] [-json]
//
// Labels come from the feat format's label column: "3", or "3,7" for a
// document with several labels (LIBSVM's multi-label form). Empty
// documents are skipped, as the corpus readers do.
//
// A document's code is the encoder's most probable code, z_j = 1 exactly
// when q(z_j = 1 | x) > 1/2; with -threshold median, z_j = 1 when the
// document's logit a_j is above the median of a_j over the database, so
// that each bit is on for half of the database, as the hashing literature
// thresholds its codes. Documents at the same distance from a query are
// ranked in database order (the earlier line first), so the result does
// not depend on the number of cores.
//
// In the same run, on the same documents and with the same number of bits,
// retrieve reports two classic unsupervised baselines on tf-idf vectors
// (idf fitted on the database): random-hyperplane LSH, and PCA hashing
// (the projections on the leading principal directions of the database,
// thresholded at their medians). -seed fixes their random draws.
//
// With -json it prints one object with the keys precision_at_k, k,
// queries, database, bits, threshold, baselines (lsh and pca, each a
// precision@k), checkpoint, database_file and queries_file.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/hashing"
	"github.com/amvi/amvi/internal/cli"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		cli.Fatal("retrieve", err)
	}
}

// report is the -json output.
type report struct {
	PrecisionAtK float64            `json:"precision_at_k"`
	K            int                `json:"k"`
	Queries      int                `json:"queries"`
	Database     int                `json:"database"`
	Bits         int                `json:"bits"`
	Threshold    string             `json:"threshold"`
	Baselines    map[string]float64 `json:"baselines"`
	Checkpoint   string             `json:"checkpoint"`
	DatabaseFile string             `json:"database_file"`
	QueriesFile  string             `json:"queries_file"`
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("retrieve", "-checkpoint FILE -database FILE -queries FILE [flags]",
		"Ranks the database for each query by the Hamming distance of the encoder's codes and reports\n"+
			"precision@k (a document is relevant when it shares a label with the query), beside LSH and\n"+
			"PCA codes of tf-idf vectors with as many bits.", stdout)
	fs.Group(cli.GroupData)
	var (
		dbPath = fs.String("database", "", "documents searched, with labels (required)")
		qPath  = fs.String("queries", "", "query documents, with labels (required)")
		format = fs.String("format", "feat", "corpus format: feat (the only one with labels: \"3\", or \"3,7\" for several)")
	)
	fs.Group(cli.GroupModel)
	ckpt := fs.String("checkpoint", "", "model checkpoint written by training (required)")
	fs.Group(cli.GroupEvaluation)
	var (
		k         = fs.Int("k", 100, "documents retrieved per query")
		threshold = fs.String("threshold", "zero", "code bits: zero (the most probable code, q > 1/2) or median (logit above its median over the database)")
		seed      = fs.Uint64("seed", 1, "random seed of the baselines")
	)
	fs.Group(cli.GroupOutput)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case *ckpt == "" || *dbPath == "" || *qPath == "":
		return errors.New("-checkpoint, -database and -queries are required (retrieve -h lists the flags)")
	case *format != "feat":
		return fmt.Errorf("-format %q: precision needs labels, and only the feat format has them", *format)
	case *k < 1:
		return fmt.Errorf("-k %d: must be positive", *k)
	case *threshold != "zero" && *threshold != "median":
		return fmt.Errorf("-threshold %q: want zero or median", *threshold)
	}
	enc, err := encoder.Load(*ckpt)
	if err != nil {
		return err
	}
	db, err := data.LoadFeat(*dbPath, data.FeatOptions{Labels: true, V: enc.V()})
	if err != nil {
		return err
	}
	qs, err := data.LoadFeat(*qPath, data.FeatOptions{Labels: true, V: enc.V()})
	if err != nil {
		return err
	}
	for _, c := range []*data.Corpus{db, qs} {
		if c.Len() == 0 {
			return fmt.Errorf("%s: no documents (%d empty ones skipped)", c.Source, c.SkippedEmpty)
		}
	}
	bits := enc.K()
	dbLogits, err := logits(enc, db)
	if err != nil {
		return err
	}
	qLogits, err := logits(enc, qs)
	if err != nil {
		return err
	}
	var th []float64
	if *threshold == "median" {
		th = hashing.Medians(dbLogits, bits)
	}
	dbCodes, qCodes := hashing.NewCodes(db.Len(), bits), hashing.NewCodes(qs.Len(), bits)
	hashing.Threshold(dbCodes, dbLogits, th)
	hashing.Threshold(qCodes, qLogits, th)

	rep := report{
		PrecisionAtK: hashing.Evaluate(dbCodes, qCodes, db.Labels, qs.Labels, *k),
		K:            *k, Queries: qs.Len(), Database: db.Len(), Bits: bits, Threshold: *threshold,
		Baselines:  map[string]float64{},
		Checkpoint: *ckpt, DatabaseFile: *dbPath, QueriesFile: *qPath,
	}
	lsh := hashing.LSHCodes(db.Docs, qs.Docs, enc.V(), bits, rand.New(rand.NewPCG(*seed, 1)))
	rep.Baselines["lsh"] = hashing.Evaluate(lsh.Database, lsh.Queries, db.Labels, qs.Labels, *k)
	pca, err := hashing.PCACodes(db.Docs, qs.Docs, enc.V(), bits, rand.New(rand.NewPCG(*seed, 2)))
	if err != nil {
		return fmt.Errorf("PCA baseline: %w", err)
	}
	rep.Baselines["pca"] = hashing.Evaluate(pca.Database, pca.Queries, db.Labels, qs.Labels, *k)

	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintf(stdout, "%d queries (%s) against %d documents (%s), %d bits, precision@%d:\n",
		rep.Queries, *qPath, rep.Database, *dbPath, bits, *k)
	fmt.Fprintf(stdout, "  amvi (%s, threshold %s)  %.4f\n", *ckpt, *threshold, rep.PrecisionAtK)
	fmt.Fprintf(stdout, "  LSH of tf-idf                  %.4f\n", rep.Baselines["lsh"])
	fmt.Fprintf(stdout, "  PCA of tf-idf, median          %.4f\n", rep.Baselines["pca"])
	return nil
}

// logits returns the encoder's logits of every document of c, row i for
// c.Docs[i], computed on all cores.
func logits(enc *encoder.Frozen, c *data.Corpus) ([]float64, error) {
	x := make([]float64, c.Len()*enc.K())
	if err := enc.BatchLogitsParallel(x, c.Docs, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Source, err)
	}
	return x, nil
}
