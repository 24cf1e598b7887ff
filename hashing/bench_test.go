package hashing

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSearch ranks a database of 1M random 64-bit codes for the 100
// nearest to each query: one query on one core (Search), and batches of
// 64 queries on all cores (SearchAll).
func BenchmarkSearch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	db := NewCodes(1<<20, 64)
	for i := range db.Data {
		db.Data[i] = rng.Uint64()
	}
	qs := NewCodes(64, 64)
	for i := range qs.Data {
		qs.Data[i] = rng.Uint64()
	}
	b.Run("one-query-one-core", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]Neighbor, 0, 100)
		i := 0
		for b.Loop() {
			buf = Search(buf, db, qs.Code(i%qs.Len()), 100)
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	})
	b.Run("64-queries-all-cores", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			SearchAll(db, qs, 100)
		}
		b.ReportMetric(float64(b.N*qs.Len())/b.Elapsed().Seconds(), "queries/s")
	})
}
