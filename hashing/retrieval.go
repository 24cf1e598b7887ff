package hashing

import (
	"math/rand/v2"

	"github.com/amvi/amvi/data"
)

// Evaluate returns the precision@k ([Precision]) of ranking the database
// codes db for each query code by Hamming distance ([SearchAll]).
func Evaluate(db, queries *Codes, dbLabels, queryLabels [][]string, k int) float64 {
	return Precision(SearchAll(db, queries, k), queryLabels, dbLabels)
}

// Codes of a baseline for a database and its queries.
type BaselineCodes struct {
	Database, Queries *Codes
}

// LSHCodes returns the random-hyperplane LSH codes ([NewLSH]) of bits bits
// of the tf-idf vectors of db and queries, valid documents over v words;
// the idf is fitted on db. Bit j is on when the projection on direction j
// is positive.
func LSHCodes(db, queries []data.Document, v, bits int, rng *rand.Rand) BaselineCodes {
	t := FitTFIDF(db, v)
	l := NewLSH(v, bits, rng)
	return BaselineCodes{threshold(project(l, t, db), bits, nil), threshold(project(l, t, queries), bits, nil)}
}

// PCACodes returns the PCA-hashing codes of bits bits of the tf-idf
// vectors of db and queries, valid documents over v words: the idf and the
// principal directions ([FitPCA]) are fitted on db, and bit j is on when
// the projection on direction j is above its median over db ([Medians]).
// Errors are FitPCA's.
func PCACodes(db, queries []data.Document, v, bits int, rng *rand.Rand) (BaselineCodes, error) {
	t := FitTFIDF(db, v)
	p, err := FitPCA(db, t, v, bits, rng)
	if err != nil {
		return BaselineCodes{}, err
	}
	x := project(p, t, db)
	med := Medians(x, bits)
	return BaselineCodes{threshold(x, bits, med), threshold(project(p, t, queries), bits, med)}, nil
}

func project(l *Linear, t *TFIDF, docs []data.Document) []float64 {
	x := make([]float64, len(docs)*l.Bits)
	l.Project(x, docs, t)
	return x
}

func threshold(x []float64, bits int, t []float64) *Codes {
	c := NewCodes(len(x)/bits, bits)
	Threshold(c, x, t)
	return c
}
