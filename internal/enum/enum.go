// Package enum gives amvi's enumerated settings (activations, estimators,
// schedules, …) their text form. Each setting is an int type whose values
// are 0, 1, … and whose zero value is its default; configurations store it
// by name, and the commands parse the name once, at the command line.
//
// A type declares its names once and forwards its methods:
//
//	var schedules = enum.New[Schedule]("learning-rate schedule", []string{Constant: "constant", Cosine: "cosine"})
//
//	func (s Schedule) String() string                 { return schedules.String(s) }
//	func (s Schedule) MarshalText() ([]byte, error)    { return schedules.MarshalText(s) }
//	func (s *Schedule) UnmarshalText(text []byte) error { return schedules.UnmarshalText(s, text) }
package enum

import (
	"fmt"
	"strings"
)

// Names are the names of the values 0, 1, … of an enumerated type T.
type Names[T ~int] struct {
	what  string
	names []string
}

// New returns the names of T's values; names[v] is the name of v, and what
// names the setting in errors ("activation").
// It panics if a name is empty or repeated.
func New[T ~int](what string, names []string) Names[T] {
	for i, n := range names {
		if n == "" || strings.ContainsAny(n, " ,|") {
			panic(fmt.Sprintf("enum: %s %d has the name %q", what, i, n))
		}
		for _, m := range names[:i] {
			if m == n {
				panic(fmt.Sprintf("enum: %s name %q twice", what, n))
			}
		}
	}
	return Names[T]{what: what, names: names}
}

// String returns v's name, or what(v) for a value that has none.
func (n Names[T]) String(v T) string {
	if v < 0 || int(v) >= len(n.names) {
		return fmt.Sprintf("%s(%d)", n.what, int(v))
	}
	return n.names[v]
}

// MarshalText returns v's name, and an error for a value that has none.
func (n Names[T]) MarshalText(v T) ([]byte, error) {
	if v < 0 || int(v) >= len(n.names) {
		return nil, fmt.Errorf("%s %d is none of %s", n.what, int(v), n.list())
	}
	return []byte(n.names[v]), nil
}

// UnmarshalText sets *v to the value named text; an unknown name is an
// error that lists the names.
func (n Names[T]) UnmarshalText(v *T, text []byte) error {
	for i, name := range n.names {
		if name == string(text) {
			*v = T(i)
			return nil
		}
	}
	return fmt.Errorf("unknown %s %q (want %s)", n.what, text, n.list())
}

// list returns the names as "a, b or c".
func (n Names[T]) list() string {
	if len(n.names) == 1 {
		return n.names[0]
	}
	return strings.Join(n.names[:len(n.names)-1], ", ") + " or " + n.names[len(n.names)-1]
}
