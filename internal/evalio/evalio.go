// Package evalio loads what an evaluation reads, for cmd/eval and the Beam
// eval pipeline (module beam/), so that both check the same things and
// identify an evaluation (eval.Source) the same way. It is apart from
// package cli, which cmd/encode uses without the training packages.
package evalio

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/internal/cli"
	"github.com/amvi/amvi/train"
)

// Load reads the model of the checkpoint (a file or an export folder) and
// the corpus at path in format, read with the vocabulary file vocabPath
// ("": none) after checking it against the checkpoint's (text uses the
// checkpoint's). An empty corpus is an error.
func Load(checkpoint, path, vocabPath, format string) (*train.Loaded, *data.Corpus, error) {
	l, err := train.LoadModel(checkpoint)
	if err != nil {
		return nil, nil, err
	}
	var vocab *data.Vocabulary
	if format == "text" {
		if vocab, err = data.NewVocabulary(l.Vocab); err != nil {
			return nil, nil, fmt.Errorf("%s: the checkpoint has no usable vocabulary for text: %w", checkpoint, err)
		}
	} else if vocab, err = cli.LoadVocab(vocabPath); err != nil {
		return nil, nil, err
	}
	if vocab != nil && train.VocabularyHash(vocab.Words()) != train.VocabularyHash(l.Vocab) {
		return nil, nil, fmt.Errorf("%s: %w: its vocabulary (%d words) differs from the checkpoint's (%d words)",
			vocabPath, eval.ErrVocabulary, vocab.Len(), len(l.Vocab))
	}
	c, err := cli.LoadCorpusV(path, format, vocab, l.Config.V)
	if _, ok := errors.AsType[*data.ParseError](err); ok && vocab == nil {
		return nil, nil, fmt.Errorf("%w (the checkpoint's vocabulary has %d words)", err, l.Config.V)
	}
	if err != nil {
		return nil, nil, err
	}
	if c.Len() == 0 {
		return nil, nil, fmt.Errorf("%s: no documents to evaluate (%d empty documents skipped, %d tokens not in the vocabulary)", path, c.SkippedEmpty, c.OOVTokens)
	}
	return l, c, nil
}

// Source returns the Source of an evaluation of the checkpoint on the
// data (read in format, with the vocabulary file, or "") as eval's
// partials identify it: the inputs' SHA-256 (PathSHA256) and the format.
// eval.EvaluatePartial adds the settings.
func Source(checkpoint, dataPath, vocabPath, format string) (eval.Source, error) {
	src := eval.Source{Format: format}
	var err error
	if src.CheckpointSHA256, err = PathSHA256(checkpoint); err != nil {
		return src, err
	}
	if src.DataSHA256, err = PathSHA256(dataPath); err != nil {
		return src, err
	}
	if vocabPath != "" {
		if src.VocabSHA256, err = PathSHA256(vocabPath); err != nil {
			return src, err
		}
	}
	return src, nil
}

// PathSHA256 returns, in hexadecimal, the SHA-256 of a file's contents, or
// of a folder's files (an export folder): each file's path in the folder,
// size and contents, in lexical order of the paths.
func PathSHA256(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if !st.IsDir() {
		if err := hashFile(h, path); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error { // WalkDir walks in lexical order
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(path, p)
		io.WriteString(h, filepath.ToSlash(rel)+"\x00"+strconv.FormatInt(info.Size(), 10)+"\x00")
		return hashFile(h, p)
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}
