package data

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// FeatOptions controls [ReadFeat].
type FeatOptions struct {
	// NoLabel says that lines have no leading label, so that every field
	// is an id:count token.
	NoLabel bool
	// Labels keeps each document's label field in Corpus.Labels, split
	// at commas (the LIBSVM multi-label form "3,7"); an empty label
	// ("3,,7", ",") is an error. It is ignored when NoLabel is set.
	Labels bool
	// V, when positive, is the vocabulary size: ids must lie in 1..V and
	// the corpus gets this V. When V is 0 the corpus V is the largest id
	// seen.
	V int
}

// ReadFeat reads a corpus in the feat format ("LABEL id:count ...", one
// document per line; see the package documentation) from r. The name is used
// in error messages and as the corpus Source. Ids are converted from 1-based
// to 0-based and sorted. Lines without id:count tokens are empty documents,
// which are skipped and counted in SkippedEmpty. The corpus Vocab is nil.
//
// Malformed input gives a *ParseError. ReadFeat panics if opt.V is negative.
func ReadFeat(r io.Reader, name string, opt FeatOptions) (*Corpus, error) {
	if opt.V < 0 {
		panic("data: negative FeatOptions.V")
	}
	c := &Corpus{Source: name}
	lr := newLineReader(r, name)
	var b docBuilder
	maxID := 0
	total := 0
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ln := lr.line
		rest := line
		var label []byte
		if !opt.NoLabel {
			label, rest = nextField(rest)
			if bytes.IndexByte(label, ':') >= 0 {
				e := parseErrorf(name, ln, "first field %s looks like id:count, not a label: the file has no labels", quote(label))
				e.Err = ErrNoLabels
				return nil, e
			}
		}
		b.reset()
		for {
			id, count, n := scanFeatToken(rest, opt.V)
			if n == 0 {
				var tok []byte
				if tok, rest = nextField(rest); len(tok) == 0 {
					break
				}
				var msg string
				if id, count, msg = parseFeatToken(tok, opt.V); msg != "" {
					return nil, parseErrorf(name, ln, "%s", msg)
				}
			} else {
				rest = rest[n:]
			}
			if err := b.add(id-1, count, ln); err != nil {
				return nil, parseErrorf(name, ln, "document token count overflows int")
			}
			maxID = max(maxID, id)
		}
		if len(b.entries) == 0 {
			c.SkippedEmpty++
			continue
		}
		d, dup, ok := b.build()
		if !ok {
			return nil, parseErrorf(name, ln, "duplicate id %d", dup.id+1)
		}
		if total, err = addTokens(total, b.tokens); err != nil {
			return nil, parseErrorf(name, ln, "corpus token count overflows int")
		}
		c.Docs = append(c.Docs, d)
		if opt.Labels && !opt.NoLabel {
			labels, msg := splitLabels(label)
			if msg != "" {
				return nil, parseErrorf(name, ln, "%s", msg)
			}
			c.Labels = append(c.Labels, labels)
		}
	}
	c.V = maxID
	if opt.V > 0 {
		c.V = opt.V
	}
	return c, nil
}

// splitLabels splits a label field at commas. It returns a non-empty
// message if a label is empty.
func splitLabels(field []byte) ([]string, string) {
	parts := bytes.Split(field, []byte{','})
	labels := make([]string, len(parts))
	for i, p := range parts {
		if len(p) == 0 {
			return nil, fmt.Sprintf("label field %s has an empty label", quote(field))
		}
		labels[i] = string(p)
	}
	return labels, ""
}

// scanFeatToken is the fast path of ReadFeat's tokens: if s starts with
// spaces and a well-formed id:count token of at most 18 digits each, with
// the id in range (1..v when v > 0), it returns the id, the count and the
// bytes it read, else n = 0 and the caller goes the long way round
// (nextField, parseFeatToken), which gives the same id and count or the
// error message.
func scanFeatToken(s []byte, v int) (id, count, n int) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	start := i
	for i < len(s) && i-start < 18 && '0' <= s[i] && s[i] <= '9' {
		id = id*10 + int(s[i]-'0')
		i++
	}
	if i == start || i == len(s) || s[i] != ':' {
		return 0, 0, 0
	}
	i++
	start = i
	for i < len(s) && i-start < 18 && '0' <= s[i] && s[i] <= '9' {
		count = count*10 + int(s[i]-'0')
		i++
	}
	if i == start || i < len(s) && !isSpace(s[i]) || id < 1 || v > 0 && id > v || count < 1 {
		return 0, 0, 0
	}
	return id, count, i
}

// parseFeatToken parses an "id:count" token. It returns a non-empty message
// if the token is malformed or out of range (v > 0 bounds the id).
func parseFeatToken(tok []byte, v int) (id, count int, msg string) {
	i := bytes.IndexByte(tok, ':')
	if i < 0 {
		return 0, 0, fmt.Sprintf("token %s: want id:count", quote(tok))
	}
	idb, cb := tok[:i], tok[i+1:]
	id, st := parseNum(idb)
	switch {
	case st == numInvalid:
		return 0, 0, fmt.Sprintf("token %s: id %s is not an integer", quote(tok), quote(idb))
	case st == numOverflow:
		return 0, 0, fmt.Sprintf("token %s: id overflows int", quote(tok))
	case id < 1:
		return 0, 0, fmt.Sprintf("token %s: id %d out of range (ids are 1-based)", quote(tok), id)
	case v > 0 && id > v:
		return 0, 0, fmt.Sprintf("token %s: id %d out of range 1..%d", quote(tok), id, v)
	}
	count, st = parseNum(cb)
	switch {
	case st == numInvalid:
		return 0, 0, fmt.Sprintf("token %s: count %s is not an integer", quote(tok), quote(cb))
	case st == numOverflow:
		return 0, 0, fmt.Sprintf("token %s: count overflows int", quote(tok))
	case count < 1:
		return 0, 0, fmt.Sprintf("token %s: count %d is not positive", quote(tok), count)
	}
	return id, count, ""
}

// LoadFeat reads the feat file at path with [ReadFeat].
func LoadFeat(path string, opt FeatOptions) (*Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadFeat(f, path, opt)
}
