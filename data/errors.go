package data

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ParseError reports malformed input. Its message has the form
// "FILE:LINE: MSG", or "FILE: MSG" when Line is 0 because the problem is not
// tied to one line.
type ParseError struct {
	File string // name of the input, as given to the reader
	Line int    // 1-based line number, or 0 if not line-specific
	Msg  string // description of the problem
	Err  error  // a sentinel the problem is an instance of, or nil
}

// Unwrap returns e.Err.
func (e *ParseError) Unwrap() error { return e.Err }

// ErrNoLabels is wrapped by the *ParseError of a feat file read with labels
// whose first field is an id:count token: a file without labels.
var ErrNoLabels = errors.New("the file has no labels")

// Error implements the error interface.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

func parseErrorf(file string, line int, format string, args ...any) *ParseError {
	return &ParseError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// maxQuoted is the number of bytes of an offending token quoted in an error
// message.
const maxQuoted = 40

// quote returns b quoted for an error message, shortened if it is long.
func quote(b []byte) string {
	if len(b) <= maxQuoted {
		return strconv.Quote(string(b))
	}
	n := maxQuoted
	// Do not cut a UTF-8 sequence in half.
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return strconv.Quote(string(b[:n])) + "..."
}
