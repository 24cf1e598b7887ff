package encoder_test

import (
	"encoding"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/amvi/amvi/encoder"
)

// TestSettingNames takes every activation and input transform from its
// name to its value and back, directly, in JSON and as a flag, and checks
// that the zero values are the defaults.
func TestSettingNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    encoding.TextMarshaler
		p    interface { // a new zero value
			encoding.TextUnmarshaler
			fmt.Stringer
		}
	}{
		{"tanh", encoder.Tanh, new(encoder.Activation)},
		{"identity", encoder.Identity, new(encoder.Activation)},
		{"relu", encoder.ReLU, new(encoder.Activation)},
		{"sigmoid", encoder.Sigmoid, new(encoder.Activation)},
		{"softplus", encoder.Softplus, new(encoder.Activation)},
		{"counts", encoder.InputCounts, new(encoder.Input)},
		{"log1p", encoder.InputLog1p, new(encoder.Input)},
	} {
		b, err := tc.v.MarshalText()
		if err != nil || string(b) != tc.name {
			t.Errorf("%v: MarshalText %q, %v; want %q", tc.v, b, err, tc.name)
		}
		if err := tc.p.UnmarshalText([]byte(tc.name)); err != nil || tc.p.String() != tc.name {
			t.Errorf("UnmarshalText(%q) = %v, %v", tc.name, tc.p, err)
		}
		js, err := json.Marshal(map[string]any{"v": tc.v})
		if err != nil || string(js) != `{"v":"`+tc.name+`"}` {
			t.Errorf("%v in JSON: %s, %v", tc.v, js, err)
		}
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.TextVar(tc.p, "v", tc.v, "")
		if err := fs.Parse([]string{"-v", "nonsense"}); err == nil || !strings.Contains(err.Error(), `-v: unknown`) {
			t.Errorf("-v nonsense: %v", err)
		}
		if err := fs.Parse([]string{"-v", tc.name}); err != nil || tc.p.String() != tc.name {
			t.Errorf("-v %s: %v, %v", tc.name, tc.p, err)
		}
	}
	var c encoder.Config
	if c.Activation != encoder.Tanh || c.Input != encoder.InputCounts {
		t.Errorf("zero Config: activation %v, input %v", c.Activation, c.Input)
	}
	for _, bad := range []encoding.TextMarshaler{encoder.Activation(-1), encoder.Activation(5), encoder.Input(2)} {
		if b, err := bad.MarshalText(); err == nil {
			t.Errorf("%d: MarshalText %q", bad, b)
		}
	}
}

// An Activation is held and parsed by name, and its zero value is the
// default, tanh.
func ExampleActivation() {
	var cfg encoder.Config
	fmt.Println(cfg.Activation, cfg.Input)

	var act encoder.Activation
	if err := act.UnmarshalText([]byte("relu")); err != nil {
		fmt.Println(err)
		return
	}
	js, _ := json.Marshal(struct{ Activation encoder.Activation }{act})
	fmt.Println(act == encoder.ReLU, string(js))

	fmt.Println(act.UnmarshalText([]byte("gelu")))
	// Output:
	// tanh counts
	// true {"Activation":"relu"}
	// unknown activation "gelu" (want tanh, identity, relu, sigmoid or softplus)
}
