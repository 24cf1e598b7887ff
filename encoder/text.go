package encoder

import (
	"errors"
	"slices"

	"github.com/amvi/amvi/data"
)

// ErrNoVocabulary is returned by the text methods of an encoder whose
// checkpoint does not know the words of its vocabulary.
var ErrNoVocabulary = errors.New("encoder: the encoder's vocabulary has no words (it was trained on word ids only)")

// Document turns text into a bag of words over the encoder's vocabulary,
// splitting it with data.Tokenize as the text corpus reader does. Words
// outside the vocabulary are left out; oov counts them. Text with no known
// words gives an empty document, which encodes to the posterior of a
// document without words.
func (f *Frozen) Document(text string) (doc data.Document, oov int, err error) {
	if f.vocab == nil {
		return data.Document{}, 0, ErrNoVocabulary
	}
	var ids []int
	for _, tok := range data.Tokenize(text) {
		if id, ok := f.vocab.ID(tok); ok {
			ids = append(ids, id)
		} else {
			oov++
		}
	}
	slices.Sort(ids)
	for i, id := range ids {
		if i > 0 && id == ids[i-1] {
			doc.Counts[len(doc.Counts)-1]++
			continue
		}
		doc.Words = append(doc.Words, id)
		doc.Counts = append(doc.Counts, 1)
	}
	return doc, oov, nil
}

// ProbabilitiesOfText returns the K posterior probabilities of the document
// that text makes (see [Frozen.Document]).
func (f *Frozen) ProbabilitiesOfText(text string) ([]float64, error) {
	doc, _, err := f.Document(text)
	if err != nil {
		return nil, err
	}
	return f.Probabilities(doc)
}
