package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/amvi/amvi/internal/outfile"
)

// plotCurves draws the training objective and validation ELBO from a
// metrics.jsonl file against epochs, into a PNG.
func plotCurves(metricsPath, pngPath string) error {
	f, err := os.Open(metricsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	var trainPts, validPts plotter.XYs
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return fmt.Errorf("%s: %w", metricsPath, err)
		}
		if m.Epoch == float64(int(m.Epoch)) {
			trainPts = append(trainPts, plotter.XY{X: m.Epoch, Y: m.TrainObjective})
		}
		if m.ValidELBO != nil {
			validPts = append(validPts, plotter.XY{X: m.Epoch, Y: *m.ValidELBO})
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = "amvi: bound per document"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "nats per document"
	p.Add(plotter.NewGrid())
	for _, s := range []struct {
		name string
		pts  plotter.XYs
		dash bool
	}{{"training objective", trainPts, false}, {"validation ELBO", validPts, true}} {
		if len(s.pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.pts)
		if err != nil {
			return err
		}
		if s.dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Legend.Top = false
	w, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, "png")
	if err != nil {
		return err
	}
	o, err := outfile.Create(pngPath)
	if err != nil {
		return err
	}
	if _, err := w.WriteTo(o); err != nil {
		o.Abort()
		return err
	}
	return o.Commit()
}
