// Command export writes a trained model's weights, without the training
// state, into a folder that other programs can load:
//
//	export -checkpoint runs/20news/best.safetensors -out exports/20news
//
// The folder holds model.safetensors (the encoder's and decoder's weights
// and biases, float32 unless -float64), config.json (the architecture, the
// vocabulary file, a summary of the training run and its held-out figures),
// vocab.txt and a model card, README.md, that says how to load the weights
// in Go and in PyTorch. cmd/encode and cmd/eval take the folder as their
// -checkpoint. -checkpoint may name a run folder: its best.safetensors (or
// last.safetensors when it has no best) is exported.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/amvi/amvi/internal/cli"
	"github.com/amvi/amvi/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		cli.Fatal("export", err)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("export", "-checkpoint FILE|DIR -out DIR [flags]",
		"Writes a trained model's weights (no optimizer state) with its config.json, vocabulary\nand a model card into a folder, for cmd/encode, cmd/eval, Go programs and PyTorch.", stdout)
	fs.Group(cli.GroupModel)
	ckpt := fs.String("checkpoint", "", "model checkpoint `FILE`, or a run folder (its best.safetensors) (required)")
	fs.Group(cli.GroupOutput)
	out := fs.String("out", "", "export folder `DIR`, created if needed (required)")
	f64 := fs.Bool("float64", false, "store the weights as float64, exactly as trained (default: float32, half the size)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *ckpt == "" || *out == "" {
		return errors.New("-checkpoint and -out are required (export -h lists the flags)")
	}
	src := *ckpt
	if st, err := os.Stat(src); err == nil && st.IsDir() {
		src = filepath.Join(src, train.BestFile)
		if _, err := os.Stat(src); err != nil {
			src = filepath.Join(*ckpt, train.LastFile)
		}
	}
	ec, err := train.Export(src, *out, train.ExportOptions{Float64: *f64})
	if err != nil {
		return err
	}
	size := int64(0)
	if st, err := os.Stat(filepath.Join(*out, ec.Weights)); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(stderr, "exported %s to %s: %s (%s, %.1f MB), %s, %s, %s\n", src, *out,
		ec.Weights, ec.DType, float64(size)/1e6, train.ExportConfigFile, ec.Vocabulary, train.ExportCardFile)
	return nil
}
