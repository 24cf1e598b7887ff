#!/usr/bin/env python3
"""Turns the labelled 20 Newsgroups "bydate" split (a folder with
20news-bydate-train/ and 20news-bydate-test/, one subfolder per newsgroup,
one file per post) into amvi's feat format with the newsgroup as the label:
train.feat, test.feat (LABEL id:count ..., LABEL = the newsgroup's 1-based
position in sorted order), vocab.txt and labels.txt, in OUT.

Each post loses its header (the lines up to the first blank line), is
lower-cased and cut into runs of ASCII letters; runs shorter than 3 letters
and amvi's English stop words (data/stopwords.go) are dropped. The
vocabulary is the 2,000 words (-v) found in the most training posts (ties by
word), among those in at least 5. Posts with no vocabulary word become empty
lines, which amvi's readers skip and count.

    bench/20news_bydate.py SRC OUT [-v 2000]
"""
import argparse
import collections
import os
import re

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("out")
ap.add_argument("-v", type=int, default=2000)
args = ap.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
stop_src = open(os.path.join(here, "..", "data", "stopwords.go")).read()
stop = set(re.findall(r"[a-z]+", stop_src.split("`")[1]))


def tokens(path):
    text = open(path, "rb").read().decode("latin-1")
    parts = re.split(r"\r?\n\r?\n", text, maxsplit=1)
    body = parts[1] if len(parts) == 2 else ""
    return [t for t in re.findall(r"[a-z]+", body.lower()) if len(t) >= 3 and t not in stop]


def read(split):
    root = os.path.join(args.src, "20news-bydate-" + split)
    groups = sorted(g for g in os.listdir(root) if not g.startswith("."))
    docs = []
    for gi, g in enumerate(groups):
        for name in sorted(os.listdir(os.path.join(root, g)), key=lambda n: (len(n), n)):
            if not name.startswith("."):
                docs.append((gi + 1, tokens(os.path.join(root, g, name))))
    return groups, docs


groups, train = read("train")
groups_test, test = read("test")
assert groups == groups_test, "train and test have different newsgroups"
df = collections.Counter()
for _, toks in train:
    df.update(set(toks))
words = sorted((w for w, n in df.items() if n >= 5), key=lambda w: (-df[w], w))[: args.v]
ids = {w: i + 1 for i, w in enumerate(words)}
os.makedirs(args.out, exist_ok=True)
for split, docs in (("train", train), ("test", test)):
    with open(os.path.join(args.out, split + ".feat"), "w") as f:
        for label, toks in docs:
            c = collections.Counter(ids[t] for t in toks if t in ids)
            f.write(" ".join([str(label)] + [f"{i}:{n}" for i, n in sorted(c.items())]) + "\n")
open(os.path.join(args.out, "vocab.txt"), "w").write("\n".join(words) + "\n")
open(os.path.join(args.out, "labels.txt"), "w").write("\n".join(groups) + "\n")
print(f"{len(train)} training and {len(test)} test posts, {len(groups)} newsgroups, {len(words)} words -> {args.out}")
