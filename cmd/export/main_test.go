package main

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/train"
)

// tiny is a small trained checkpoint (V=30, K=4, hidden 16, log1p input)
// from before the configuration keys were named like the flags.
const tiny = "../../testdata/encoder/tiny.safetensors"

// docs returns n random documents over v words.
func docs(n, v int) []data.Document {
	rng := rand.New(rand.NewPCG(3, 4))
	var ds []data.Document
	for range n {
		var d data.Document
		for w := range v {
			if rng.IntN(4) == 0 {
				d.Words = append(d.Words, w)
				d.Counts = append(d.Counts, 1+rng.IntN(5))
			}
		}
		ds = append(ds, d)
	}
	return ds
}

func probs(t *testing.T, path string, ds []data.Document) [][]float64 {
	t.Helper()
	enc, err := encoder.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, d := range ds {
		p, err := enc.Probabilities(d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func maxDiff(a, b [][]float64) float64 {
	m := 0.0
	for i := range a {
		for j := range a[i] {
			m = math.Max(m, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return m
}

// TestExport exports in float32 and float64 and checks that the folder
// loads where a checkpoint does, with the probabilities of the checkpoint:
// the same bits in float64, within float32 rounding in float32.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	ds := docs(50, 30)
	want := probs(t, tiny, ds)
	for _, tc := range []struct {
		args  []string
		dtype string
		tol   float64
	}{
		{nil, "F32", 1e-5},
		{[]string{"-float64"}, "F64", 0},
	} {
		out := filepath.Join(dir, tc.dtype)
		var stdout, stderr bytes.Buffer
		if err := run(append([]string{"-checkpoint", tiny, "-out", out}, tc.args...), &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"model.safetensors", "config.json", "vocab.txt", "README.md"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Error(err)
			}
		}
		got := probs(t, out, ds)
		if d := maxDiff(got, want); d > tc.tol {
			t.Errorf("%s: probabilities differ from the checkpoint's by up to %.3g, want ≤ %g", tc.dtype, d, tc.tol)
		} else {
			t.Logf("%s: largest difference from the checkpoint's probabilities %.3g", tc.dtype, d)
		}
		if tc.dtype == "F32" && maxDiff(got, want) == 0 {
			t.Error("float32 export gave the float64 bits: not rounded")
		}
		// The whole model loads too (cmd/eval's path), from the folder and
		// from the file.
		for _, p := range []string{out, filepath.Join(out, "model.safetensors")} {
			l, err := train.LoadModel(p)
			if err != nil {
				t.Fatalf("LoadModel(%s): %v", p, err)
			}
			if l.Config.K != 4 || l.Config.V != 30 || len(l.Vocab) != 30 {
				t.Errorf("LoadModel(%s): K=%d V=%d, %d words", p, l.Config.K, l.Config.V, len(l.Vocab))
			}
		}
		var ec train.ExportConfig
		b, err := os.ReadFile(filepath.Join(out, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &ec); err != nil {
			t.Fatal(err)
		}
		if ec.DType != tc.dtype || ec.Architecture.V != 30 || ec.Architecture.K != 4 || ec.Architecture.Input != encoder.InputLog1p ||
			ec.Training.Steps != 825 || ec.Training.BestValidELBO == nil || len(ec.Architecture.Tensors) != 6 {
			t.Errorf("config.json: %s", b)
		}
		if !strings.Contains(string(b), `"clip": 0`) || strings.Contains(string(b), "clip_norm") {
			t.Errorf("config.json does not name the settings like the flags: %s", b)
		}
		vocab, _ := os.ReadFile(filepath.Join(out, "vocab.txt"))
		if !strings.HasPrefix(string(vocab), "rocket\norbit\n") {
			t.Errorf("vocab.txt starts %q", vocab[:min(20, len(vocab))])
		}
	}
	// The F32 file is about half the F64 one, and much smaller than the
	// checkpoint with Adam's moments.
	s32, _ := os.Stat(filepath.Join(dir, "F32", "model.safetensors"))
	s64, _ := os.Stat(filepath.Join(dir, "F64", "model.safetensors"))
	sck, _ := os.Stat(tiny)
	if !(s32.Size() < s64.Size() && s64.Size() < sck.Size()) {
		t.Errorf("sizes: F32 %d, F64 %d, checkpoint %d bytes", s32.Size(), s64.Size(), sck.Size())
	}
}

func TestExportRefuses(t *testing.T) {
	dir := t.TempDir()
	run1 := filepath.Join(dir, "run")
	os.MkdirAll(run1, 0o755)
	ck := filepath.Join(run1, "best.safetensors")
	b, _ := os.ReadFile(tiny)
	os.WriteFile(ck, b, 0o644)
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, []byte("not a checkpoint"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-checkpoint", ck, "-out", run1}, "run folder"},
		{[]string{"-checkpoint", bad, "-out", filepath.Join(dir, "x")}, "bad.safetensors"},
		{[]string{"-checkpoint", filepath.Join(dir, "missing"), "-out", filepath.Join(dir, "x")}, "missing"},
		{[]string{"-out", filepath.Join(dir, "x")}, "required"},
		{[]string{"-checkpoint", ck, "-out", filepath.Join(dir, "x"), "stray"}, "unexpected argument"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(tc.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
	// A run folder as -checkpoint exports its best.safetensors.
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-checkpoint", run1, "-out", filepath.Join(dir, "ok")}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
}

// pyPrelude gives the model card's lines a load_file when the safetensors
// package is not installed (Debian has none): a reader of the format with
// json, struct and torch.frombuffer.
const pyPrelude = `
import json, struct, sys, torch
try:
    import safetensors.torch
except ImportError:
    import types
    def _load_file(path):
        b = open(path, "rb").read()
        n, = struct.unpack("<Q", b[:8])
        h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
        dt = {"F32": torch.float32, "F64": torch.float64}
        out = {}
        for k, v in h.items():
            s, e = v["data_offsets"]
            out[k] = torch.frombuffer(bytearray(b[8 + n + s:8 + n + e]), dtype=dt[v["dtype"]]).reshape(v["shape"])
        return out
    m = types.ModuleType("safetensors"); m.torch = types.ModuleType("safetensors.torch"); m.torch.load_file = _load_file
    sys.modules["safetensors"] = m; sys.modules["safetensors.torch"] = m.torch
`

// pyEpilogue encodes the dense counts in argv[1] (JSON) with the card's
// call of enc, which replaces %s.
const pyEpilogue = `
counts = torch.tensor(json.load(open(sys.argv[1])), dtype=torch.float32)
with torch.no_grad():
    print(json.dumps(%s.double().tolist()))
`

// TestPyTorchLoadsExport runs the PyTorch lines of the export's model card
// with Debian's python3-torch, where it is installed, and compares the
// probabilities with the Go encoder's on the same export.
func TestPyTorchLoadsExport(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		t.Skip("/usr/bin/python3 with torch (Debian's python3-torch) is not installed")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "export")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-checkpoint", tiny, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(card), "```python\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatalf("the model card has no python block:\n%s", card)
	}
	if n := strings.Count(strings.TrimSpace(block), "\n") + 1; n != 5 {
		t.Errorf("the PyTorch block has %d lines, want 5:\n%s", n, block)
	}
	block = strings.ReplaceAll(block, "path/to/this/folder", out)
	_, call, _ := strings.Cut(string(card), "Then `")
	call, _, _ = strings.Cut(call, "` gives")
	if call != "enc(torch.log1p(counts))" {
		t.Errorf("the card says %q, want enc(torch.log1p(counts)) for this log1p encoder", call)
	}
	ds := docs(40, 30)
	dense := make([][]float64, len(ds))
	for i, d := range ds {
		dense[i] = make([]float64, 30)
		for k, w := range d.Words {
			dense[i][w] = float64(d.Counts[k])
		}
	}
	countsPath := filepath.Join(dir, "counts.json")
	b, _ := json.Marshal(dense)
	os.WriteFile(countsPath, b, 0o644)
	script := filepath.Join(dir, "load.py")
	os.WriteFile(script, []byte(pyPrelude+block+strings.Replace(pyEpilogue, "%s", call, 1)), 0o644)
	cmd := exec.Command("/usr/bin/python3", script, countsPath)
	var pyOut, pyErr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &pyOut, &pyErr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python: %v\n%s\n%s", err, pyErr.String(), block)
	}
	var torchProbs [][]float64
	if err := json.Unmarshal(pyOut.Bytes(), &torchProbs); err != nil {
		t.Fatalf("python output: %v\n%s", err, pyOut.String())
	}
	goProbs := probs(t, out, ds)
	if len(torchProbs) != len(goProbs) {
		t.Fatalf("%d rows from PyTorch, %d from Go", len(torchProbs), len(goProbs))
	}
	// PyTorch computes in float32: its rounding, not the weights, makes the
	// difference.
	d := maxDiff(torchProbs, goProbs)
	t.Logf("largest difference between PyTorch's and Go's probabilities: %.3g", d)
	if d > 1e-5 {
		t.Errorf("PyTorch's probabilities differ from Go's by up to %.3g, want ≤ 1e-5", d)
	}
}

// TestExportKeepsLearnedPrior trains briefly with -prior learned and checks
// that the export carries the prior's logits: the model loaded from it has
// the checkpoint's prior.
func TestExportKeepsLearnedPrior(t *testing.T) {
	cfg := train.DefaultConfig()
	cfg.K, cfg.Hidden, cfg.Epochs, cfg.Samples, cfg.Batch, cfg.LR, cfg.Prior = 4, []int{8}, 1, 2, 16, 0.05, train.PriorLearned
	ds := docs(64, 30)
	c := &data.Corpus{Docs: ds, V: 30}
	dir := t.TempDir()
	run1 := filepath.Join(dir, "run")
	tr, err := train.New(cfg, run1, c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	want, err := train.LoadModel(filepath.Join(run1, train.LastFile))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "export")
	if err := run([]string{"-checkpoint", filepath.Join(run1, train.LastFile), "-out", out, "-float64"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	got, err := train.LoadModel(out)
	if err != nil {
		t.Fatal(err)
	}
	moved := false
	for j, v := range want.Model.Prior.Logit {
		if got.Model.Prior.Logit[j] != v {
			t.Errorf("prior logit %d: %v, want %v", j, got.Model.Prior.Logit[j], v)
		}
		moved = moved || v != want.Model.Prior.Logit[0]
	}
	if !moved {
		t.Log("the learned prior's logits are all equal")
	}
}
