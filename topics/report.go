package topics

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Factor describes one binary factor: its top words and how often
// documents use it.
type Factor struct {
	Factor int       `json:"factor"`
	Words  []string  `json:"words"`   // the top words, largest effect first
	IDs    []int     `json:"ids"`     // their 0-based word ids
	Effect []float64 `json:"effects"` // their logit rises (see Effects)
	// On is the fraction of the corpus's documents whose most probable code
	// has the factor on, and MeanProbability the mean of q(z_j = 1 | x);
	// both are NaN (null in JSON) without a corpus.
	On              float64 `json:"on"`
	MeanProbability float64 `json:"mean_probability"`
}

// Describe returns the factors listed in which (all K when which is nil),
// each with its n top words from effects (K×V, as [Effects] returns it)
// spelled with vocab (V words; an empty word is written "#id", with the
// 1-based id of the feat format), and on and mean (K values, as [Usage]
// returns them, or nil). It panics if a factor is out of range or the
// lengths do not match.
func Describe(effects []float64, vocab []string, on, mean []float64, n int, which []int) []Factor {
	v := len(vocab)
	if v == 0 || len(effects)%v != 0 {
		panic(fmt.Sprintf("topics: %d effects for %d words", len(effects), v))
	}
	k := len(effects) / v
	if (on != nil && len(on) != k) || (mean != nil && len(mean) != k) {
		panic("topics: usage of another number of factors")
	}
	if which == nil {
		for j := range k {
			which = append(which, j)
		}
	}
	fs := make([]Factor, 0, len(which))
	for _, j := range which {
		if j < 0 || j >= k {
			panic(fmt.Sprintf("topics: factor %d out of range 0..%d", j, k-1))
		}
		row := effects[j*v : (j+1)*v]
		f := Factor{Factor: j, IDs: Top(row, n), On: math.NaN(), MeanProbability: math.NaN()}
		for _, w := range f.IDs {
			word := vocab[w]
			if word == "" {
				word = fmt.Sprintf("#%d", w+1)
			}
			f.Words = append(f.Words, word)
			f.Effect = append(f.Effect, row[w])
		}
		if on != nil {
			f.On = on[j]
		}
		if mean != nil {
			f.MeanProbability = mean[j]
		}
		fs = append(fs, f)
	}
	return fs
}

// grid is the heat map's data: column c, row r is the effect of factor
// r's c-th word (row 0 at the bottom, so the first factor is drawn on top).
type grid []Factor

func (g grid) Dims() (c, r int)   { return len(g[0].Effect), len(g) }
func (g grid) Z(c, r int) float64 { return g.f(r).Effect[c] }
func (g grid) X(c int) float64    { return float64(c + 1) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) f(r int) Factor     { return g[len(g)-1-r] }

// Plot draws the factors as a heat map into a PNG file at path: one row
// per factor (labelled with its index and, with a corpus, how often it is
// on), one column per top word, each cell holding the word and coloured by
// its effect. It writes a temporary file beside path and renames it, so
// that path is never left half written. It panics if factors is empty or
// the factors have different numbers of words.
func Plot(factors []Factor, title, path string) error {
	if len(factors) == 0 {
		panic("topics: Plot of no factors")
	}
	n := len(factors[0].Effect)
	for _, f := range factors {
		if len(f.Effect) != n {
			panic("topics: Plot of factors with different numbers of words")
		}
	}
	g := grid(factors)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range factors {
		for _, e := range f.Effect {
			lo, hi = math.Min(lo, e), math.Max(hi, e)
		}
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(math.Max(hi, lo+1e-9))
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = fmt.Sprintf("word rank; colour: rise of the word's logit when the factor is on, from %.2f (blue) to %.2f (red)", lo, hi)
	h := plotter.NewHeatMap(g, pal.Palette(256))
	p.Add(h)
	var xys plotter.XYs
	var words []string
	for r := range len(g) {
		f := g.f(r)
		for c, w := range f.Words {
			xys = append(xys, plotter.XY{X: float64(c + 1), Y: float64(r)})
			words = append(words, w)
		}
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: words})
	if err != nil {
		return err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Color = color.Black
		labels.TextStyle[i].XAlign = draw.XCenter
		labels.TextStyle[i].YAlign = draw.YCenter
		labels.TextStyle[i].Font.Size = vg.Points(9)
	}
	p.Add(labels)
	var yt, xt []plot.Tick
	for r := range len(g) {
		f := g.f(r)
		name := fmt.Sprintf("z%d", f.Factor)
		if !math.IsNaN(f.On) {
			name += fmt.Sprintf(" (on %.0f%%)", 100*f.On)
		}
		yt = append(yt, plot.Tick{Value: float64(r), Label: name})
	}
	for c := range n {
		xt = append(xt, plot.Tick{Value: float64(c + 1), Label: fmt.Sprint(c + 1)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(g))-0.5
	width := vg.Length(n)*0.95*vg.Inch + 1.6*vg.Inch
	height := vg.Length(len(g))*0.3*vg.Inch + 1.1*vg.Inch
	img := vgimg.New(width, height)
	p.Draw(draw.New(img))
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("topics: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("topics: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("topics: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("topics: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("topics: %w", err)
	}
	return nil
}
