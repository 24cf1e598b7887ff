package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/amvi/amvi/data"
)

// TestShardsMakeTheWhole encodes a feat file of 500 documents (8 blocks) in
// N = 1, 2, 3 and 7 shards and checks that each shard holds its own
// documents only, and that their lines, sorted by index, are byte for byte
// the output of one process.
func TestShardsMakeTheWhole(t *testing.T) {
	enc := loadTiny(t)
	input, _ := randomFeat(rand.New(rand.NewPCG(3, 4)), 500, enc.V(), true)
	path := filepath.Join(t.TempDir(), "input.feat")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	encode := func(args ...string) string {
		var stdout, stderr bytes.Buffer
		if err := run(append([]string{"-checkpoint", tiny, "-data", path}, args...), nil, &stdout, &stderr); err != nil {
			t.Fatalf("encode %v: %v", args, err)
		}
		return stdout.String()
	}
	want := encode()
	for _, n := range []int{1, 2, 3, 7} {
		var lines []string
		for i := range n {
			shard := data.Shard{I: i, N: n}
			out := encode("-shard", shard.String(), "-chunk", strconv.Itoa(1+i*37), "-workers", "2")
			for _, l := range strings.SplitAfter(out, "\n") {
				if l == "" {
					continue
				}
				if d := lineIndex(t, l); !shard.Has(d) {
					t.Fatalf("shard %v has document %d", shard, d)
				}
				lines = append(lines, l)
			}
		}
		slices.SortFunc(lines, func(a, b string) int { return lineIndex(t, a) - lineIndex(t, b) })
		if got := strings.Join(lines, ""); got != want {
			t.Errorf("N=%d: the shards' sorted lines differ from one process's output", n)
		}
	}
	var stdout, stderr bytes.Buffer
	for _, bad := range []string{"7/7", "x", "1/0"} {
		err := run([]string{"-checkpoint", tiny, "-data", path, "-shard", bad}, nil, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "shard") {
			t.Errorf("-shard %s: %v, want an error naming the shard", bad, err)
		}
	}
}

// lineIndex returns the index of a JSON Lines output line.
func lineIndex(t *testing.T, l string) int {
	var d int
	if _, err := fmt.Sscanf(l, `{"index":%d,`, &d); err != nil {
		t.Fatalf("line %q: %v", l, err)
	}
	return d
}
