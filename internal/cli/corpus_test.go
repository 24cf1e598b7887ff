package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amvi/amvi/data"
)

// TestSurprisingSizesAreRefused reads corpora whose size comes from one
// stray id or a UCI header's W: refused, naming -vocab, before a model of
// that size is made; with the model's V known, the stray id is named by
// its line. Unlabelled files read as feat get the flag that reads them,
// and an empty vocabulary file is refused.
func TestSurprisingSizesAreRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stray := write("stray.feat", "1 1:2 3:1\n1 2000000:1\n")
	if _, err := LoadCorpus(stray, "feat", nil); err == nil || !strings.Contains(err.Error(), "V=2000000 from its largest word id, but only 3 distinct words appear: give the vocabulary file with -vocab") {
		t.Errorf("stray id: %v", err)
	}
	if _, err := LoadCorpusV(stray, "feat", nil, 10); err == nil || !strings.Contains(err.Error(), "stray.feat:2") {
		t.Errorf("stray id with V known: %v", err)
	}
	uci := write("docword.txt", "2\n50000000\n2\n1 1 1\n2 2 1\n")
	if _, err := LoadCorpus(uci, "uci", nil); err == nil || !strings.Contains(err.Error(), "header's W") || !strings.Contains(err.Error(), "-vocab") {
		t.Errorf("UCI W: %v", err)
	}
	nolabel := write("nolabel.feat", "1:2 3:1\n")
	if _, err := LoadCorpus(nolabel, "feat", nil); !errors.Is(err, data.ErrNoLabels) || !strings.Contains(err.Error(), "-format feat-nolabel") {
		t.Errorf("unlabelled file: %v", err)
	}
	if _, err := LoadVocab(write("empty.txt", "")); err == nil || !strings.Contains(err.Error(), "empty.txt: the vocabulary file is empty") {
		t.Errorf("empty vocabulary: %v", err)
	}
	if c, err := LoadCorpus(write("ok.feat", "1 1:2 3:1\n"), "feat", nil); err != nil || c.V != 3 {
		t.Errorf("a good file: %v", err)
	}
}
