package train

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct {
		x       float64
		integer bool
		want    float64
	}{
		{0.3, false, 0.5}, {1, false, 1}, {1.1, false, 2}, {2.2, false, 2.5}, {3, false, 5}, {7, false, 10},
		{42, false, 50}, {130, false, 200}, {0.3, true, 1}, {2.2, true, 5}, {20, true, 20}, {0, false, 1},
	} {
		if got := niceStep(tc.x, tc.integer); got != tc.want {
			t.Errorf("niceStep(%v, %v) = %v, want %v", tc.x, tc.integer, got, tc.want)
		}
	}
}

// TestNiceTicksAreRound checks that every labelled tick is a whole multiple
// of a 1-2-2.5-5 step, lies in the range, and reads back as its value.
func TestNiceTicksAreRound(t *testing.T) {
	for _, r := range [][2]float64{{0, 100}, {0, 3}, {700, 1250}, {-660, -560}, {0.5, 0.9}, {1100, 1500}, {0, 37}} {
		for _, integer := range []bool{false, true} {
			if integer && r[1]-r[0] < 3 {
				continue // too short for integer ticks
			}
			ticks := niceTicks{integer: integer}.Ticks(r[0], r[1])
			labelled := 0
			for _, tk := range ticks {
				if tk.Value < r[0]-1e-9 || tk.Value > r[1]+1e-9 {
					t.Errorf("%v: tick %v outside the range", r, tk.Value)
				}
				if integer && tk.Value != math.Trunc(tk.Value) {
					t.Errorf("%v: tick %v is not an integer", r, tk.Value)
				}
				if tk.Label == "" {
					continue
				}
				labelled++
				v, err := strconv.ParseFloat(tk.Label, 64)
				if err != nil || math.Abs(v-tk.Value) > 1e-9*math.Max(1, math.Abs(v)) {
					t.Errorf("%v: label %q for tick %v", r, tk.Label, tk.Value)
				}
			}
			if labelled < 3 || labelled > 11 {
				t.Errorf("%v (integer %v): %d labelled ticks, want 3 to 11: %v", r, integer, labelled, ticks)
			}
		}
	}
}

// TestPlotCurves draws a metrics file that mixes the current lines with one
// from before the per-word figures, and checks the PNG.
func TestPlotCurves(t *testing.T) {
	dir := t.TempDir()
	metrics := filepath.Join(dir, MetricsFile)
	f, err := os.Create(metrics)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"epoch":0.5,"step":10,"train_objective":-700,"valid_elbo":-650,"valid_perplexity":1500,"lr":0.001,"elapsed_s":1,"best":true,"goroutines":3}` + "\n")
	for e := 1; e <= 30; e++ {
		v := -560 - 40*math.Exp(-float64(e)/10)
		vp := math.Exp(-v / 84)
		m := metric{Epoch: float64(e), Step: e * 20, TrainObjective: v - 5, TrainPerplexity: math.Exp(-(v - 5) / 84),
			ValidELBO: &v, ValidPerplexityCorpus: &vp}
		b, _ := json.Marshal(m)
		f.Write(append(b, '\n'))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := readCurves(metrics)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.trainPPL) != 30 || len(c.validPPL) != 30 || len(c.trainNats) != 30 || len(c.validNats) != 31 {
		t.Errorf("series of %d, %d, %d, %d points, want 30, 30, 30, 31", len(c.trainPPL), len(c.validPPL), len(c.trainNats), len(c.validNats))
	}
	out := filepath.Join(dir, CurveFile)
	if err := plotCurves(metrics, out); err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	img, err := png.Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
		t.Errorf("image %v, want at least 800×300", b)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 2 {
		t.Errorf("files left in the folder: %v, want metrics and curve only", names)
	}
}
