#!/usr/bin/env python3
"""Prints the Markdown tables of docs/results.md from bench/search.jsonl
(20 Newsgroups, issue 12 part 7), bench/defaults.jsonl (training
defaults, part 6) and bench/ladder.jsonl (the synthetic inference ladder),
the lines that bench/search.sh, bench/defaults.sh and bench/ladder.sh
append.

    bench/tables.py search|defaults|seeds|ladder [NAME...]

With names, only those lines, in that order (the last line of a name wins).
"""
import json
import os
import re
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
    print("| configuration | flags (from the old default) | epochs | validation perplexity (best epoch) | test perplexity | test IW perplexity | CPU time | wall time (load) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in pick(lines("search.jsonl"), names):
        iw = "%.1f" % r["test_iw_perplexity"] if r.get("test_iw_perplexity") else "—"
        print("| %s | `%s` | %d | %.1f (%d) | %.1f | %s | %d s | %d s (%s) |" % (
            r["name"], r["flags"] or "(none: the new default)", r["epochs"], r["valid_perplexity"], r["best_epoch"],
            r["test_perplexity"], iw, r["cpu_s"], r["wall_s"], load(r)))


def defaults(names):
    print("| corpus | setting | flags | steps (epochs) | best step | exact log p_θ(x) | IW bound | IW − truth | test perplexity | CPU time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in pick(lines("defaults.jsonl"), names):
        ex = "%.2f" % r["test_exact_logp"] if "test_exact_logp" in r else "—"
        gap = "%.2f" % r["iw_minus_truth"] if "iw_minus_truth" in r else "—"
        print("| %s | %s | `%s` | %d (%d) | %d | %s | %.2f | %s | %.1f | %d s |" % (
            r["corpus"], r["name"], r["flags"], r["steps"], r["epochs"], r["best_step"], ex,
            r["test_iw"], gap, r["test_perplexity"], r["cpu_s"]))


def seeds(names):
    """The defaults table with the seeds of a setting side by side; names
    are CORPUS:SETTING (a setting run as NAME@SEED or NAMEseedN is seed N)."""
    rows = {}
    for r in lines("defaults.jsonl"):
        name, _, seed = r["name"].partition("@")
        if not seed and "seed" in name:
            name, _, seed = name.partition("seed")
        rows.setdefault(r["corpus"] + ":" + name, {})[seed or "1"] = r
    print("| corpus | setting | flags | steps (epochs) | IW − truth, seed 1 | seed 2 | seed 3 | mean | CPU time, seed 1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in names or rows:
        d = rows[key]
        r1 = d.get("1") or next(iter(d.values()))
        g = [d[s]["iw_minus_truth"] if s in d else None for s in "123"]
        have = [x for x in g if x is not None]
        mean = "%.2f" % (sum(have) / len(have)) if len(have) > 1 else ""
        print("| %s | %s | `%s` | %d (%d) | %s | %s | %s | %s | %d s |" % (
            r1["corpus"], key.split(":")[1], re.sub(r"\s*-seed \d+$", "", r1["flags"]) or "(none: the new defaults)", r1["steps"], r1["epochs"],
            *[("%.2f" % x if x is not None else "—") for x in g], mean, r1["cpu_s"]))


LADDER = {"em": "EM (`-objective em`)", "exact": "exact-gradient VI (`-estimator exact`)",
          "rloo": "RLOO (the default)", "vimco": "VIMCO", "disarm": "DisARM", "nvil": "NVIL"}


def ladder(names):
    rows = pick(lines("ladder.jsonl"), names)
    print("True `log p(x)` of the test documents: **%.2f**.\n" % rows[0]["truth"])
    print("| method | exact log p_θ(x) | ELBO (exact) | ELBO (20-code estimate) | refined ELBO (50 steps) | IW bound (S=100) | IW − true | best step | CPU time (wall, load) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.2f | %.2f | %.2f ± %.2f | %.2f | %.2f | %.2f | %d of %d | %d s (%d s, %s) |" % (
            LADDER.get(r["name"], r["name"]), r["exact_logp"], r["exact_elbo"], r["elbo"], r["elbo_mc_se"],
            r["refined_elbo"], r["iw"], r["iw_minus_truth"], r["best_step"], r["steps"], r["cpu_s"], r["wall_s"], load(r)))


if __name__ == "__main__":
    {"search": search, "defaults": defaults, "seeds": seeds, "ladder": ladder}[sys.argv[1]](sys.argv[2:])
