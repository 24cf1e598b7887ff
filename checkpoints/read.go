package checkpoints

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// corruptError is a validation failure; it unwraps to ErrCorrupt.
type corruptError struct {
	name, msg string
}

func (e *corruptError) Error() string { return "checkpoints: load " + e.name + ": " + e.msg }
func (e *corruptError) Unwrap() error { return ErrCorrupt }

// Load reads and validates the checkpoint at path. Validation failures wrap
// [ErrCorrupt]; file-system errors are wrapped as they are.
func Load(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: load %s: %w", path, err)
	}
	defer f.Close()
	size := int64(-1)
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoints: load %s: %w", path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("checkpoints: load %s: it is a folder, not a checkpoint file or an export folder (a run folder holds best.safetensors and last.safetensors)", path)
	}
	if fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return read(f, path, size)
}

// Read reads and validates a checkpoint from r, consuming it to the end
// (anything after the last tensor is an error). name identifies the source
// in error messages. Validation failures wrap [ErrCorrupt]; other errors
// from r are wrapped as they are.
//
// When r is a *bytes.Reader, *bytes.Buffer, *strings.Reader or a regular
// *os.File, Read checks the header against the input's length before
// allocating anything, as Load does. For other readers it cannot know the
// length, so tensor data is allocated as it arrives (growing slices, which
// costs some extra copying) and a header that promises more data than the
// stream holds fails when the stream ends.
func Read(r io.Reader, name string) (*Checkpoint, error) {
	size := int64(-1)
	switch r := r.(type) {
	case *bytes.Reader:
		size = int64(r.Len())
	case *bytes.Buffer:
		size = int64(r.Len())
	case *strings.Reader:
		size = int64(r.Len())
	case *os.File:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			if off, err := r.Seek(0, io.SeekCurrent); err == nil && off <= fi.Size() {
				size = fi.Size() - off
			}
		}
	}
	return read(r, name, size)
}

// read does the work of Load and Read. size is the number of bytes left in
// r, or -1 if unknown. When it is known, every length in the header is
// checked against it before anything is allocated; when it is not, tensor
// data is allocated as it arrives, so a lying header cannot make Read
// allocate much more than the input holds.
func read(r io.Reader, name string, size int64) (*Checkpoint, error) {
	corrupt := func(format string, args ...any) error {
		return &corruptError{name: name, msg: fmt.Sprintf(format, args...)}
	}
	ioErr := func(err error) error {
		return fmt.Errorf("checkpoints: load %s: %w", name, err)
	}
	isEOF := func(err error) bool {
		return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	}

	// Header length.
	var lenBuf [8]byte
	if n, err := io.ReadFull(r, lenBuf[:]); err != nil {
		if isEOF(err) {
			return nil, corrupt("file is %d bytes, too short for the 8-byte header length", n)
		}
		return nil, ioErr(err)
	}
	hlen := binary.LittleEndian.Uint64(lenBuf[:])
	if hlen > maxHeaderLen {
		return nil, corrupt("header length %d is absurd (limit %d bytes)", hlen, maxHeaderLen)
	}
	if size >= 0 && hlen > uint64(size-8) {
		return nil, corrupt("header length %d exceeds the %d bytes after the length field", hlen, size-8)
	}

	// Header.
	var header []byte
	if size >= 0 {
		header = make([]byte, hlen)
		if _, err := io.ReadFull(r, header); err != nil {
			if isEOF(err) {
				return nil, corrupt("file truncated inside the %d-byte header", hlen)
			}
			return nil, ioErr(err)
		}
	} else {
		var err error
		header, err = io.ReadAll(io.LimitReader(r, int64(hlen)))
		if err != nil {
			return nil, ioErr(err)
		}
		if uint64(len(header)) != hlen {
			return nil, corrupt("file truncated inside the %d-byte header (%d bytes present)", hlen, len(header))
		}
	}
	if !utf8.Valid(header) {
		return nil, corrupt("header is not valid UTF-8")
	}
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, corrupt("%v", err)
	}

	// How the tensors sit in the data section.
	var end int64
	for i, e := range entries {
		want := e.size() * int64(e.n)
		if e.end < e.begin || e.end-e.begin != want {
			return nil, corrupt("tensor %q: data_offsets [%d %d] do not match shape %v of %s (%d bytes)", e.name, e.begin, e.end, e.shape, e.dtype(), want)
		}
		switch {
		case i == 0 && e.begin != 0:
			return nil, corrupt("tensor %q: data_offsets [%d %d] do not start the data section at 0", e.name, e.begin, e.end)
		case e.begin < end:
			return nil, corrupt("tensor %q: data_offsets [%d %d] overlap the previous tensor %q, which ends at %d", e.name, e.begin, e.end, entries[i-1].name, end)
		case e.begin > end:
			return nil, corrupt("tensor %q: data_offsets [%d %d] leave a gap after the previous tensor %q, which ends at %d", e.name, e.begin, e.end, entries[i-1].name, end)
		}
		end = e.end
	}
	if size >= 0 {
		dataLen := size - 8 - int64(hlen)
		if end > dataLen {
			return nil, corrupt("tensors need %d bytes of data but the data section has %d (truncated file?)", end, dataLen)
		}
		if end < dataLen {
			return nil, corrupt("%d trailing bytes after the last tensor (data section is %d bytes, tensors cover %d)", dataLen-end, dataLen, end)
		}
	}

	// Metadata and checksums of the header.
	if meta == nil {
		return nil, corrupt("header has no %q (not an amvi checkpoint)", metadataKey)
	}
	if f, ok := meta[MetaFormat]; !ok {
		return nil, corrupt("metadata has no %q entry (not an amvi checkpoint)", MetaFormat)
	} else if f != Format {
		return nil, corrupt("unsupported format %q (want %q)", f, Format)
	}
	for _, k := range []string{MetaChecksum, MetaHeaderChecksum} {
		v, ok := meta[k]
		if !ok {
			return nil, corrupt("metadata has no %q entry", k)
		}
		if !validChecksum(v) {
			return nil, corrupt("metadata %q = %q is not \"sha256:\" followed by 64 lower-case hex digits", k, v)
		}
	}
	plain := make([]entry, len(entries))
	for i, e := range entries {
		plain[i] = e.entry
	}
	if !bytes.Equal(pad(encodeJSON(plain, meta)), header) {
		return nil, corrupt("header is valid JSON but not in the canonical form Write produces")
	}
	if got := headerChecksum(plain, meta); got != meta[MetaHeaderChecksum] {
		return nil, corrupt("header checksum mismatch: header_checksum says %s, header hashes to %s", meta[MetaHeaderChecksum], got)
	}

	// Data.
	c := &Checkpoint{Tensors: make([]Tensor, len(entries)), Metadata: meta}
	h := sha256.New()
	buf := make([]byte, 8*chunkFloats)
	for i, e := range entries {
		data, err := readFloats(r, e.n, e.f32, size >= 0, buf, h)
		if err != nil {
			if isEOF(err) {
				return nil, corrupt("file truncated inside the data of tensor %q", e.name)
			}
			return nil, ioErr(err)
		}
		c.Tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: data, Float32: e.f32}
	}
	if size < 0 {
		n, err := io.ReadFull(r, buf[:1])
		if n > 0 {
			return nil, corrupt("trailing bytes after the last tensor")
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, ioErr(err)
		}
	}
	if got := checksumPrefix + hex.EncodeToString(h.Sum(nil)); got != meta[MetaChecksum] {
		return nil, corrupt("data checksum mismatch: checksum says %s, data hashes to %s", meta[MetaChecksum], got)
	}
	return c, nil
}

// readFloats reads n little-endian float64s (float32s if f32) from r,
// feeding the raw bytes to h. If exact, the result is allocated up front (the
// caller has checked that the input holds it); otherwise it grows as data
// arrives.
func readFloats(r io.Reader, n int, f32, exact bool, buf []byte, h hash.Hash) ([]float64, error) {
	var data []float64
	if exact {
		data = make([]float64, n)
	} else {
		data = make([]float64, 0, min(n, chunkFloats))
	}
	for done := 0; done < n; {
		k := min(n-done, chunkFloats)
		b := buf[:8*k]
		if f32 {
			b = buf[:4*k]
		}
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		h.Write(b)
		if !exact {
			data = slices.Grow(data, k)[:done+k]
		}
		dst := data[done : done+k]
		if f32 {
			for i := range dst {
				dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
			}
		} else {
			for i := range dst {
				dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
		}
		done += k
	}
	return data, nil
}

// validChecksum reports whether s is "sha256:" and 64 lower-case hex digits.
func validChecksum(s string) bool {
	hexPart, ok := strings.CutPrefix(s, checksumPrefix)
	if !ok || len(hexPart) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(hexPart); i++ {
		c := hexPart[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
