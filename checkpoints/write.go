package checkpoints

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/amvi/amvi/internal/outfile"
)

// chunkFloats is how many float64 values are encoded or decoded per buffer.
const chunkFloats = 1 << 14 // 128 KiB

// Write writes c to w in the checkpoint format. It produces the same bytes
// as [Save] but without atomicity. The caller's Metadata map is not
// modified; the reserved entries are added to the copy that is written.
//
// Write returns an error, writing nothing, if c is invalid (see
// [Checkpoint.Add] for the rules, which Write checks again because the
// fields can be set directly) or a metadata key or value is not valid UTF-8.
// The data is read twice (once to hash it, once to write it), so c must not
// change while Write or [Save] runs.
func Write(w io.Writer, c *Checkpoint) error {
	if err := write(w, c); err != nil {
		return fmt.Errorf("checkpoints: write: %w", err)
	}
	return nil
}

// write is Write without the error prefix.
func write(w io.Writer, c *Checkpoint) error {
	if c == nil {
		return errors.New("nil checkpoint")
	}
	if err := c.check(); err != nil {
		return err
	}
	entries := make([]entry, len(c.Tensors))
	for i, t := range c.Tensors {
		entries[i] = entry{name: t.Name, shape: t.Shape, n: len(t.Data), f32: t.Float32}
	}
	buf := make([]byte, 8*chunkFloats)

	// First pass: hash the data section.
	h := sha256.New()
	for _, t := range c.Tensors {
		for data := t.Data; len(data) > 0; {
			k := min(len(data), chunkFloats)
			h.Write(encodeFloats(buf, data[:k], t.Float32))
			data = data[k:]
		}
	}

	meta := make(map[string]string, len(c.Metadata)+3)
	for k, v := range c.Metadata {
		meta[k] = v
	}
	meta[MetaFormat] = Format
	meta[MetaChecksum] = checksumPrefix + hex.EncodeToString(h.Sum(nil))
	delete(meta, MetaHeaderChecksum)
	meta[MetaHeaderChecksum] = headerChecksum(entries, meta)

	header := pad(encodeJSON(entries, meta))
	if len(header) > maxHeaderLen {
		return fmt.Errorf("header is %d bytes, over the %d-byte limit", len(header), maxHeaderLen)
	}
	head := make([]byte, 8, 8+len(header))
	binary.LittleEndian.PutUint64(head, uint64(len(header)))
	head = append(head, header...)
	if err := writeFull(w, head); err != nil {
		return err
	}

	// Second pass: write the data section.
	for _, t := range c.Tensors {
		for data := t.Data; len(data) > 0; {
			k := min(len(data), chunkFloats)
			if err := writeFull(w, encodeFloats(buf, data[:k], t.Float32)); err != nil {
				return err
			}
			data = data[k:]
		}
	}
	return nil
}

// encodeFloats stores xs in buf as little-endian float64s, or float32s
// (rounded to nearest) if f32, and returns the bytes written.
func encodeFloats(buf []byte, xs []float64, f32 bool) []byte {
	if f32 {
		buf = buf[:4*len(xs)]
		for i, x := range xs {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(x)))
		}
		return buf
	}
	buf = buf[:8*len(xs)]
	for i, x := range xs {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(x))
	}
	return buf
}

// writeFull writes all of p, turning a silent short write into an error.
func writeFull(w io.Writer, p []byte) error {
	n, err := w.Write(p)
	if err != nil {
		return err
	}
	if n != len(p) {
		return io.ErrShortWrite
	}
	return nil
}

// Save writes c to path atomically: it writes a temporary file in the same
// directory, fsyncs and closes it, renames it over path and fsyncs the
// directory. If writing, syncing, closing or renaming fails, Save removes the
// temporary file and returns a wrapped error, and any existing file at path
// is left untouched. An error from the final directory fsync is returned too,
// but by then path already holds the new checkpoint.
//
// The file gets the reserved metadata entries described in the package
// documentation; c itself is not modified.
func Save(path string, c *Checkpoint) error {
	return saveWith(path, c, saveHooks{})
}

// saveHooks lets tests inject failures into Save. Zero values mean the real
// operations.
type saveHooks struct {
	wrap   func(io.Writer) io.Writer // wraps the temp file writer
	rename func(oldpath, newpath string) error
}

func saveWith(path string, c *Checkpoint, hooks saveHooks) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("checkpoints: save %s: %w", path, err)
		}
	}()
	if c == nil {
		return errors.New("nil checkpoint")
	}
	// Refuse an invalid checkpoint before touching the file system.
	if err := c.check(); err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, tmp, err := outfile.CreateTemp(dir, base)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			f.Close() // harmless if already closed
			os.Remove(tmp)
		}
	}()

	var w io.Writer = f
	if hooks.wrap != nil {
		w = hooks.wrap(f)
	}
	if err := write(w, c); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	rename := os.Rename
	if hooks.rename != nil {
		rename = hooks.rename
	}
	if err := rename(tmp, path); err != nil {
		return err
	}
	committed = true
	if err := outfile.SyncDir(dir); err != nil {
		return fmt.Errorf("syncing directory after rename: %w", err)
	}
	return nil
}
