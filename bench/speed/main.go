// Command speed measures amvi's training and evaluation throughput on 20
// Newsgroups, the numbers bench/speed.sh sets beside PyTorch's: training
// documents/s of the gradient step plus Adam (no validation, like the
// peer's epoch timing), evaluation documents/s with 100 importance samples,
// the CPU seconds of both (all threads), and the process's peak resident
// memory.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/optim"
	"github.com/amvi/amvi/train"
)

func main() {
	dir := flag.String("data", "../shared/data/20news", "folder with train.feat, test.feat")
	est := estimators.KindNVIL
	flag.TextVar(&est, "estimator", est, "estimator (not exact)")
	samples := flag.Int("samples", 1, "codes per document")
	epochs := flag.Float64("epochs", 1, "training epochs to time")
	evalDocs := flag.Int("eval-docs", 0, "time evaluation on this many test documents (0: all; -1: skip)")
	iw := flag.Int("iw-samples", 100, "importance samples for the timed evaluation")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the process (training and evaluation) to this file")
	var dtype model.Dtype
	flag.TextVar(&dtype, "dtype", dtype, "the networks' dtype: float64 or float32")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "speed:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "speed:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*dir, est, *samples, *epochs, *evalDocs, *iw, dtype); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "speed:", err)
		os.Exit(1)
	}
}

func run(dir string, kind estimators.Kind, samples int, epochs float64, evalDocs, iw int, dtype model.Dtype) error {
	trainC, err := data.LoadFeat(dir+"/train.feat", data.FeatOptions{V: 1995})
	if err != nil {
		return err
	}
	testC, err := data.LoadFeat(dir+"/test.feat", data.FeatOptions{V: 1995})
	if err != nil {
		return err
	}
	const V, K, H = 1995, 50, 500
	m, err := model.New(model.Config{
		Encoder: encoder.Config{V: V, K: K, Hidden: []int{H}, Activation: encoder.Tanh, Input: encoder.InputCounts},
		Decoder: decoder.Config{K: K, V: V},
		Alpha:   0.5,
		Dtype:   dtype,
	}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		return err
	}
	if kind == estimators.KindExact {
		return fmt.Errorf("-estimator exact: this benchmark times the score-function estimators")
	}
	// The estimator as package train builds it for these settings.
	est := train.Config{Estimator: kind, KL: estimators.ClosedForm, V: V, Seed: 1, Normalise: true, Dtype: dtype}.NewEstimator()
	st, err := model.NewStepper(m, est, samples)
	if err != nil {
		return err
	}
	defer st.Close()
	g := m.NewGrads()
	params32, params := m.Params()
	grads32, grads := g.Params()
	opt := optim.NewAdamMixed(params32, params, 5e-4)
	rng := rand.New(rand.NewPCG(2, 2))
	steps := int(epochs * float64(trainC.Len()) / 64)
	batches := data.Minibatches(trainC.Len(), 64, rand.New(rand.NewPCG(3, 3)))
	step := func(i int) error {
		docs := trainC.Subset(batches[i%len(batches)]).Docs
		if _, err := st.Step(docs, rng, g); err != nil {
			return err
		}
		opt.UpdateMixed(params32, grads32, params, grads)
		return nil
	}
	for i := 0; i < 5; i++ { // warm-up: build the graphs
		if err := step(i); err != nil {
			return err
		}
	}
	docs := 0
	c0 := cpuSeconds()
	t0 := time.Now()
	for i := 0; i < steps; i++ {
		if err := step(i); err != nil {
			return err
		}
		docs += len(batches[i%len(batches)])
	}
	trainSec, trainCPU := time.Since(t0).Seconds(), cpuSeconds()-c0
	out := map[string]any{
		"estimator": kind, "samples": samples, "dtype": dtype,
		"train_docs": docs, "train_seconds": trainSec, "train_docs_per_s": float64(docs) / trainSec,
		"train_cpu_seconds": trainCPU, "train_docs_per_cpu_s": float64(docs) / trainCPU,
	}
	if evalDocs >= 0 {
		c := testC
		if evalDocs > 0 && evalDocs < c.Len() {
			idx := make([]int, evalDocs)
			for i := range idx {
				idx[i] = i
			}
			c = c.Subset(idx)
		}
		c1, t1 := cpuSeconds(), time.Now()
		if _, err := eval.Evaluate(m, c, eval.Options{Samples: iw, IWSamples: iw, Seed: 1}); err != nil {
			return err
		}
		evalSec, evalCPU := time.Since(t1).Seconds(), cpuSeconds()-c1
		out["eval_cpu_seconds"] = evalCPU
		out["eval_docs"], out["eval_iw_samples"], out["eval_seconds"], out["eval_docs_per_s"] = c.Len(), iw, evalSec, float64(c.Len())/evalSec
	}
	out["peak_rss_mb"] = peakRSS()
	return json.NewEncoder(os.Stdout).Encode(out)
}

// cpuSeconds returns the user and system CPU seconds of the process so far,
// all threads together (0 where getrusage fails).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSS returns the process's peak resident set size in MB (Linux).
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}
