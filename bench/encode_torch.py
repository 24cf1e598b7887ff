#!/usr/bin/env python3
"""PyTorch's forward pass of a trained amvi encoder, timed on a feat file.

It reads the encoder from an amvi model checkpoint (a safetensors file,
parsed with json and numpy alone), turns the documents into one dense
float64 matrix of counts (or log(1+count)), and times
sigmoid(layers(x)) over all documents as one batch, with torch's default
number of threads and with 2 threads. It prints one line per setting and a
last line for the faster one, each as "torch-batch threads=T docs/s=… us/doc=…",
plus the single-document latency ("torch-single …", a batch of one dense row).

With --check JSONL (the output of `encode -skip-empty` on the same file) it
also prints the largest difference between torch's probabilities and amvi's.

Run with the system python (Debian's python3-torch and python3-numpy):

    /usr/bin/python3 bench/encode_torch.py --checkpoint model.safetensors --data test.feat
"""
import argparse
import json
import struct
import time

import numpy as np
import torch


def read_checkpoint(path):
    """Returns the encoder's (weight, bias) pairs and its stored config."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__")
    if meta.get("kind") != "amvi-model":
        raise SystemExit(f"{path}: kind {meta.get('kind')!r}, want 'amvi-model'")
    cfg = json.loads(meta["config"])
    body = raw[8 + n:]

    def tensor(name):
        t = header[name]
        if t["dtype"] != "F64":
            raise SystemExit(f"{path}: {name} has dtype {t['dtype']}")
        lo, hi = t["data_offsets"]
        return np.frombuffer(body[lo:hi], dtype="<f8").reshape(t["shape"])

    layers = []
    for i in range(len(cfg["hidden"]) + 1):
        w = torch.from_numpy(tensor(f"encoder.layers.{i}.weight").copy())
        b = torch.from_numpy(tensor(f"encoder.layers.{i}.bias").copy())
        layers.append((w, b))
    return layers, cfg


def read_feat(path, v, log1p):
    """Returns the non-empty documents of a feat file as a dense float64 matrix."""
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()[1:]
            if not parts:
                continue
            row = np.zeros(v)
            for tok in parts:
                i, c = tok.split(":")
                row[int(i) - 1] = float(c)
            rows.append(row)
    x = np.stack(rows)
    if log1p:
        x = np.log1p(x)
    return torch.from_numpy(x)


ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
       "softplus": torch.nn.functional.softplus, "identity": lambda h: h}


def forward(layers, act, x):
    h = x
    for i, (w, b) in enumerate(layers):
        h = torch.addmm(b, h, w)
        if i < len(layers) - 1:
            h = act(h)
    return torch.sigmoid(h)


def best_time(fn, repeats, min_seconds=0.5):
    """Returns the median of per-call times over repeats rounds of at least min_seconds."""
    fn()  # warm up
    times = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        times.append(elapsed / calls)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", required=True, help="feat file")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--check", help="encode -skip-empty output to compare with")
    args = ap.parse_args()

    layers, cfg = read_checkpoint(args.checkpoint)
    act = ACT[cfg["activation"]]
    x = read_feat(args.data, cfg["V"], cfg["input"] == "log1p")
    n = x.shape[0]
    default_threads = torch.get_num_threads()
    print(f"torch {torch.__version__}, {n} documents, V={cfg['V']} hidden={cfg['hidden']} K={cfg['K']}, "
          f"float64, default threads {default_threads}")

    with torch.no_grad():
        if args.check:
            probs = forward(layers, act, x).numpy()
            with open(args.check) as f:
                amvi = np.array([json.loads(line)["probs"] for line in f])
            if amvi.shape != probs.shape:
                raise SystemExit(f"--check: {amvi.shape} probabilities from amvi, {probs.shape} from torch")
            print(f"largest |torch - amvi| probability difference: {np.abs(probs - amvi).max():.3g}")

        results = []
        for threads in sorted({default_threads, 2}):
            torch.set_num_threads(threads)
            t = best_time(lambda: forward(layers, act, x), args.repeats)
            results.append((n / t, threads))
            print(f"torch-batch threads={threads} docs/s={n / t:.0f} us/doc={t / n * 1e6:.2f}")
        rate, threads = max(results)
        print(f"torch-batch-best threads={threads} docs/s={rate:.0f} us/doc={1e6 / rate:.2f}")

        torch.set_num_threads(threads)
        one = [x[i:i + 1] for i in range(min(n, 1000))]
        state = {"i": 0}

        def single():
            forward(layers, act, one[state["i"]])
            state["i"] = (state["i"] + 1) % len(one)

        t = best_time(single, args.repeats)
        print(f"torch-single threads={threads} docs/s={1 / t:.0f} us/doc={t * 1e6:.2f}")


if __name__ == "__main__":
    main()
