package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/outfile"
)

// corpusHash fingerprints a corpus's documents, in order: the SHA-256 of
// every document's word ids and counts as varints. Resume compares it, so
// that a run does not continue on data that changed under it.
func corpusHash(c *data.Corpus) string {
	h := sha256.New()
	var buf []byte
	for _, d := range c.Docs {
		buf = binary.AppendUvarint(buf[:0], uint64(len(d.Words)))
		for k, w := range d.Words {
			buf = binary.AppendUvarint(buf, uint64(w))
			buf = binary.AppendUvarint(buf, uint64(d.Counts[k]))
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// trimMetrics keeps the lines of the metrics file at path that describe
// steps up to step, the position of the checkpoint a run continues from, and
// drops the rest: lines written after that checkpoint by a process that was
// killed (they will be written again) and any line cut short by the kill. It
// rewrites the file atomically, and only when something is dropped.
func trimMetrics(path string, step int) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	var kept []byte
	dropped := false
	for line := range bytes.Lines(b) {
		var m struct {
			Step *int `json:"step"`
		}
		if !bytes.HasSuffix(line, []byte("\n")) || json.Unmarshal(line, &m) != nil || m.Step == nil || *m.Step > step {
			dropped = true
			continue
		}
		kept = append(kept, line...)
	}
	if !dropped {
		return nil
	}
	if err := outfile.WriteFile(path, kept); err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	return nil
}

// removeStaleTemps deletes the temporary files that a process killed while
// writing leaves in the run folder (".last.safetensors.tmp-…", see package
// outfile), and those of older versions. Only a run's own process writes
// into its folder (it holds the folder's lock), so any such file found
// before the run continues is garbage.
func removeStaleTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if outfile.IsTemp(e.Name()) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	for _, name := range []string{MetricsFile + ".tmp", GoodFile + ".tmp", ConfigFile + ".tmp", "curve.tmp.png"} {
		os.Remove(filepath.Join(dir, name))
	}
}

// markGood makes good.safetensors a copy of last.safetensors, which has just
// been written at a validation, when the run may restart after a
// divergence. The copy is a hard link where the file system has them (no
// data is copied: the next save replaces last.safetensors by a new file and
// leaves the link's file alone), and a plain copy elsewhere. Either way
// good.safetensors is replaced atomically.
func (t *Trainer) markGood() error {
	if t.Config.RestartOnDivergence == 0 {
		return nil
	}
	last, good := filepath.Join(t.Dir, LastFile), filepath.Join(t.Dir, GoodFile)
	tmp := filepath.Join(t.Dir, outfile.TempPrefix+GoodFile+outfile.TempInfix+"link")
	os.Remove(tmp)
	if err := os.Link(last, tmp); err != nil {
		if err := copyFile(last, tmp); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("train: %w", err)
		}
	}
	if err := os.Rename(tmp, good); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("train: %w", err)
	}
	return outfile.SyncDir(t.Dir)
}

// copyFile copies src to the new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// residentBytes returns the resident set size of this process from
// /proc/self/status, or 0 where that file does not exist (outside Linux).
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest) // "12345", "kB"
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
