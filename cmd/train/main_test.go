package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amvi/amvi/internal/testcorpus"
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
	for _, name := range []string{"last.safetensors", "best.safetensors", "metrics.jsonl", "curve.png", "config.json"} {
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
