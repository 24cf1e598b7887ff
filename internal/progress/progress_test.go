package progress

import (
	"strings"
	"testing"
	"time"

	"github.com/amvi/amvi/train"
)

func sample() train.Progress {
	return train.Progress{Epoch: 2, Epochs: 100, Batch: 52, Batches: 174, Step: 400, DocsPerSecond: 12345.6,
		RunningObjective: -591.234, Elapsed: 62 * time.Second, Left: 100 * time.Minute,
		HasValid: true, ValidELBO: -590.123, ValidPerplexity: 812.34, HasBest: true, BestValid: -589.951, BestEpoch: 2}
}

func TestDescribeFits(t *testing.T) {
	p := sample()
	for _, width := range []int{40, 60, 80, 100, 140, 200} {
		desc, bar := Describe(p, width)
		if bar < 10 || bar > 30 {
			t.Errorf("width %d: bar %d columns", width, bar)
		}
		// The percentage, the bar's ends and spaces take 9 columns.
		if n := len(desc) + bar + 9; n > width-1 && width >= 60 {
			t.Errorf("width %d: line of %d columns: %q", width, n, desc)
		}
		for _, always := range []string{"epoch 3/100", "batch 52/174"} {
			if !strings.Contains(desc, always) {
				t.Errorf("width %d: %q lacks %q", width, desc, always)
			}
		}
	}
	wide, _ := Describe(p, 200)
	for _, w := range []string{"12,346 docs/s", "bound -591.23", "valid -590.12 (best -589.95)", "elapsed 1m02s", "left 1h40m"} {
		if !strings.Contains(wide, w) {
			t.Errorf("wide line %q lacks %q", wide, w)
		}
	}
	narrow, _ := Describe(p, 80)
	if !strings.Contains(narrow, "left 1h40m") || strings.Contains(narrow, "docs/s") {
		t.Errorf("at 80 columns %q should keep the time left and drop the speed first", narrow)
	}
}

func TestValidationLine(t *testing.T) {
	p := sample()
	p.Epoch, p.Batch, p.Validated = 3, 0, true
	got := ValidationLine(p, 200)
	want := "epoch 3/100  bound -591.23  valid -590.12 (best -589.95)  ppl 812.3  12,346 docs/s  elapsed 1m02s  left 1h40m"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	p.BestValid = p.ValidELBO
	if got := ValidationLine(p, 80); len(got) > 79 || !strings.Contains(got, "(new best)") {
		t.Errorf("at 80 columns: %q (%d)", got, len(got))
	}
	p.Batch = 87 // -valid-every: mid-epoch
	if got := ValidationLine(p, 80); !strings.HasPrefix(got, "epoch 3.50/100") {
		t.Errorf("mid-epoch: %q", got)
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0s"}, {1400 * time.Millisecond, "1s"}, {62 * time.Second, "1m02s"}, {3599 * time.Second, "59m59s"},
		{3600 * time.Second, "1h00m"}, {100 * time.Minute, "1h40m"}, {26*time.Hour + 31*time.Second, "26h01m"}} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{{0, "0"}, {999.4, "999"}, {999.6, "1,000"}, {12345.6, "12,346"}, {-1234567, "-1,234,567"}, {-0.2, "0"}} {
		if got := Thousands(tc.x); got != tc.want {
			t.Errorf("Thousands(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}
