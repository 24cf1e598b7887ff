// Package progress shows a training run's progress on standard error: on a
// terminal, a bar for the epoch in progress and one line per validation;
// otherwise, log/slog lines with rounded numbers.
package progress

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/amvi/amvi/train"
)

// Attach makes t report its progress on stderr and returns the function to
// call when the run ends. On a terminal it shows, for the epoch in progress,
//
//	30% |██████        | epoch 3/100  batch 52/174  12,345 docs/s  bound -591.23  valid -590.12 (best -589.95)  elapsed 1m02s  left 1h40m
//
// dropping the less important parts when the terminal is narrow, and
// prints one line per validation above the bar. Otherwise t logs with
// log/slog.
func Attach(t *train.Trainer, stderr io.Writer) (finish func()) {
	t.Log = slog.New(slog.NewTextHandler(stderr, nil))
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	d := &display{w: f, width: func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil || w <= 0 {
			return 80
		}
		return w
	}}
	fmt.Fprintln(f, "bound: training objective; valid: validation ELBO; nats per document")
	t.Progress = d.show
	// Log lines would tear the bar: only warnings (restarts) are printed,
	// above it.
	t.Log = slog.New(slog.NewTextHandler(lineWriter{d}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return d.finish
}

// display draws the bar of the current epoch.
type display struct {
	w     io.Writer
	width func() int
	bar   *progressbar.ProgressBar
	epoch int // the bar's epoch
	last  train.Progress
	drawn time.Time
}

func (d *display) show(p train.Progress) {
	if p.Validated {
		d.clear()
		fmt.Fprintln(d.w, ValidationLine(p, d.width()))
		d.bar = nil
		d.last = p
		return
	}
	d.last = p
	if d.bar == nil || d.epoch != p.Epoch {
		d.clear()
		d.epoch = p.Epoch
		d.bar = progressbar.NewOptions(p.Batches,
			progressbar.OptionSetWriter(d.w),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(false),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionSetWidth(20),
			progressbar.OptionUseANSICodes(true))
	}
	// Redraw at most five times a second.
	if time.Since(d.drawn) < 200*time.Millisecond && p.Batch < p.Batches {
		return
	}
	d.drawn = time.Now()
	desc, barWidth := Describe(p, d.width())
	progressbar.OptionSetWidth(barWidth)(d.bar)
	d.bar.Describe(desc)
	_ = d.bar.Set(p.Batch)
}

func (d *display) clear() {
	if d.bar != nil {
		_ = d.bar.Clear()
	}
}

func (d *display) finish() {
	d.clear()
	d.bar = nil
}

// lineWriter prints log lines above the bar.
type lineWriter struct{ d *display }

func (w lineWriter) Write(p []byte) (int, error) {
	w.d.clear()
	fmt.Fprintln(w.d.w, strings.TrimRight(string(p), "\n"))
	w.d.bar = nil // drawn again at the next step
	return len(p), nil
}

// part is a piece of a progress line; parts of lower rank are left out
// first when the line does not fit.
type part struct {
	text string
	rank int
}

// fit joins as many parts as fit in width columns after reserve columns,
// leaving out the lowest-ranked first, but never the first keep parts. It
// returns the line and the columns left.
func fit(parts []part, width, reserve, keep int) (string, int) {
	parts = append([]part(nil), parts...)
	for {
		var texts []string
		n := 0
		for _, q := range parts {
			texts = append(texts, q.text)
			n += len(q.text) + 2
		}
		room := width - reserve - (n - 2)
		if room >= 0 || len(parts) <= keep {
			return strings.Join(texts, "  "), room
		}
		lo := keep
		for i := keep; i < len(parts); i++ {
			if parts[i].rank < parts[lo].rank {
				lo = i
			}
		}
		parts = append(parts[:lo], parts[lo+1:]...)
	}
}

// Describe returns the text after the bar for p and the bar's width, to fit
// a terminal of the given width: the parts that do not fit are left out,
// the least important first.
func Describe(p train.Progress, width int) (string, int) {
	parts := []part{
		{fmt.Sprintf("epoch %d/%d", p.Epoch+1, p.Epochs), 9},
		{fmt.Sprintf("batch %d/%d", p.Batch, p.Batches), 8},
		{Thousands(p.DocsPerSecond) + " docs/s", 2},
		{fmt.Sprintf("bound %.2f", p.RunningObjective), 6},
	}
	switch {
	case p.HasValid && p.HasBest:
		parts = append(parts, part{fmt.Sprintf("valid %.2f (best %.2f)", p.ValidELBO, p.BestValid), 4})
	case p.HasBest:
		parts = append(parts, part{fmt.Sprintf("best valid %.2f", p.BestValid), 4})
	}
	parts = append(parts, part{"elapsed " + Duration(p.Elapsed), 3})
	if p.Left > 0 {
		parts = append(parts, part{"left " + Duration(p.Left), 7})
	}
	// The percentage, the bar's ends, the spaces, the bar itself (at least
	// 10 columns) and a free last column.
	const minBar, maxBar, fixed = 10, 30, 9
	text, room := fit(parts, width, 1+fixed+minBar, 2)
	return text, max(minBar, min(maxBar, minBar+room))
}

// ValidationLine is the line printed after a validation, fitted to width
// columns.
func ValidationLine(p train.Progress, width int) string {
	epoch := float64(p.Epoch) + float64(p.Batch)/float64(max(p.Batches, 1))
	e := fmt.Sprintf("%d", p.Epoch)
	if epoch != math.Trunc(epoch) {
		e = fmt.Sprintf("%.2f", epoch)
	}
	valid := fmt.Sprintf("valid %.2f (best %.2f)", p.ValidELBO, p.BestValid)
	if p.HasBest && p.BestValid == p.ValidELBO {
		valid = fmt.Sprintf("valid %.2f (new best)", p.ValidELBO)
	}
	parts := []part{
		{fmt.Sprintf("epoch %s/%d", e, p.Epochs), 9},
		{fmt.Sprintf("bound %.2f", p.RunningObjective), 8},
		{valid, 8},
		{fmt.Sprintf("ppl %.1f", p.ValidPerplexity), 4},
		{Thousands(p.DocsPerSecond) + " docs/s", 2},
		{"elapsed " + Duration(p.Elapsed), 3},
	}
	if p.Left > 0 {
		parts = append(parts, part{"left " + Duration(p.Left), 5})
	}
	s, _ := fit(parts, width, 1, 3)
	return s
}

// Duration formats d to the second under an hour (1m02s), to the minute
// above (1h40m).
func Duration(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	m := int(d.Round(time.Minute).Minutes())
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}

// Thousands formats x rounded to an integer, with commas between groups
// of three digits.
func Thousands(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	s := fmt.Sprintf("%d", int64(math.Round(math.Abs(x))))
	var b strings.Builder
	if x < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
