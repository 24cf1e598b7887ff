#!/usr/bin/python3
"""Loads an amvi export (cmd/export) in PyTorch and compares its posterior
probabilities with cmd/encode's JSON Lines output for the same documents.

    python3 bench/export_torch.py EXPORT_DIR DOCS.feat ENCODE.jsonl

It builds the encoder as the export's model card does (torch.nn.Linear
with the transposed weights), encodes the non-empty documents of the .feat
file in float32 and prints the largest absolute difference from the
probabilities in ENCODE.jsonl (written by cmd/encode -skip-empty from a
checkpoint or an export), and where it occurs.
"""
import json, struct, sys

import torch

try:
    from safetensors.torch import load_file
except ImportError:  # Debian has no python3-safetensors: read the format directly
    def load_file(path):
        b = open(path, "rb").read()
        n, = struct.unpack("<Q", b[:8])
        h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
        dt = {"F32": torch.float32, "F64": torch.float64}
        return {k: torch.frombuffer(bytearray(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]),
                                    dtype=dt[v["dtype"]]).reshape(v["shape"]) for k, v in h.items()}

export, feat, encoded = sys.argv[1:4]
cfg = json.load(open(f"{export}/config.json"))
a = cfg["architecture"]
t = load_file(f"{export}/{cfg['weights']}")
acts = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "softplus": torch.nn.Softplus}
sizes = [a["V"]] + a["hidden"] + [a["K"]]
layers = []
for i in range(len(sizes) - 1):
    lin = torch.nn.Linear(sizes[i], sizes[i + 1])
    lin.weight.data = t[f"encoder.layers.{i}.weight"].T.float()  # amvi stores [in, out]
    lin.bias.data = t[f"encoder.layers.{i}.bias"].float()
    layers.append(lin)
    layers.append(acts[a["activation"]]() if i < len(sizes) - 2 else torch.nn.Sigmoid())
enc = torch.nn.Sequential(*layers)

rows = []
for line in open(feat):
    fields = line.split()[1:]
    if not fields:
        continue  # empty documents: encode -skip-empty leaves them out too
    x = torch.zeros(a["V"])
    for f in fields:
        w, c = f.split(":")
        x[int(w) - 1] = float(c)
    rows.append(x)
X = torch.stack(rows)
if a["input"] == "log1p":
    X = torch.log1p(X)
with torch.no_grad():
    P = enc(X).double()
Q = torch.tensor([json.loads(l)["probs"] for l in open(encoded)], dtype=torch.float64)
if Q.shape != P.shape:
    sys.exit(f"{encoded} has {tuple(Q.shape)} probabilities, PyTorch gave {tuple(P.shape)}")
d = (P - Q).abs()
i = int(d.argmax())
print(f"{P.shape[0]} documents, K={P.shape[1]}: largest |PyTorch - encode| = {d.max().item():.3g} "
      f"(document {i // P.shape[1]}, factor {i % P.shape[1]}), mean {d.mean().item():.3g}; "
      f"torch {torch.__version__}, float32, {torch.get_num_threads()} threads")
