package data

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ShardBlock is the number of consecutive documents that go to one shard
// together. It is eval's batch size, whose documents are evaluated
// together, and their figures depend on the batch (design §6): a shard
// made of whole blocks evaluates every document exactly as one process
// does.
const ShardBlock = 64

// A Shard is one share of a corpus for a job split over several
// processes: shard I of N holds the documents whose 0-based index d has
// ⌊d/ShardBlock⌋ mod N = I, so the N shards hold every document exactly
// once, for any N, and which shard a document is in depends on its index
// alone. The zero Shard is the whole corpus.
type Shard struct {
	I, N int
}

// ErrShard reports a malformed shard.
var ErrShard = errors.New(`want "i/N" with 0 ≤ i < N`)

// ParseShard reads a shard written "i/N", as Shard.String writes it.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: %w", s, ErrShard)
	}
	return Shard{I: i, N: n}, nil
}

// String returns "i/N", or "0/1" for the whole corpus.
func (s Shard) String() string {
	if s.N == 0 {
		return "0/1"
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// Count returns the number of shards, 1 for the zero Shard.
func (s Shard) Count() int { return max(s.N, 1) }

// HasBlock reports whether block b, documents b·ShardBlock to
// (b+1)·ShardBlock − 1, is in the shard.
func (s Shard) HasBlock(b int) bool { return s.N <= 1 || b%s.N == s.I }

// Has reports whether document d is in the shard.
func (s Shard) Has(d int) bool { return s.HasBlock(d / ShardBlock) }
