package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amvi/amvi/internal/testcorpus"
	"github.com/amvi/amvi/train"
)

// TestTrainOnFiles runs the command end to end on feat files with a
// held-out test file.
func TestTrainOnFiles(t *testing.T) {
	dir := t.TempDir()
	f, err := testcorpus.Write(dir, 80, 400, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	var stdout, stderr bytes.Buffer
	err = run([]string{"-train", f.Train, "-test", f.Test, "-vocab", f.Vocab, "-out", out,
		"-K", "6", "-hidden", "20", "-epochs", "2", "-samples", "2", "-iw-samples", "10"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"held-out evaluation", "perplexity (per document)", "IW bound per document (S=10)", "(1 empty documents skipped)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, name := range []string{"last.safetensors", "best.safetensors", "metrics.jsonl", "curve.png", "config.json", "eval.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	// -resume of a finished run has nothing left to do, and says so.
	stdout.Reset()
	if err := run([]string{"-resume", "-out", out, "-iw-samples", "0"}, &stdout, &stderr); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr.String())
	}
}

func TestBadInputIsAnError(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.feat")
	if err := os.WriteFile(bad, []byte("1 3:2 4:1\n1 5:x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-train", bad, "-out", filepath.Join(dir, "run")}, "bad.feat:2"},
		{[]string{"-train", filepath.Join(dir, "missing.feat"), "-out", filepath.Join(dir, "run")}, "missing.feat"},
		{[]string{"-train", bad, "-out", dir}, "holds files that are not an amvi run's (bad.feat)"},
		{[]string{"-estimator", "magic", "-out", dir}, "magic"},
		{[]string{"-estimator", "rloo", "-samples", "1", "-out", dir}, "samples"},
		{[]string{"-K", "0", "-out", dir}, "K=0"},
		{[]string{"-resume", "-out", filepath.Join(dir, "nothing")}, "holds no run to resume"},
		{[]string{"-hidden", "ten"}, "ten"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(tc.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.want) {
			t.Errorf("%v: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
	}
}

// TestConfigKeysAreFlags checks that config.json names every setting like
// the flag that sets it.
func TestConfigKeysAreFlags(t *testing.T) {
	cfg := defaultConfig()
	cfg.Data = train.DataSource{Train: "a", Valid: "b", Test: "c", Format: "text", Vocab: "d", ValidFraction: 0.1,
		TextVocab: &train.TextVocab{MinCount: 1, MaxVocab: 2, StopWords: true}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(m["data"], &data); err != nil {
		t.Fatal(err)
	}
	var textVocab map[string]json.RawMessage
	if err := json.Unmarshal(data["text-vocab"], &textVocab); err != nil {
		t.Fatalf("text-vocab: %v", err)
	}
	delete(m, "data")
	delete(data, "text-vocab")
	delete(m, "V") // the vocabulary's size, which has no flag
	fs, _ := newFlagSet(&options{}, &cfg, io.Discard)
	flags := map[string]bool{}
	for _, f := range fs.Flags() {
		flags[f] = true
	}
	for _, keys := range []map[string]json.RawMessage{m, data, textVocab} {
		for k := range keys {
			if !flags[k] {
				t.Errorf("config key %q is not a flag of train", k)
			}
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want []string
	}{
		{"-h", []string{"usage: train [flags]", "\ndata:\n", "\nmodel:\n", "\ntraining:\n", "\nevaluation:\n", "\noutput:\n", "-train FILE"}},
		{"-version", []string{"train github.com/amvi/amvi", "revision"}},
	} {
		var stdout, stderr bytes.Buffer
		if err := run([]string{tc.arg}, &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v", tc.arg, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.arg, w, stdout.String())
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-epochs", "1", "extra"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("a stray argument gave %v", err)
	}
}
