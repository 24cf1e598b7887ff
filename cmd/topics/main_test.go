package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/topics"
	"github.com/amvi/amvi/train"
)

// tiny is package encoder's example model: 30 words, K=4, linear decoder.
const tiny = "../../testdata/encoder/tiny.safetensors"

func TestTopics(t *testing.T) {
	dir := t.TempDir()
	feat := filepath.Join(dir, "docs.feat")
	os.WriteFile(feat, []byte("1 1:2 5:1\n2 20:3 21:1 22:1\n1 3:1\n1\n"), 0o644)
	pngPath := filepath.Join(dir, "topics.png")
	var out bytes.Buffer
	if err := run([]string{"-checkpoint", tiny, "-data", feat, "-words", "3", "-factors", "3,0", "-png", pngPath, "-json"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Documents int
		Factors   []struct {
			Factor          int
			Words           []string
			On              *float64
			MeanProbability *float64 `json:"mean_probability"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	// What the library says, independently of the command.
	l, err := train.LoadModel(tiny)
	if err != nil {
		t.Fatal(err)
	}
	eff := topics.Effects(l.Model.Dec, l.Config.Alpha, 1, rand.New(rand.NewPCG(1, 0)))
	enc, err := encoder.Load(tiny)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Documents != 3 || len(rep.Factors) != 2 || rep.Factors[0].Factor != 3 || rep.Factors[1].Factor != 0 {
		t.Fatalf("report %+v", rep)
	}
	for _, f := range rep.Factors {
		v := enc.V()
		var want []string
		for _, id := range topics.Top(eff[f.Factor*v:(f.Factor+1)*v], 3) {
			want = append(want, l.Vocab[id])
		}
		if !slices.Equal(f.Words, want) {
			t.Errorf("factor %d: words %v, want %v", f.Factor, f.Words, want)
		}
		if f.On == nil || *f.On < 0 || *f.On > 1 || f.MeanProbability == nil || *f.MeanProbability <= 0 || *f.MeanProbability >= 1 {
			t.Errorf("factor %d: on %v, mean %v", f.Factor, f.On, f.MeanProbability)
		}
	}
	if rep.Factors[0].Words[0] != "moon" {
		t.Errorf("the space factor's first word is %q", rep.Factors[0].Words[0])
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("the PNG: %v", err)
	}

	// Without a corpus, usage is null, and the text form lists every factor.
	out.Reset()
	if err := run([]string{"-checkpoint", tiny, "-json"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"on":null,"mean_probability":null`) {
		t.Errorf("no null usage without -data: %s", out.String())
	}
	out.Reset()
	if err := run([]string{"-checkpoint", tiny}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 5 {
		t.Errorf("%d lines for 4 factors:\n%s", n, out.String())
	}
}

func TestBadArguments(t *testing.T) {
	dir := t.TempDir()
	wide := filepath.Join(dir, "wide.feat")
	os.WriteFile(wide, []byte("1 31:1\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-checkpoint is required"},
		{[]string{"-checkpoint", tiny, "-factors", "4"}, "not a factor index in 0..3"},
		{[]string{"-checkpoint", tiny, "-words", "0"}, "must be positive"},
		{[]string{"-checkpoint", tiny, "-data", wide}, "V=30"},
		{[]string{"-checkpoint", filepath.Join(dir, "missing")}, "no such file"},
	} {
		var out bytes.Buffer
		if err := run(tc.args, &out, &out); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
