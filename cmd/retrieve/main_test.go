package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
)

// writeModel saves an encoder with random weights as a model checkpoint.
func writeModel(t *testing.T, dir string, v, k int) string {
	t.Helper()
	cfg := encoder.Config{V: v, K: k, Hidden: []int{8}, Activation: encoder.Tanh, Input: encoder.InputCounts}
	enc, err := encoder.New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	c := &checkpoints.Checkpoint{Metadata: map[string]string{"kind": "amvi-model"}}
	for i, l := range enc.Net.Layers {
		c.Add(fmt.Sprintf("encoder.layers.%d.weight", i), []int{l.In, l.Out}, l.W)
		c.Add(fmt.Sprintf("encoder.layers.%d.bias", i), []int{l.Out}, l.B)
	}
	js, _ := json.Marshal(map[string]any{"V": v, "K": k, "hidden": cfg.Hidden, "activation": cfg.Activation, "input": cfg.Input})
	c.Metadata["config"] = string(js)
	words := make([]string, v)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	js, _ = json.Marshal(words)
	c.Metadata["vocabulary"] = string(js)
	sum := sha256.Sum256([]byte(strings.Join(words, "\n")))
	c.Metadata["vocabulary_sha256"] = hex.EncodeToString(sum[:])
	path := filepath.Join(dir, "model.safetensors")
	if err := checkpoints.Save(path, c); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFeat writes n labelled documents over v words: the label picks the
// block of words a document mostly draws from, and some documents carry
// two labels.
func writeFeat(t *testing.T, path string, rng *rand.Rand, n, v int) {
	t.Helper()
	var b strings.Builder
	for range n {
		g := rng.IntN(4)
		label := fmt.Sprint(g)
		if rng.IntN(5) == 0 {
			label += fmt.Sprintf(",%d", (g+1)%4)
		}
		counts := map[int]int{}
		for range 3 + rng.IntN(20) {
			w := rng.IntN(v)
			if rng.IntN(4) > 0 {
				w = g*v/4 + rng.IntN(v/4)
			}
			counts[w+1]++
		}
		b.WriteString(label)
		for _, id := range slices.Sorted(func(yield func(int) bool) {
			for id := range counts {
				if !yield(id) {
					return
				}
			}
		}) {
			fmt.Fprintf(&b, " %d:%d", id, counts[id])
		}
		b.WriteByte('\n')
	}
	b.WriteString("2\n") // an empty document, skipped
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// bruteForce computes precision@k from the encoder's codes with none of
// package hashing: distances bit by bit, a stable sort, labels compared
// as sets.
func bruteForce(t *testing.T, model, dbPath, qPath string, k int, median bool) float64 {
	t.Helper()
	enc, err := encoder.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	load := func(p string) (*data.Corpus, [][]float64) {
		c, err := data.LoadFeat(p, data.FeatOptions{Labels: true, V: enc.V()})
		if err != nil {
			t.Fatal(err)
		}
		logits := make([][]float64, c.Len())
		for i, d := range c.Docs {
			if logits[i], err = enc.Logits(d); err != nil {
				t.Fatal(err)
			}
		}
		return c, logits
	}
	db, dl := load(dbPath)
	qs, ql := load(qPath)
	th := make([]float64, enc.K())
	if median {
		for j := range th {
			col := make([]float64, len(dl))
			for i := range dl {
				col[i] = dl[i][j]
			}
			slices.Sort(col)
			n := len(col)
			th[j] = (col[(n-1)/2] + col[n/2]) / 2
		}
	}
	codes := func(ls [][]float64) [][]bool {
		out := make([][]bool, len(ls))
		for i, l := range ls {
			out[i] = make([]bool, len(l))
			for j, x := range l {
				out[i][j] = x > th[j]
			}
		}
		return out
	}
	dbCodes, qCodes := codes(dl), codes(ql)
	sum := 0.0
	for q, qc := range qCodes {
		idx := make([]int, len(dbCodes))
		dist := make([]int, len(dbCodes))
		for i, c := range dbCodes {
			idx[i] = i
			for j := range c {
				if c[j] != qc[j] {
					dist[i]++
				}
			}
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(dist[a], dist[b]) })
		hits := 0
		for _, i := range idx[:k] {
			for _, l := range qs.Labels[q] {
				if slices.Contains(db.Labels[i], l) {
					hits++
					break
				}
			}
		}
		sum += float64(hits) / float64(k)
	}
	return sum / float64(len(qCodes))
}

func TestPrecisionMatchesBruteForce(t *testing.T) {
	dir := t.TempDir()
	const v, k = 40, 6
	model := writeModel(t, dir, v, k)
	rng := rand.New(rand.NewPCG(3, 4))
	dbPath, qPath := filepath.Join(dir, "db.feat"), filepath.Join(dir, "q.feat")
	writeFeat(t, dbPath, rng, 300, v)
	writeFeat(t, qPath, rng, 50, v)
	for _, th := range []string{"zero", "median"} {
		var out bytes.Buffer
		args := []string{"-checkpoint", model, "-database", dbPath, "-queries", qPath, "-k", "20", "-threshold", th, "-json"}
		if err := run(args, &out, &out); err != nil {
			t.Fatal(err)
		}
		var rep report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		want := bruteForce(t, model, dbPath, qPath, 20, th == "median")
		if math.Abs(rep.PrecisionAtK-want) > 1e-12 {
			t.Errorf("%s: precision_at_k %v, brute force %v", th, rep.PrecisionAtK, want)
		}
		if rep.K != 20 || rep.Queries != 50 || rep.Database != 300 || rep.Bits != k || rep.Threshold != th {
			t.Errorf("%s: report %+v", th, rep)
		}
		for _, b := range []string{"lsh", "pca"} {
			if p, ok := rep.Baselines[b]; !ok || p < 0 || p > 1 {
				t.Errorf("%s: baseline %s = %v, %v", th, b, p, ok)
			}
		}
		// The blocks of words carry the labels, so tf-idf finds them.
		if rep.Baselines["pca"] < 0.5 {
			t.Errorf("%s: PCA precision %v on labelled word blocks", th, rep.Baselines["pca"])
		}
		var again bytes.Buffer
		if err := run(args, &again, &again); err != nil {
			t.Fatal(err)
		}
		if again.String() != out.String() {
			t.Errorf("%s: a second run differs:\n%s\n%s", th, out.String(), again.String())
		}
	}
}

func TestBadArguments(t *testing.T) {
	dir := t.TempDir()
	model := writeModel(t, dir, 10, 3)
	good := filepath.Join(dir, "good.feat")
	os.WriteFile(good, []byte("1 1:1\n2 2:3\n"), 0o644)
	bad := filepath.Join(dir, "bad.feat")
	os.WriteFile(bad, []byte("1 1:1\n1,,2 2:1\n"), 0o644)
	wide := filepath.Join(dir, "wide.feat")
	os.WriteFile(wide, []byte("1 11:1\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-checkpoint", model, "-database", good}, "-checkpoint, -database and -queries are required"},
		{[]string{"-checkpoint", model, "-database", good, "-queries", good, "-format", "text"}, "only the feat format has them"},
		{[]string{"-checkpoint", model, "-database", good, "-queries", good, "-k", "0"}, "-k 0"},
		{[]string{"-checkpoint", model, "-database", good, "-queries", good, "-threshold", "mean"}, `-threshold "mean"`},
		{[]string{"-checkpoint", model, "-database", good, "-queries", bad}, "bad.feat:2: label field"},
		{[]string{"-checkpoint", model, "-database", wide, "-queries", good}, "wide.feat:1"},
		{[]string{"-checkpoint", good, "-database", good, "-queries", good}, "good.feat"},
	} {
		var out bytes.Buffer
		err := run(tc.args, &out, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
