// Package data reads bag-of-words document collections into a [Corpus] and
// provides seeded helpers for shuffling, minibatching and splitting them.
//
// A [Corpus] holds non-empty [Document] values over a vocabulary of V words.
// Word ids are 0-based inside the package, strictly increasing within a
// document, and every count is at least 1. Documents that contain no tokens
// are skipped by every reader and counted in Corpus.SkippedEmpty.
//
// # Formats
//
// Feat (LIBSVM-like, as used by NVDM and ProdLDA), read by [ReadFeat]: one
// document per line,
//
//	LABEL id:count id:count ...
//
// where ids are 1-based vocabulary line numbers, tokens are separated by any
// run of spaces or tabs, and the leading LABEL is ignored (set
// FeatOptions.NoLabel for files without it). A label may be any UTF-8 text
// without white space or ':'; a first field holding ':' is reported as an
// error, as it usually means a file without labels. The ids of a line may appear in
// any order but not twice. A line with no id:count tokens, including a blank
// line or one holding only the label, is an empty document.
//
// Vocabulary, read by [ReadVocab]: one word per line; the word is the first
// whitespace-separated field and any further fields are ignored, so the
// "word 0" lines of NVDM vocab.new files and plain UCI vocab.*.txt files are
// both accepted. Line i (1-based) is the word with feat/UCI id i, which is id
// i-1 in a [Corpus]. Blank lines and repeated words are errors.
//
// UCI bag of words (docword.*.txt from the UCI Machine Learning Repository),
// read by [ReadUCI]: three header lines holding D (documents), W (vocabulary
// size) and NNZ (number of entries), then NNZ lines "docID wordID count", all
// 1-based. Entries must be grouped by non-decreasing docID (as in the UCI
// files); within a document the word ids may appear in any order. Documents
// 1..D that have no entries are empty. Blank lines are ignored.
//
// Plain text, read by [ReadText]: one document per line, split into tokens
// by [Tokenize]. Tokens outside the vocabulary are dropped and counted in
// Corpus.OOVTokens. [BuildVocabulary] makes a vocabulary from a training
// file in the same format.
//
// All readers accept LF or CRLF line endings, a missing final newline, a
// UTF-8 byte order mark at the start and lines of up to 64 MiB. They require UTF-8 text without NUL bytes. An empty
// input gives a corpus with no documents. Malformed input is reported as a
// *[ParseError] naming the file and line; errors from the underlying reader
// are wrapped and can be inspected with [errors.Is].
//
// # Randomness
//
// [Permutation], [Minibatches] and [Split] take a caller-supplied
// *rand.Rand from math/rand/v2 and never use a global or time-based source,
// so results are reproducible from the caller's seed.
package data

// Formats lists the names of the corpus formats above, as the commands'
// -format flags take them: feat, feat without labels, UCI, plain text.
const Formats = "feat|feat-nolabel|uci|text"
