package par

import "testing"

// BenchmarkForOverhead measures a split of trivial work over the cores:
// the cost of starting and joining the parts.
func BenchmarkForOverhead(b *testing.B) {
	var sink [2]int
	b.ReportAllocs()
	for b.Loop() {
		For(2, 1, func(lo, hi int) { sink[lo]++ })
	}
}
