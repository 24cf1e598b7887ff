package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
)

// tiny is the examples' model of package encoder: 30 words, K=4.
const tiny = "../../testdata/encoder/tiny.safetensors"

type line struct {
	Index int       `json:"index"`
	Label *string   `json:"label"`
	Code  string    `json:"code"`
	Hex   string    `json:"hex"`
	Probs []float64 `json:"probs"`
}

// hexOf spells a bit string four bits to a hexadecimal digit, the first
// bit most significant, the last digit padded with zeros.
func hexOf(bits string) string {
	for len(bits)%4 != 0 {
		bits += "0"
	}
	var b strings.Builder
	for i := 0; i < len(bits); i += 4 {
		v, _ := strconv.ParseUint(bits[i:i+4], 2, 8)
		fmt.Fprintf(&b, "%x", v)
	}
	return b.String()
}

// encodeFile runs the command with -probs on the given input and returns
// its parsed JSON Lines output.
func encodeFile(t *testing.T, input string, args ...string) []line {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(append([]string{"-checkpoint", tiny, "-data", path, "-probs"}, args...), nil, &stdout, &stderr); err != nil {
		t.Fatalf("encode %v: %v", args, err)
	}
	var lines []line
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// expect checks output lines against the encoder's API for the documents
// with the given indices. Probabilities are written in their shortest exact
// form, so they must match bit for bit.
func expect(t *testing.T, enc *encoder.Frozen, got []line, docs []data.Document, index []int) {
	t.Helper()
	if len(got) != len(docs) {
		t.Fatalf("%d output lines, want %d", len(got), len(docs))
	}
	for i, d := range docs {
		p, err := enc.Probabilities(d)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := enc.Code(d)
		if got[i].Index != index[i] || !slices.Equal(got[i].Probs, p) || got[i].Code != c.String() || got[i].Hex != hexOf(c.String()) {
			t.Fatalf("line %d: %+v, want index %d, %v, %v, %s", i, got[i], index[i], p, c, hexOf(c.String()))
		}
	}
}

func loadTiny(t *testing.T) *encoder.Frozen {
	t.Helper()
	enc, err := encoder.Load(tiny)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// randomFeat returns n random feat lines over V words, some of them empty,
// and their documents.
func randomFeat(rng *rand.Rand, n, v int, label bool) (string, []data.Document) {
	var b strings.Builder
	docs := make([]data.Document, n)
	for i := range docs {
		if label {
			fmt.Fprintf(&b, "%d", rng.IntN(20))
		}
		if rng.IntN(7) > 0 { // else an empty document
			var d data.Document
			for w := range v {
				if rng.IntN(5) == 0 {
					d.Words = append(d.Words, w)
					d.Counts = append(d.Counts, 1+rng.IntN(9))
				}
			}
			// tokens in a shuffled order, separated by tabs or spaces
			for _, j := range rng.Perm(len(d.Words)) {
				b.WriteString([]string{" ", "\t", "  "}[rng.IntN(3)])
				fmt.Fprintf(&b, "%d:%d", d.Words[j]+1, d.Counts[j])
			}
			docs[i] = d
		}
		b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
	}
	return b.String(), docs
}

func upTo(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// TestFeatInOrder encodes random feat files with several workers and
// chunks smaller than the input, so that chunks finish out of order.
func TestFeatInOrder(t *testing.T) {
	enc := loadTiny(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, label := range []bool{true, false} {
		input, docs := randomFeat(rng, 103, enc.V(), label)
		format := "feat"
		if !label {
			format = "feat-nolabel"
		}
		for _, args := range [][]string{
			{"-workers", "1"},
			{"-workers", "4", "-chunk", "3"},
			{"-workers", "3", "-chunk", "1"},
		} {
			got := encodeFile(t, "\uFEFF"+input, append(args, "-format", format)...)
			expect(t, enc, got, docs, upTo(len(docs)))
		}
		// -skip-empty leaves out the empty documents but keeps the indices.
		got := encodeFile(t, input, "-format", format, "-skip-empty", "-chunk", "5")
		var kept []data.Document
		var index []int
		for i, d := range docs {
			if len(d.Words) > 0 {
				kept, index = append(kept, d), append(index, i)
			}
		}
		expect(t, enc, got, kept, index)
	}
}

// TestDefaultOutput: without -probs a line holds the index, the code and
// its hex form, and nothing else.
func TestDefaultOutput(t *testing.T) {
	enc := loadTiny(t)
	input, docs := randomFeat(rand.New(rand.NewPCG(7, 8)), 30, enc.V(), true)
	path := filepath.Join(t.TempDir(), "in.feat")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run([]string{"-checkpoint", tiny, "-data", path, "-chunk", "4"}, nil, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	i := 0
	for l := range strings.Lines(stdout.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		c, _ := enc.Code(docs[i])
		want := map[string]any{"index": float64(i), "code": c.String(), "hex": hexOf(c.String())}
		if fmt.Sprint(m) != fmt.Sprint(want) {
			t.Fatalf("line %d: %v, want %v", i, m, want)
		}
		i++
	}
	if i != len(docs) {
		t.Errorf("%d lines for %d documents", i, len(docs))
	}
}

// TestLabel passes the feat label field through, in JSON escaped and in
// CSV quoted where needed, empty documents included.
func TestLabel(t *testing.T) {
	input := "3 1:1\n3,7 2:2\nsci.space\n\"odd\\ 4:1\n=1+2 5:1\n"
	labels := []string{"3", "3,7", "sci.space", `"odd\`, "=1+2"}
	got := encodeFile(t, input, "-label")
	if len(got) != len(labels) {
		t.Fatalf("%d lines", len(got))
	}
	for i, l := range got {
		if l.Label == nil || *l.Label != labels[i] {
			t.Errorf("line %d: label %v, want %q", i, l.Label, labels[i])
		}
	}
	path := filepath.Join(t.TempDir(), "in.feat")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run([]string{"-checkpoint", tiny, "-data", path, "-label", "-csv"}, nil, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&stdout).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(rows[0], ","); h != "index,label,code,hex" {
		t.Errorf("header %q", h)
	}
	for i, r := range rows[1:] {
		if r[1] != labels[i] || r[2] != "b"+got[i].Code || r[3] != "x"+got[i].Hex {
			t.Errorf("row %d: %q, want label %q, b%s, x%s", i, r, labels[i], got[i].Code, got[i].Hex)
		}
	}
}

func TestText(t *testing.T) {
	enc := loadTiny(t)
	texts := []string{
		"The rocket reached orbit, and the rocket's crew landed on the moon.",
		"",
		"Bake the bread: flour, butter, salt.",
		"nothing here is known",
		"GOAL! The team won the match.",
	}
	var docs []data.Document
	for _, s := range texts {
		d, _, err := enc.Document(s)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	got := encodeFile(t, strings.Join(texts, "\n"), "-format", "text", "-chunk", "2")
	expect(t, enc, got, docs, upTo(len(docs)))
	if len(docs[0].Words) == 0 || docs[0].Counts[slices.Index(docs[0].Words, 0)] != 2 {
		t.Errorf("document 0: %v (rocket should count twice)", docs[0])
	}
}

func TestUCI(t *testing.T) {
	enc := loadTiny(t)
	// Documents 1, 3, 4 and 7 have entries; 2, 5, 6, 8 and 9 are empty.
	input := "9\n30\n8\n" +
		"1 5 2\n1 2 1\n" +
		"\n" +
		"3 30 1\n" +
		"4 1 3\n4 10 1\n4 3 2\n" +
		"7 12 1\n7 11 4\n"
	docs := []data.Document{
		{Words: []int{1, 4}, Counts: []int{1, 2}},
		{},
		{Words: []int{29}, Counts: []int{1}},
		{Words: []int{0, 2, 9}, Counts: []int{3, 2, 1}},
		{}, {},
		{Words: []int{10, 11}, Counts: []int{4, 1}},
		{}, {},
	}
	for _, chunk := range []string{"1", "2", "4", "100"} {
		got := encodeFile(t, input, "-format", "uci", "-chunk", chunk, "-workers", "3")
		expect(t, enc, got, docs, upTo(len(docs)))
	}
}

func TestCSV(t *testing.T) {
	enc := loadTiny(t)
	input, docs := randomFeat(rand.New(rand.NewPCG(3, 4)), 20, enc.V(), true)
	path := filepath.Join(t.TempDir(), "in.feat")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.csv")
	if err := run([]string{"-checkpoint", tiny, "-data", path, "-csv", "-probs", "-out", out, "-chunk", "3"}, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(rows[0], ","); h != "index,code,hex,p0,p1,p2,p3" {
		t.Errorf("header %q", h)
	}
	var got []line
	for _, r := range rows[1:] {
		var l line
		l.Index, _ = strconv.Atoi(r[0])
		for _, s := range r[3:7] {
			p, _ := strconv.ParseFloat(s, 64)
			l.Probs = append(l.Probs, p)
		}
		// The codes carry a letter, so that spreadsheets keep them as text.
		code, ok1 := strings.CutPrefix(r[1], "b")
		hx, ok2 := strings.CutPrefix(r[2], "x")
		if !ok1 || !ok2 {
			t.Fatalf("codes %q and %q without their b and x", r[1], r[2])
		}
		l.Code, l.Hex = code, hx
		got = append(got, l)
	}
	expect(t, enc, got, docs, upTo(len(docs)))
}

// TestBadInput requires an error naming the file and line, and no output
// file left behind.
func TestBadInput(t *testing.T) {
	many := strings.Repeat("1 3:1 4:2\n", 10)
	for _, tc := range []struct {
		format, input, want string
	}{
		{"feat", many + "1 31:1\n", ":11: token \"31:1\": id 31 out of range 1..30"},
		{"feat", many + many + "1 3:0\n", ":21: token \"3:0\": count 0 is not positive"},
		{"feat", many + "1 3:1 3:2\n", ":11: duplicate id 3"},
		{"feat", many + "1 0:1\n", ":11: token \"0:1\": id 0 out of range"},
		{"feat-nolabel", "3:1\n4:x\n", ":2: token \"4:x\": count \"x\" is not an integer"},
		{"feat", "3:1 4:1\n", ":1: first field \"3:1\" looks like id:count"},
		{"text", "rocket\nmoon \xff\n", ":2: invalid UTF-8"},
		{"text", "rocket\n\nmoon\x00\n", ":3: NUL byte at column 5"},
		{"uci", "2\n30\n2\n1 1 1\n3 1 1\n", ":5: docID 3 out of range 1..2"},
		{"uci", "2\n31\n2\n", ":2: header: W=31 but the encoder has V=30"},
		{"uci", "2\n30\n2\n2 1 1\n1 1 1\n", ":5: docID 1 after docID 2"},
		{"uci", "2\n30\n2\n1 1 1\n1 1 2\n", ":5: duplicate entry for doc 1 word 1"},
		{"uci", "2\n30\n3\n1 1 1\n1 2 2\n", "header says NNZ=3 but there are 2 entries"},
		{"uci", "2\n30\n1\n1 1 -1\n", ":4: count -1 is not positive"},
		{"uci", "2\n30\n1\n1 31 1\n", ":4: wordID 31 out of range 1..30"},
		{"uci", "2\n30\n", ":2: header: missing NNZ"},
		{"uci", "2\n30\n1\n1 1 1 1\n", ":4: want 3 fields \"docID wordID count\", got more"},
		{"uci", "2\n30\n1\n1 x 1\n", ":4: wordID \"x\" is not an integer"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "in")
		if err := os.WriteFile(path, []byte(tc.input), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out.jsonl")
		err := run([]string{"-checkpoint", tiny, "-data", path, "-format", tc.format, "-chunk", "4", "-out", out}, nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), path+tc.want) && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %v, want one containing %q", tc.format, tc.input, err, path+tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), path) {
			t.Errorf("%s %q: error %v does not name the file", tc.format, tc.input, err)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s %q: the output file was left behind (%v)", tc.format, tc.input, err)
		}
	}
}

func TestBadArguments(t *testing.T) {
	dir := t.TempDir()
	feat := filepath.Join(dir, "in.feat")
	if err := os.WriteFile(feat, []byte("1 1:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vocab := filepath.Join(dir, "vocab.txt")
	if err := os.WriteFile(vocab, []byte("x\ny\nz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	otherVocab := filepath.Join(dir, "other.txt")
	var words strings.Builder
	for i := range 30 {
		fmt.Fprintf(&words, "w%d\n", i)
	}
	if err := os.WriteFile(otherVocab, []byte(words.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// A model checkpoint of another kind.
	c, err := checkpoints.Load(tiny)
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata["kind"] = "something-else"
	otherKind := filepath.Join(dir, "other.safetensors")
	if err := checkpoints.Save(otherKind, c); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", feat}, "-checkpoint and -data are required"},
		{[]string{"-checkpoint", tiny, "-data", feat, "-format", "csv"}, `unknown format "csv"`},
		{[]string{"-checkpoint", tiny, "-data", feat, "-workers", "0"}, "must be positive"},
		{[]string{"-checkpoint", tiny, "-data", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"-checkpoint", filepath.Join(dir, "missing"), "-data", feat}, "no such file"},
		{[]string{"-checkpoint", otherKind, "-data", feat}, `kind "something-else"`},
		{[]string{"-checkpoint", tiny, "-data", feat, "-vocab", vocab}, "has 3 words"},
		{[]string{"-checkpoint", tiny, "-data", feat, "-vocab", otherVocab}, "differs from the vocabulary stored"},
		{[]string{"-checkpoint", tiny, "-data", feat, "-format", "feat-nolabel", "-label"}, "-label needs the feat format"},
	} {
		var stderr bytes.Buffer
		err := run(tc.args, nil, &bytes.Buffer{}, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestStandardInput(t *testing.T) {
	enc := loadTiny(t)
	input, docs := randomFeat(rand.New(rand.NewPCG(5, 6)), 10, enc.V(), true)
	var stdout bytes.Buffer
	if err := run([]string{"-checkpoint", tiny, "-data", "-"}, strings.NewReader(input), &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stdout.String(), "\n"); n != len(docs) {
		t.Errorf("%d lines for %d documents", n, len(docs))
	}
}

// Test20News encodes the 20 Newsgroups test set with the default
// architecture and checks every line against the encoder's API.
func Test20News(t *testing.T) {
	var dir string
	for _, d := range []string{"../../../shared/data/20news", "../../shared/data/20news"} {
		if _, err := os.Stat(filepath.Join(d, "test.feat")); err == nil {
			dir = d
		}
	}
	if dir == "" {
		t.Skip("20news data not found in ../../../shared/data/20news (shared/data/20news beside the repository root); skipping the real-data test")
	}
	vocab, err := data.LoadVocab(filepath.Join(dir, "vocab.new"))
	if err != nil {
		t.Fatal(err)
	}
	feat := filepath.Join(dir, "test.feat")
	corpus, err := data.LoadFeat(feat, data.FeatOptions{V: vocab.Len()})
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "model.safetensors")
	if err := checkpoints.Save(model, modelCheckpoint(t, vocab.Words(), 500, 50)); err != nil {
		t.Fatal(err)
	}
	enc, err := encoder.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run([]string{"-checkpoint", model, "-data", feat, "-vocab", filepath.Join(dir, "vocab.new"), "-skip-empty", "-probs"}, nil, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var got []line
	for l := range strings.Lines(stdout.String()) {
		var v line
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if len(got) != corpus.Len() {
		t.Fatalf("%d lines for %d non-empty documents", len(got), corpus.Len())
	}
	// The corpus reader skips the empty documents; the indices count them:
	// they are the lines with words.
	raw, err := os.ReadFile(feat)
	if err != nil {
		t.Fatal(err)
	}
	var index []int
	for i, l := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		if len(strings.Fields(l)) > 1 {
			index = append(index, i)
		}
	}
	if len(index) != len(got) {
		t.Fatalf("%d lines with words, %d output lines", len(index), len(got))
	}
	// Check every fifth document in full (all of them take long under -race).
	var some []line
	var docs []data.Document
	var someIndex []int
	for i := 0; i < len(got); i += 5 {
		some, docs, someIndex = append(some, got[i]), append(docs, corpus.Docs[i]), append(someIndex, index[i])
	}
	for i, l := range got {
		if l.Index != index[i] {
			t.Fatalf("line %d: index %d, want %d", i, l.Index, index[i])
		}
	}
	expect(t, enc, some, docs, someIndex)
}

// modelCheckpoint returns a model checkpoint in the form training writes,
// holding only what encode reads: an encoder over words with one tanh
// hidden layer of the given width, K factors and random weights.
func modelCheckpoint(t testing.TB, words []string, hidden, k int) *checkpoints.Checkpoint {
	t.Helper()
	cfg := encoder.Config{V: len(words), K: k, Hidden: []int{hidden}, Activation: encoder.Tanh, Input: encoder.InputCounts}
	enc, err := encoder.New(cfg, rand.New(rand.NewPCG(8, 9)))
	if err != nil {
		t.Fatal(err)
	}
	c := &checkpoints.Checkpoint{Metadata: map[string]string{"kind": "amvi-model"}}
	for i, l := range enc.Net.Layers {
		for j := range l.B {
			l.B[j] = 0.1 * float64(j%7-3)
		}
		c.Add(fmt.Sprintf("encoder.layers.%d.weight", i), []int{l.In, l.Out}, l.W)
		c.Add(fmt.Sprintf("encoder.layers.%d.bias", i), []int{l.Out}, l.B)
	}
	js, err := json.Marshal(map[string]any{"V": cfg.V, "K": cfg.K, "hidden": cfg.Hidden, "activation": cfg.Activation, "input": cfg.Input})
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata["config"] = string(js)
	if js, err = json.Marshal(words); err != nil {
		t.Fatal(err)
	}
	c.Metadata["vocabulary"] = string(js)
	sum := sha256.Sum256([]byte(strings.Join(words, "\n")))
	c.Metadata["vocabulary_sha256"] = hex.EncodeToString(sum[:])
	return c
}

// TestFailureKeepsTheOutput runs failing encodings into an existing file, a
// symbolic link and a device: each must be left as it was, and -out naming
// an input is refused before anything is written.
func TestFailureKeepsTheOutput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.feat")
	good := filepath.Join(dir, "good.feat")
	os.WriteFile(bad, []byte("1 3:1\n1 31:1\n"), 0o644)
	os.WriteFile(good, []byte("1 3:1\n"), 0o644)
	existing := filepath.Join(dir, "existing.jsonl")
	os.WriteFile(existing, []byte("precious\n"), 0o644)
	target := filepath.Join(dir, "target.jsonl")
	os.WriteFile(target, []byte("precious\n"), 0o644)
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{existing, link, os.DevNull} {
		if err := run([]string{"-checkpoint", tiny, "-data", bad, "-out", out}, nil, nil, nil); err == nil {
			t.Errorf("-out %s: bad input accepted", out)
		}
	}
	for _, p := range []string{existing, target} {
		if b, err := os.ReadFile(p); err != nil || string(b) != "precious\n" {
			t.Errorf("%s after a failed encoding: %q, %v", p, b, err)
		}
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is gone: %v", err)
	}
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Errorf("%s: %v", os.DevNull, err)
	}
	// Success through the link replaces the target and keeps the link.
	if err := run([]string{"-checkpoint", tiny, "-data", good, "-out", link}, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); !strings.HasPrefix(string(b), `{"index":0,`) {
		t.Errorf("target after encoding through the link: %q", b)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file: %v", err)
	}
	// The output may not be one of the inputs.
	ckpt := filepath.Join(dir, "model.safetensors")
	b, err := os.ReadFile(tiny)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(ckpt, b, 0o644)
	for _, in := range []string{good, ckpt} {
		before, _ := os.ReadFile(in)
		err := run([]string{"-checkpoint", ckpt, "-data", good, "-out", in}, nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "-out") {
			t.Errorf("-out %s (an input): %v", in, err)
		}
		if after, _ := os.ReadFile(in); !bytes.Equal(before, after) {
			t.Errorf("%s changed", in)
		}
	}
	// A write error on standard output is an error.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	if err := run([]string{"-checkpoint", tiny, "-data", good}, nil, full, nil); err == nil || !strings.Contains(err.Error(), "standard output") {
		t.Errorf("writing to /dev/full: %v", err)
	}
}
