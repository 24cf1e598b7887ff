package estimators_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/amvi/amvi/estimators"
)

// TestKindNames takes every kind from its name to its value and back,
// directly and in JSON, and requires New's estimator to bear the kind's
// name; the zero Kind is RLOO and the zero KLMode the closed form.
func TestKindNames(t *testing.T) {
	for _, tc := range []struct {
		k    estimators.Kind
		name string
		want any // the type New returns; nil for exact
	}{
		{estimators.KindRLOO, "rloo", &estimators.RLOO{}},
		{estimators.KindReinforce, "reinforce", &estimators.Reinforce{}},
		{estimators.KindNVIL, "nvil", &estimators.NVIL{}},
		{estimators.KindVIMCO, "vimco", &estimators.VIMCO{}},
		{estimators.KindDisARM, "disarm", &estimators.DisARM{}},
		{estimators.KindExact, "exact", nil},
	} {
		var k estimators.Kind = -1
		if err := k.UnmarshalText([]byte(tc.name)); err != nil || k != tc.k || k.String() != tc.name {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %d", tc.name, k, err, tc.k)
		}
		if js, err := json.Marshal(tc.k); err != nil || string(js) != `"`+tc.name+`"` {
			t.Errorf("%d in JSON: %s, %v", tc.k, js, err)
		}
		if tc.want == nil {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("New(%v): no panic", tc.k)
					}
				}()
				estimators.New(tc.k, estimators.ClosedForm, 3, 1)
			}()
			continue
		}
		est := estimators.New(tc.k, estimators.ClosedForm, 3, 1)
		if fmt.Sprintf("%T", est) != fmt.Sprintf("%T", tc.want) || est.Name() != tc.name {
			t.Errorf("New(%v) = %T named %q", tc.k, est, est.Name())
		}
	}
	for _, tc := range []struct {
		m    estimators.KLMode
		name string
	}{{estimators.ClosedForm, "closed"}, {estimators.Stochastic, "stochastic"}} {
		var m estimators.KLMode = -1
		if err := m.UnmarshalText([]byte(tc.name)); err != nil || m != tc.m || tc.m.String() != tc.name {
			t.Errorf("KL mode %q read as %v, %v", tc.name, m, err)
		}
	}
	var k estimators.Kind
	var m estimators.KLMode
	if k != estimators.KindRLOO || m != estimators.ClosedForm {
		t.Errorf("zero values: %v, %v", k, m)
	}
	if err := k.UnmarshalText([]byte("NVIL")); err == nil || !strings.Contains(err.Error(), "want rloo, reinforce, nvil, vimco, disarm or exact") {
		t.Errorf("NVIL: %v", err)
	}
	for _, bad := range []estimators.Kind{-1, estimators.KindExact + 1} {
		if _, err := bad.MarshalText(); err == nil {
			t.Errorf("Kind %d marshals", bad)
		}
	}
}

// A Kind names an estimator; its zero value is the default, RLOO.
func ExampleKind() {
	var k estimators.Kind
	fmt.Println(k, estimators.New(k, estimators.ClosedForm, 0, 1).Name())

	if err := k.UnmarshalText([]byte("vimco")); err != nil {
		fmt.Println(err)
		return
	}
	est := estimators.New(k, estimators.ClosedForm, 0, 1)
	fmt.Println(est.Name(), est.MinSamples())
	// Output:
	// rloo rloo
	// vimco 2
}
