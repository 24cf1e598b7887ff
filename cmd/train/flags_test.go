package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestNamedFlags checks the flags of the typed settings: -h lists every
// name, each name parses to the value of that name, and a bad name is an
// error naming the flag and the names it takes. -objective em alone also
// picks the exact gradient.
func TestNamedFlags(t *testing.T) {
	var help bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, defaultConfig(), &help); err == nil {
		t.Fatal("-h: no ErrHelp")
	}
	for _, tc := range []struct {
		flag  string
		names []string // in the order -h lists them; the default first, unless def says otherwise
		get   func(o *options) fmt.Stringer
		def   string
	}{
		{"activation", []string{"tanh", "identity", "relu", "sigmoid", "softplus"}, func(o *options) fmt.Stringer { return o.cfg.Activation }, ""},
		{"decoder-activation", []string{"tanh", "identity", "relu", "sigmoid", "softplus"}, func(o *options) fmt.Stringer { return o.cfg.DecoderActivation }, ""},
		{"input", []string{"counts", "log1p"}, func(o *options) fmt.Stringer { return o.cfg.Input }, ""},
		{"prior", []string{"fixed", "learned"}, func(o *options) fmt.Stringer { return o.cfg.Prior }, "learned"},
		{"estimator", []string{"rloo", "reinforce", "nvil", "vimco", "disarm", "exact"}, func(o *options) fmt.Stringer { return o.cfg.Estimator }, ""},
		{"objective", []string{"elbo", "em"}, func(o *options) fmt.Stringer { return o.cfg.Objective }, ""},
		{"kl", []string{"closed", "stochastic"}, func(o *options) fmt.Stringer { return o.cfg.KL }, ""},
		{"lr-schedule", []string{"cosine", "constant"}, func(o *options) fmt.Stringer { return o.cfg.LRSchedule }, ""},
		{"dtype", []string{"float64", "float32"}, func(o *options) fmt.Stringer { return o.cfg.Dtype }, "float32"},
		{"lr-scaling", []string{"fan-in", "none"}, func(o *options) fmt.Stringer { return o.cfg.LRScaling }, ""},
	} {
		list := strings.Join(tc.names, "|")
		if !strings.Contains(help.String(), "  -"+tc.flag+" ") || !strings.Contains(help.String(), list) {
			t.Errorf("-h does not list -%s's %s:\n%s", tc.flag, list, help.String())
		}
		o, err := parseFlags(nil, defaultConfig(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		def := tc.def
		if def == "" {
			def = tc.names[0]
		}
		if got := tc.get(o).String(); got != def {
			t.Errorf("-%s defaults to %s, want %s", tc.flag, got, def)
		}
		for _, name := range tc.names {
			o, err := parseFlags([]string{"-" + tc.flag, name}, defaultConfig(), io.Discard)
			if err != nil {
				t.Errorf("-%s %s: %v", tc.flag, name, err)
			} else if got := tc.get(o).String(); got != name {
				t.Errorf("-%s %s parsed as %s", tc.flag, name, got)
			}
		}
		_, err = parseFlags([]string{"-" + tc.flag, "Nonsense"}, defaultConfig(), io.Discard)
		want := strings.Join(tc.names[:len(tc.names)-1], ", ") + " or " + tc.names[len(tc.names)-1]
		if err == nil || !strings.Contains(err.Error(), "flag -"+tc.flag+":") || !strings.Contains(err.Error(), want) {
			t.Errorf("-%s Nonsense: error %v, want one naming the flag and %s", tc.flag, err, want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-objective", "em"}, "exact"},
		{[]string{"-objective", "em", "-estimator", "nvil"}, "nvil"}, // refused later, by Validate
		{[]string{"-objective", "elbo"}, "rloo"},
	} {
		o, err := parseFlags(tc.args, defaultConfig(), io.Discard)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
		} else if o.cfg.Estimator.String() != tc.want {
			t.Errorf("%v: estimator %v, want %s", tc.args, o.cfg.Estimator, tc.want)
		}
	}
}

// TestNewRunDtype checks a new run's dtype: float32 by default, float64
// where float32 does not run (the exact gradient, also picked by
// -objective em, and a registered architecture) unless -dtype says
// otherwise, which Validate then refuses with the flag to give.
func TestNewRunDtype(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    string
		refused bool
	}{
		{nil, "float32", false},
		{[]string{"-dtype", "float64"}, "float64", false},
		{[]string{"-estimator", "exact"}, "float64", false},
		{[]string{"-objective", "em"}, "float64", false},
		{[]string{"-encoder-arch", "residual"}, "float64", false},
		{[]string{"-decoder-arch", "residual"}, "float64", false},
		{[]string{"-estimator", "exact", "-dtype", "float32"}, "float32", true},
	} {
		o, err := parseFlags(append(tc.args, "-out", t.TempDir()), defaultConfig(), io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		cfg := o.cfg
		newRunDefaults(&cfg, o.set)
		if got := cfg.Dtype.String(); got != tc.want {
			t.Errorf("%v: dtype %s, want %s", tc.args, got, tc.want)
		}
		cfg.V = 10
		err = cfg.Validate()
		if tc.refused != (err != nil) || tc.refused && !strings.Contains(err.Error(), "-dtype float64") {
			t.Errorf("%v: Validate gave %v, want refused %v (naming -dtype float64)", tc.args, err, tc.refused)
		}
	}
}
