package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/amvi/amvi/internal/outfile"
)

// curves are the series that curve.png shows.
type curves struct {
	trainPPL, validPPL, trainNats, validNats plotter.XYs
}

// readCurves reads the series from a metrics.jsonl file. Lines written
// before the per-word figures existed contribute to the nats panel only.
func readCurves(metricsPath string) (*curves, error) {
	f, err := os.Open(metricsPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &curves{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var m metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", metricsPath, line, err)
		}
		// The training figures average over the epoch so far: plot them
		// only at epochs' ends.
		if m.Epoch == math.Trunc(m.Epoch) {
			c.trainNats = append(c.trainNats, plotter.XY{X: m.Epoch, Y: m.TrainObjective})
			if m.TrainPerplexity > 0 {
				c.trainPPL = append(c.trainPPL, plotter.XY{X: m.Epoch, Y: m.TrainPerplexity})
			}
		}
		if m.ValidELBO != nil {
			c.validNats = append(c.validNats, plotter.XY{X: m.Epoch, Y: *m.ValidELBO})
		}
		if m.ValidPerplexityCorpus != nil {
			c.validPPL = append(c.validPPL, plotter.XY{X: m.Epoch, Y: *m.ValidPerplexityCorpus})
		}
	}
	return c, sc.Err()
}

// plotCurves draws the learning curves of a metrics.jsonl file into a PNG
// with two panels against epochs: the perplexity per word (corpus form,
// exp(−Σ bound/Σ tokens)) of the training objective and of the validation
// ELBO, and the same bounds in nats per document. It writes through a
// temporary file (package outfile).
func plotCurves(metricsPath, pngPath string) error {
	c, err := readCurves(metricsPath)
	if err != nil {
		return err
	}
	left, err := panel("perplexity per word (lower is better)", "perplexity", c.trainPPL, c.validPPL, true)
	if err != nil {
		return err
	}
	right, err := panel("bound per document (higher is better)", "nats per document", c.trainNats, c.validNats, false)
	if err != nil {
		return err
	}
	const w, h = 11 * vg.Inch, 4.5 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	// A margin on every side, so that no label touches the edge.
	dc = draw.Crop(dc, vg.Points(6), -vg.Points(14), vg.Points(4), -vg.Points(4))
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(24)}
	canvases := plot.Align([][]*plot.Plot{{left, right}}, tiles, dc)
	left.Draw(canvases[0][0])
	right.Draw(canvases[0][1])

	o, err := outfile.Create(pngPath)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(o); err != nil {
		o.Abort()
		return err
	}
	return o.Commit()
}

// panel returns one panel: the training series solid, the validation
// series dashed, with round-numbered ticks.
func panel(title, ylabel string, trainPts, validPts plotter.XYs, legendTop bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	xmax, ymin, ymax := 0.0, math.Inf(1), math.Inf(-1)
	for _, s := range []struct {
		name string
		pts  plotter.XYs
		col  color.Color
		dash bool
	}{
		{"training objective (mean over the epoch)", trainPts, color.RGBA{R: 31, G: 119, B: 180, A: 255}, false},
		{"validation ELBO", validPts, color.RGBA{R: 214, G: 39, B: 40, A: 255}, true},
	} {
		if len(s.pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.pts)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = s.col, vg.Points(1.5)
		if s.dash {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
		for _, q := range s.pts {
			xmax, ymin, ymax = math.Max(xmax, q.X), math.Min(ymin, q.Y), math.Max(ymax, q.Y)
		}
	}
	p.Legend.Top = legendTop
	p.Legend.Left = false
	p.Legend.YOffs = 0
	if legendTop {
		p.Legend.YOffs = -vg.Points(4)
	}
	p.Legend.XOffs = -vg.Points(4)
	// Axes from round number to round number: the x axis from 0 to the
	// tick at or above the last epoch, the y axis around the data.
	xStep := niceStep(math.Max(xmax, 1)/5, true)
	p.X.Min, p.X.Max = 0, math.Max(xStep, math.Ceil(xmax/xStep)*xStep)
	p.X.Tick.Marker = niceTicks{integer: true}
	if !math.IsInf(ymin, 0) {
		if ymax == ymin {
			ymin, ymax = ymin-1, ymax+1
		}
		yStep := niceStep((ymax-ymin)/5, false)
		p.Y.Min, p.Y.Max = math.Floor(ymin/yStep)*yStep, math.Ceil(ymax/yStep)*yStep
	}
	p.Y.Tick.Marker = niceTicks{}
	return p, nil
}

// niceStep returns the smallest of 1, 2, 2.5 and 5 times a power of ten
// that is at least x (at least 1 when integer is set).
func niceStep(x float64, integer bool) float64 {
	if !(x > 0) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if s := m * mag; s >= x*(1-1e-9) && (!integer || s >= 1 && s == math.Trunc(s)) {
			return s
		}
	}
	if integer {
		return math.Max(1, 10*mag)
	}
	return 10 * mag
}

// niceTicks labels about five round values, with an unlabelled tick
// between each two.
type niceTicks struct{ integer bool }

func (n niceTicks) Ticks(lo, hi float64) []plot.Tick {
	step := niceStep((hi-lo)/5, n.integer)
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if step*math.Pow(10, float64(decimals)) != math.Trunc(step*math.Pow(10, float64(decimals))) {
		decimals++ // 2.5, 0.25, …
	}
	var ticks []plot.Tick
	first := math.Ceil(lo/step-1e-9) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
		if mid := v + step/2; mid <= hi && !(n.integer && mid != math.Trunc(mid)) {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	if first-step/2 >= lo && !(n.integer && first-step/2 != math.Trunc(first-step/2)) {
		ticks = append(ticks, plot.Tick{Value: first - step/2})
	}
	return ticks
}
