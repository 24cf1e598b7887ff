#!/usr/bin/env bash
# get-20news.sh [DIR] puts the 20 Newsgroups bag of words (train.feat,
# test.feat, vocab.new: the "20news_clean" split of Srivastava & Sutton 2017,
# in NVDM's .feat format) into DIR (default data/20news) and checks their
# SHA-256. It copies them from ../shared/data/20news when that folder exists,
# and otherwise downloads them from the pinned commit of the repository they
# were taken from (see the Data section of docs/usage.md).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-data/20news}
src=../shared/data/20news
repo=https://raw.githubusercontent.com/sophieburkhardt/dirichlet-vae-topic-models/3d3593654272b01877ae70a07f9e3b562987830d/data/20news
mkdir -p "$dir"
for f in train.feat test.feat vocab.new; do
	if [ -f "$src/$f" ]; then
		cp "$src/$f" "$dir/$f.tmp"
	else
		curl -fsSL -o "$dir/$f.tmp" "$repo/$f"
	fi
	mv "$dir/$f.tmp" "$dir/$f"
done
(cd "$dir" && sha256sum -c --quiet) <<'SUMS'
6c4b612d03bb54c68c923ae7b689398c4a7bd1046b0874332dfe0a0c42830143  train.feat
5e5beaff3c66affeb08aeefb69e40e3e1c52360cdad2df03e7df2ecb6b79fad0  test.feat
75594f361e317a8c8fafca9846e903143ff25bb57ac4207ff850ef4245eb94bb  vocab.new
SUMS
echo "20 Newsgroups in $dir: 11,258 training and 7,487 test documents, 1,995 words"
