#!/usr/bin/env python3
"""Runs the PyTorch peer (the script named first, then its arguments) and adds
the process CPU seconds of each timed epoch and of the timed evaluation to its
JSON line (epoch_cpu_seconds, train_docs_per_cpu_s, eval_cpu_seconds), for
bench/speed.sh. The peer times an epoch and its evaluation as differences of
time.perf_counter(), called twice for each in that order; each call here
also records time.process_time() (the CPU seconds of all the process's
threads), so the figures cover exactly the spans the peer's own timing does.
Needs the peer's --json.
"""
import io
import json
import runpy
import sys
import time

marks = []
wall = time.perf_counter


def perf_counter():
    marks.append(time.process_time())
    return wall()


time.perf_counter = perf_counter
script, sys.argv = sys.argv[1], sys.argv[1:]
real_stdout, sys.stdout = sys.stdout, io.StringIO()
try:
    runpy.run_path(script, run_name="__main__")
finally:
    text, sys.stdout = sys.stdout.getvalue(), real_stdout
out = json.loads(text.strip().splitlines()[-1])
spans = [b - a for a, b in zip(marks[0::2], marks[1::2])]
if len(spans) != out["epochs"] + 1:
    sys.exit(f"peer_cpu.py: {len(marks)} perf_counter calls, expected {2 * (out['epochs'] + 1)}")
ep = spans[:-1]
out["epoch_cpu_seconds"] = ep
if ep:
    out["train_docs_per_cpu_s"] = out["train_docs"] / sorted(ep)[len(ep) // 2]
out["eval_cpu_seconds"] = spans[-1]
print(json.dumps(out))
