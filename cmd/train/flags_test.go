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
		{"dtype", []string{"float64", "float32"}, func(o *options) fmt.Stringer { return o.cfg.Dtype }, ""},
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
