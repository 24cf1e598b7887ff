package enum

import (
	"strings"
	"testing"
)

type color int

const (
	red color = iota
	green
	blue
)

var colors = New[color]("color", []string{red: "red", green: "green", blue: "blue"})

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		v    color
		name string
	}{{red, "red"}, {green, "green"}, {blue, "blue"}} {
		if got := colors.String(tc.v); got != tc.name {
			t.Errorf("String(%d) = %q, want %q", tc.v, got, tc.name)
		}
		b, err := colors.MarshalText(tc.v)
		if err != nil || string(b) != tc.name {
			t.Errorf("MarshalText(%d) = %q, %v; want %q", tc.v, b, err, tc.name)
		}
		v := color(-7)
		if err := colors.UnmarshalText(&v, []byte(tc.name)); err != nil || v != tc.v {
			t.Errorf("UnmarshalText(%q) = %d, %v; want %d", tc.name, v, err, tc.v)
		}
	}
}

func TestRefusals(t *testing.T) {
	for _, v := range []color{-1, 3} {
		if _, err := colors.MarshalText(v); err == nil {
			t.Errorf("MarshalText(%d): no error", v)
		}
		if got := colors.String(v); !strings.HasPrefix(got, "color(") {
			t.Errorf("String(%d) = %q", v, got)
		}
	}
	v := green
	for _, text := range []string{"", "Red", "red ", "purple"} {
		err := colors.UnmarshalText(&v, []byte(text))
		if err == nil || !strings.Contains(err.Error(), "(want red, green or blue)") {
			t.Errorf("UnmarshalText(%q): error %v, want one listing the names", text, err)
		}
		if v != green {
			t.Errorf("UnmarshalText(%q) changed the value to %d", text, v)
		}
	}
}

func TestNewPanics(t *testing.T) {
	for _, names := range [][]string{{"a", ""}, {"a", "a"}, {"a b"}, {"a|b"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%q): no panic", names)
				}
			}()
			New[color]("color", names)
		}()
	}
}
