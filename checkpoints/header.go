package checkpoints

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
)

// entry is one tensor's line in the header index.
type entry struct {
	name  string
	shape []int
	n     int  // number of elements = product(shape)
	f32   bool // stored as F32, not F64
}

// size returns the bytes per element.
func (e entry) size() int64 {
	if e.f32 {
		return 4
	}
	return 8
}

// dtype returns the safetensors dtype.
func (e entry) dtype() string {
	if e.f32 {
		return "F32"
	}
	return "F64"
}

// maxHeaderLen is the largest header length accepted (the limit used by the
// reference safetensors implementation).
const maxHeaderLen = 100_000_000

// checksumPrefix starts both checksum values.
const checksumPrefix = "sha256:"

// encodeJSON returns the canonical, unpadded header JSON for the given
// tensors and metadata. Offsets are laid out contiguously in entry order.
func encodeJSON(entries []entry, meta map[string]string) []byte {
	b := make([]byte, 0, 256+64*len(entries)+64*len(meta))
	b = append(b, `{"__metadata__":{`...)
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, meta[k])
	}
	b = append(b, '}')
	var off int64
	for _, e := range entries {
		b = append(b, ',')
		b = appendString(b, e.name)
		b = append(b, `:{"dtype":"`...)
		b = append(b, e.dtype()...)
		b = append(b, `","shape":[`...)
		for i, d := range e.shape {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendInt(b, off, 10)
		b = append(b, ',')
		off += e.size() * int64(e.n)
		b = strconv.AppendInt(b, off, 10)
		b = append(b, "]}"...)
	}
	return append(b, '}')
}

// pad appends spaces to the header so its length is a multiple of 8, which
// keeps the data section 8-byte aligned in the file.
func pad(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	return b
}

// appendString appends s as a canonical JSON string. s must be valid UTF-8.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// headerChecksum returns the header_checksum value for the given tensors
// and metadata; any header_checksum entry in meta is ignored.
func headerChecksum(entries []entry, meta map[string]string) string {
	if _, ok := meta[MetaHeaderChecksum]; ok {
		m := make(map[string]string, len(meta))
		for k, v := range meta {
			if k != MetaHeaderChecksum {
				m[k] = v
			}
		}
		meta = m
	}
	sum := sha256.Sum256(encodeJSON(entries, meta))
	return checksumPrefix + hex.EncodeToString(sum[:])
}
