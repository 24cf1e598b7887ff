package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxLineBytes is the longest line, in bytes, that the readers accept. It is
// a variable so that tests can lower it.
var maxLineBytes = 64 << 20

// lineReader returns the lines of an input one at a time, without the line
// terminator ("\n" or "\r\n") and without a UTF-8 byte order mark at the
// start of the input.
type lineReader struct {
	br   *bufio.Reader
	name string
	line int    // number of the line last returned, 1-based
	buf  []byte // holds lines longer than the bufio buffer
}

func newLineReader(r io.Reader, name string) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), name: name}
}

// next returns the next line, which is valid until the following call. At the
// end of the input it returns io.EOF. A line longer than maxLineBytes, or one
// that holds a NUL byte or is not valid UTF-8, gives a *ParseError; a failure
// of the underlying reader is wrapped.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if len(lr.buf)+len(chunk) > maxLineBytes+2 { // +2 for "\r\n"
			return nil, parseErrorf(lr.name, lr.line+1, "line longer than %d bytes", maxLineBytes)
		}
		if err == bufio.ErrBufferFull {
			lr.buf = append(lr.buf, chunk...)
			continue
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("data: reading %s: %w", lr.name, err)
		}
		line := chunk
		if len(lr.buf) > 0 {
			lr.buf = append(lr.buf, chunk...)
			line = lr.buf
		}
		if err == io.EOF && len(line) == 0 {
			return nil, io.EOF
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if lr.line == 0 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF")) // byte order mark
		}
		lr.line++
		if len(line) > maxLineBytes {
			return nil, parseErrorf(lr.name, lr.line, "line longer than %d bytes", maxLineBytes)
		}
		if msg := checkText(line); msg != "" {
			return nil, parseErrorf(lr.name, lr.line, "%s", msg)
		}
		return line, nil
	}
}

// checkText returns a description of the problem if line holds a NUL byte or
// is not valid UTF-8, and "" otherwise.
func checkText(line []byte) string {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return fmt.Sprintf("NUL byte at column %d", i+1)
	}
	if !utf8.Valid(line) {
		return "invalid UTF-8"
	}
	return ""
}

// isSpace reports whether c separates fields in the numeric formats.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\v', '\f':
		return true
	}
	return false
}

// nextField returns the first field of s separated by isSpace bytes, and the
// rest of s after it. It returns an empty field when s holds only spaces.
func nextField(s []byte) (field, rest []byte) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

// numStatus classifies the result of parseNum.
type numStatus int

const (
	numOK       numStatus = iota
	numInvalid            // not an optionally signed decimal integer
	numOverflow           // a decimal integer too large for int
)

// parseNum parses an optionally signed decimal integer.
func parseNum(b []byte) (int, numStatus) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, numInvalid
	}
	const cutoff = int(^uint(0)>>1) / 10
	n := 0
	overflow := false
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, numInvalid
		}
		d := int(c - '0')
		if n > cutoff || n*10 > int(^uint(0)>>1)-d {
			overflow = true
			continue // keep checking that the rest are digits
		}
		n = n*10 + d
	}
	if overflow {
		return 0, numOverflow
	}
	if neg {
		n = -n
	}
	return n, numOK
}

// errOverflow is used internally to signal that a sum overflowed int.
var errOverflow = errors.New("overflow")

// addTokens returns a+b, or errOverflow if the sum of the non-negative a and
// b does not fit in an int.
func addTokens(a, b int) (int, error) {
	if b > int(^uint(0)>>1)-a {
		return 0, errOverflow
	}
	return a + b, nil
}
