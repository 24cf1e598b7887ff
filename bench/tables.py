#!/usr/bin/env python3
"""Prints the Markdown tables of docs/results.md from bench/search.jsonl
(20 Newsgroups, issue 12 part 7) and bench/defaults.jsonl (training
defaults, part 6), the lines that bench/search.sh and bench/defaults.sh
append.

    bench/tables.py search|defaults [NAME...]

With names, only those lines, in that order (the last line of a name wins).
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))


def lines(path):
    out = {}
    for l in open(os.path.join(here, path)):
        r = json.loads(l)
        key = (r.get("corpus", ""), r["name"])
        out.pop(key, None)
        out[key] = r
    return list(out.values())


def pick(rows, names):
    if not names:
        return rows
    by = {r["name"] if "corpus" not in r else r["corpus"] + ":" + r["name"]: r for r in rows}
    return [by[n] for n in names if n in by]


def load(r):
    return "%g–%g" % tuple(sorted(r["load"]))


def search(names):
    print("| configuration | flags | epochs | validation perplexity (best epoch) | test perplexity | training CPU time | wall time (load) |")
    print("|---|---|---|---|---|---|---|")
    for r in pick(lines("search.jsonl"), names):
        print("| %s | `%s` | %d | %.1f (%d) | %.1f | %d s | %d s (%s) |" % (
            r["name"], r["flags"], r["epochs"], r["valid_perplexity"], r["best_epoch"],
            r["test_perplexity"], r["cpu_s"], r["wall_s"], load(r)))


def defaults(names):
    print("| corpus | setting | flags | steps (epochs) | best step | exact log p_θ(x) | IW bound | IW − truth | test perplexity | training CPU time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in pick(lines("defaults.jsonl"), names):
        ex = "%.2f" % r["test_exact_logp"] if "test_exact_logp" in r else "—"
        gap = "%.2f" % r["iw_minus_truth"] if "iw_minus_truth" in r else "—"
        print("| %s | %s | `%s` | %d (%d) | %d | %s | %.2f | %s | %.1f | %d s |" % (
            r["corpus"], r["name"], r["flags"], r["steps"], r["epochs"], r["best_step"], ex,
            r["test_iw"], gap, r["test_perplexity"], r["cpu_s"]))


if __name__ == "__main__":
    {"search": search, "defaults": defaults}[sys.argv[1]](sys.argv[2:])
