package data

import (
	"errors"
	"testing"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
	}{
		{"0/1", Shard{0, 1}},
		{"2/3", Shard{2, 3}},
		{"0/7", Shard{0, 7}},
	} {
		got, err := ParseShard(tc.in)
		if err != nil || got != tc.want || got.String() != tc.in {
			t.Errorf("ParseShard(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "1", "3/3", "-1/2", "1/0", "a/2", "1/b", "1/2/3", " 1/2"} {
		if _, err := ParseShard(bad); !errors.Is(err, ErrShard) {
			t.Errorf("ParseShard(%q): %v, want ErrShard", bad, err)
		}
	}
}

// TestShardsCoverOnce checks that the shards of every N hold each document
// exactly once, in whole blocks.
func TestShardsCoverOnce(t *testing.T) {
	const docs = 1000
	for _, n := range []int{1, 2, 3, 7, 20} {
		seen := make([]int, docs)
		for i := range n {
			s := Shard{I: i, N: n}
			for d := range docs {
				if s.Has(d) {
					seen[d]++
					if !s.Has(d/ShardBlock*ShardBlock) || !s.Has(d/ShardBlock*ShardBlock+ShardBlock-1) {
						t.Fatalf("shard %v holds document %d but not all of its block", s, d)
					}
				}
			}
		}
		for d, k := range seen {
			if k != 1 {
				t.Fatalf("N=%d: document %d is in %d shards", n, d, k)
			}
		}
	}
	var whole Shard
	if !whole.Has(12345) || whole.Count() != 1 {
		t.Error("the zero Shard is not the whole corpus")
	}
}
