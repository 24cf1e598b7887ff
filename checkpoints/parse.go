package checkpoints

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// indexEntry is one tensor as described by a header.
type indexEntry struct {
	entry
	begin, end int64 // data_offsets
}

// parseHeader decodes the header JSON (padding included). It checks the
// JSON structure and the types and ranges of all fields, rejecting duplicate
// keys, but not how offsets fit together or the checksums.
func parseHeader(header []byte) ([]indexEntry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	p := parser{dec: dec}

	if err := p.delim('{', "header"); err != nil {
		return nil, nil, err
	}
	var (
		entries []indexEntry
		meta    map[string]string
		seen    = make(map[string]bool)
	)
	for dec.More() {
		key, err := p.key()
		if err != nil {
			return nil, nil, err
		}
		if seen[key] {
			if key == metadataKey {
				return nil, nil, fmt.Errorf("duplicate %q key in header", key)
			}
			return nil, nil, fmt.Errorf("duplicate tensor name %q in header", key)
		}
		seen[key] = true
		if key == metadataKey {
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if err := checkName(key); err != nil {
			return nil, nil, err
		}
		e, err := p.tensor(key)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if err := p.delim('}', "header"); err != nil {
		return nil, nil, err
	}
	rest := header[dec.InputOffset():]
	if len(bytes.TrimRight(rest, " ")) != 0 {
		return nil, nil, errors.New("header has bytes other than space padding after its JSON object")
	}
	return entries, meta, nil
}

// parser wraps a token stream with helpers that turn every surprise into a
// descriptive error.
type parser struct {
	dec *json.Decoder
}

func (p *parser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("header is not valid JSON: unexpected end")
		}
		return nil, fmt.Errorf("header is not valid JSON: %v", err)
	}
	return tok, nil
}

// delim consumes the delimiter d; what names the value for errors.
func (p *parser) delim(d json.Delim, what string) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		switch d {
		case '{':
			return fmt.Errorf("%s is not a JSON object (found %s)", what, describe(tok))
		case '[':
			return fmt.Errorf("%s is not a JSON array (found %s)", what, describe(tok))
		}
		return fmt.Errorf("%s: expected %q, found %s", what, d, describe(tok))
	}
	return nil
}

// key reads an object key; inside an object the decoder only yields strings
// here, but check anyway.
func (p *parser) key() (string, error) {
	tok, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("header is not valid JSON: object key is %s", describe(tok))
	}
	return s, nil
}

func (p *parser) metadata() (map[string]string, error) {
	if err := p.delim('{', `"__metadata__"`); err != nil {
		return nil, err
	}
	meta := make(map[string]string)
	for p.dec.More() {
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if _, dup := meta[k]; dup {
			return nil, fmt.Errorf("duplicate metadata key %q", k)
		}
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("metadata value for key %q is %s, not a string", k, describe(tok))
		}
		meta[k] = v
	}
	if err := p.delim('}', `"__metadata__"`); err != nil {
		return nil, err
	}
	return meta, nil
}

func (p *parser) tensor(name string) (indexEntry, error) {
	var e indexEntry
	e.name = name
	what := fmt.Sprintf("tensor %q", name)
	if err := p.delim('{', what); err != nil {
		return e, err
	}
	var haveDtype, haveShape, haveOffsets bool
	for p.dec.More() {
		field, err := p.key()
		if err != nil {
			return e, err
		}
		var dup bool
		switch field {
		case "dtype":
			dup, haveDtype = haveDtype, true
		case "shape":
			dup, haveShape = haveShape, true
		case "data_offsets":
			dup, haveOffsets = haveOffsets, true
		default:
			return e, fmt.Errorf("%s: unknown field %q", what, field)
		}
		if dup {
			return e, fmt.Errorf("%s: duplicate field %q", what, field)
		}
		switch field {
		case "dtype":
			tok, err := p.token()
			if err != nil {
				return e, err
			}
			s, ok := tok.(string)
			if !ok {
				return e, fmt.Errorf("%s: dtype is %s, not a string", what, describe(tok))
			}
			switch s {
			case "F64":
			case "F32":
				e.f32 = true
			default:
				return e, fmt.Errorf("%s: dtype %q is not supported (only F64 and F32)", what, s)
			}
		case "shape":
			dims, err := p.ints(what+": shape", -1)
			if err != nil {
				return e, err
			}
			e.shape = make([]int, len(dims))
			for i, d := range dims {
				if d > math.MaxInt {
					return e, fmt.Errorf("%s: shape dimension %d overflows", what, d)
				}
				e.shape[i] = int(d)
			}
			if e.n, err = numElements(e.shape); err != nil {
				return e, fmt.Errorf("%s: %v", what, err)
			}
		case "data_offsets":
			offs, err := p.ints(what+": data_offsets", 2)
			if err != nil {
				return e, err
			}
			e.begin, e.end = int64(offs[0]), int64(offs[1])
		}
	}
	if err := p.delim('}', what); err != nil {
		return e, err
	}
	switch {
	case !haveDtype:
		return e, fmt.Errorf("%s: missing field \"dtype\"", what)
	case !haveShape:
		return e, fmt.Errorf("%s: missing field \"shape\"", what)
	case !haveOffsets:
		return e, fmt.Errorf("%s: missing field \"data_offsets\"", what)
	}
	return e, nil
}

// ints reads an array of non-negative integers that fit in an int64. If
// want >= 0 the array must have exactly that many elements.
func (p *parser) ints(what string, want int) ([]uint64, error) {
	if err := p.delim('[', what); err != nil {
		return nil, err
	}
	var out []uint64
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: element %s is not a number", what, describe(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 63)
		if err != nil {
			switch {
			case errors.Is(err, strconv.ErrRange):
				return nil, fmt.Errorf("%s: %s overflows", what, num)
			case len(num) > 0 && num[0] == '-':
				return nil, fmt.Errorf("%s: %s is negative", what, num)
			default:
				return nil, fmt.Errorf("%s: %s is not a non-negative integer", what, num)
			}
		}
		if want >= 0 && len(out) == want {
			return nil, fmt.Errorf("%s: more than %d elements", what, want)
		}
		out = append(out, v)
	}
	if err := p.delim(']', what); err != nil {
		return nil, err
	}
	if want >= 0 && len(out) != want {
		return nil, fmt.Errorf("%s: %d elements, want %d", what, len(out), want)
	}
	return out, nil
}

// describe names a JSON token for error messages.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{', '}':
			return "an object"
		case '[', ']':
			return "an array"
		}
	case string:
		return fmt.Sprintf("string %q", t)
	case json.Number:
		return "number " + string(t)
	case bool:
		return "boolean " + strconv.FormatBool(t)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}
