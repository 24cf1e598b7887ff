package checkpoints

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// rawFile assembles a file from a header, as given, and a data section.
func rawFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// split returns the header (with padding) and data section of a file.
func split(t testing.TB, file []byte) (string, []byte) {
	t.Helper()
	n := binary.LittleEndian.Uint64(file)
	return string(file[8 : 8+n]), file[8+n:]
}

// upperChecksum upper-cases the hex digits of the data checksum in a header.
func upperChecksum(t testing.TB, header string) string {
	t.Helper()
	const key = `"checksum":"sha256:`
	i := strings.Index(header, key) + len(key)
	out := header[:i] + strings.ToUpper(header[i:i+64]) + header[i+64:]
	if out == header {
		t.Fatal("checksum has no hex letters to upper-case")
	}
	return out
}

// wantCorrupt checks that err is a corruption error naming the source and
// containing want.
func wantCorrupt(t testing.TB, err error, name, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("error %q does not wrap ErrCorrupt", err)
	}
	if prefix := "checkpoints: load " + name + ": "; !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", err, prefix)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestReadRejects(t *testing.T) {
	valid := encode(t, small())
	vh, vd := split(t, valid)
	const m = `"__metadata__":{"format":"amvi-checkpoint/1"}`
	f64 := func(n int) []byte { return make([]byte, 8*n) }
	flipData := append([]byte(nil), vd...)
	flipData[3] ^= 0x10
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "file is 0 bytes, too short"},
		{"seven bytes", []byte("1234567"), "file is 7 bytes, too short"},
		{"absurd header length", binary.LittleEndian.AppendUint64(nil, 100_000_001), "header length 100000001 is absurd"},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, 1<<63), "is absurd"},
		{"header past end", append(binary.LittleEndian.AppendUint64(nil, 50), "{}"...), "header length 50 exceeds the 2 bytes"},
		{"empty header", rawFile("", nil), "not valid JSON"},
		{"not utf-8", rawFile(`{"__metadata__":{"a":"`+"\xff"+`"}}`, nil), "not valid UTF-8"},
		{"not json", rawFile(`{"a":`, nil), "not valid JSON"},
		{"bad json", rawFile(`{"a" 1}`, nil), "not valid JSON"},
		{"array header", rawFile(`[1,2]`, nil), "header is not a JSON object"},
		{"string header", rawFile(`"x"`, nil), "header is not a JSON object"},
		{"garbage after object", rawFile(`{`+m+`}x`, nil), "other than space padding"},
		{"tab padding", rawFile(`{`+m+"}\t", nil), "other than space padding"},
		{"second object", rawFile(`{`+m+`}{}`, nil), "other than space padding"},
		{"duplicate tensor", rawFile(`{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}`, f64(2)), `duplicate tensor name "a"`},
		{"duplicate metadata", rawFile(`{`+m+`,`+m+`}`, nil), `duplicate "__metadata__"`},
		{"duplicate metadata key", rawFile(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `duplicate metadata key "k"`},
		{"duplicate field", rawFile(`{"a":{"dtype":"F64","dtype":"F64","shape":[],"data_offsets":[0,8]}}`, f64(1)), `tensor "a": duplicate field "dtype"`},
		{"missing dtype", rawFile(`{"a":{"shape":[],"data_offsets":[0,8]}}`, f64(1)), `tensor "a": missing field "dtype"`},
		{"missing shape", rawFile(`{"a":{"dtype":"F64","data_offsets":[0,8]}}`, f64(1)), `tensor "a": missing field "shape"`},
		{"missing offsets", rawFile(`{"a":{"dtype":"F64","shape":[]}}`, f64(1)), `tensor "a": missing field "data_offsets"`},
		{"extra field", rawFile(`{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8],"grad":true}}`, f64(1)), `tensor "a": unknown field "grad"`},
		{"dtype BF16", rawFile(`{"a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}`, f64(1)), `tensor "a": dtype "BF16" is not supported`},
		{"F32 offsets of F64", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, f64(1)), `do not match shape [1] of F32 (4 bytes)`},
		{"dtype number", rawFile(`{"a":{"dtype":64,"shape":[],"data_offsets":[0,8]}}`, f64(1)), `dtype is number 64, not a string`},
		{"entry not object", rawFile(`{"a":[1]}`, nil), `tensor "a" is not a JSON object`},
		{"empty tensor name", rawFile(`{"":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, f64(1)), "empty tensor name"},
		{"negative dim", rawFile(`{"a":{"dtype":"F64","shape":[-1],"data_offsets":[0,8]}}`, f64(1)), `tensor "a": shape: -1 is negative`},
		{"fractional dim", rawFile(`{"a":{"dtype":"F64","shape":[1.5],"data_offsets":[0,8]}}`, f64(1)), "1.5 is not a non-negative integer"},
		{"exponent dim", rawFile(`{"a":{"dtype":"F64","shape":[1e0],"data_offsets":[0,8]}}`, f64(1)), "1e0 is not a non-negative integer"},
		{"huge dim", rawFile(`{"a":{"dtype":"F64","shape":[99999999999999999999],"data_offsets":[0,8]}}`, f64(1)), "99999999999999999999 overflows"},
		{"dim past int64", rawFile(`{"a":{"dtype":"F64","shape":[9223372036854775808],"data_offsets":[0,8]}}`, f64(1)), "overflows"},
		{"product overflows", rawFile(`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, f64(1)), "shape [4294967296 4294967296] overflows"},
		{"dim is string", rawFile(`{"a":{"dtype":"F64","shape":["3"],"data_offsets":[0,8]}}`, f64(1)), `element string "3" is not a number`},
		{"shape not array", rawFile(`{"a":{"dtype":"F64","shape":3,"data_offsets":[0,8]}}`, f64(1)), `shape is not a JSON array`},
		{"three offsets", rawFile(`{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8,8]}}`, f64(1)), "more than 2 elements"},
		{"one offset", rawFile(`{"a":{"dtype":"F64","shape":[],"data_offsets":[8]}}`, f64(1)), "1 elements, want 2"},
		{"negative offset", rawFile(`{"a":{"dtype":"F64","shape":[],"data_offsets":[-8,0]}}`, f64(1)), "-8 is negative"},
		{"offsets mismatch shape", rawFile(`{"encoder.layers.0.weight":{"dtype":"F64","shape":[3,4],"data_offsets":[0,80]}}`, f64(10)),
			`tensor "encoder.layers.0.weight": data_offsets [0 80] do not match shape [3 4] of F64 (96 bytes)`},
		{"reversed offsets", rawFile(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,0]}}`, f64(1)), "data_offsets [8 0] do not match shape [1]"},
		{"first not at 0", rawFile(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}`, f64(2)), "do not start the data section at 0"},
		{"overlap", rawFile(`{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}`, f64(2)), `tensor "b": data_offsets [8 16] overlap the previous tensor "a", which ends at 16`},
		{"gap", rawFile(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[16,24]}}`, f64(3)), `tensor "b": data_offsets [16 24] leave a gap after the previous tensor "a"`},
		{"data too short", rawFile(`{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`, f64(1)), "tensors need 16 bytes of data but the data section has 8"},
		{"trailing data", rawFile(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, f64(2)), "8 trailing bytes after the last tensor"},
		{"metadata number", rawFile(`{"__metadata__":{"epoch":3}}`, nil), `metadata value for key "epoch" is number 3, not a string`},
		{"metadata null", rawFile(`{"__metadata__":{"k":null}}`, nil), `metadata value for key "k" is null, not a string`},
		{"metadata object", rawFile(`{"__metadata__":{"k":{}}}`, nil), `metadata value for key "k" is an object, not a string`},
		{"metadata array", rawFile(`{"__metadata__":{"k":[]}}`, nil), `metadata value for key "k" is an array, not a string`},
		{"metadata bool", rawFile(`{"__metadata__":{"k":true}}`, nil), `metadata value for key "k" is boolean true, not a string`},
		{"metadata not object", rawFile(`{"__metadata__":"x"}`, nil), `"__metadata__" is not a JSON object`},
		{"no metadata (plain safetensors)", rawFile(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, f64(1)), `header has no "__metadata__" (not an amvi checkpoint)`},
		{"no format", rawFile(`{"__metadata__":{}}`, nil), `metadata has no "format" entry`},
		{"wrong format", rawFile(`{"__metadata__":{"format":"pt"}}`, nil), `unsupported format "pt"`},
		{"no checksum", rawFile(`{`+m+`}`, nil), `metadata has no "checksum" entry`},
		{"malformed checksum", rawFile(`{"__metadata__":{"checksum":"md5:00","format":"amvi-checkpoint/1"}}`, nil), `metadata "checksum" = "md5:00" is not`},
		{"upper-case checksum", rawFile(upperChecksum(t, vh), vd), `is not "sha256:" followed by 64 lower-case hex digits`},
		{"non-canonical whitespace", rawFile(string(pad([]byte(strings.Replace(strings.TrimRight(vh, " "), `{"__metadata__"`, `{ "__metadata__"`, 1)))), vd), "not in the canonical form"},
		{"non-canonical escape", rawFile(string(pad([]byte(strings.Replace(strings.TrimRight(vh, " "), `\n`, `\u000a`, 1)))), vd), "not in the canonical form"},
		{"too much padding", rawFile(vh+"        ", vd), "not in the canonical form"},
		{"header checksum mismatch", rawFile(strings.Replace(vh, "tanh", "relu", 1), vd), "header checksum mismatch"},
		{"data checksum mismatch", rawFile(vh, flipData), "data checksum mismatch"},
		{"trailing byte on valid file", append(append([]byte(nil), valid...), 0), "1 trailing bytes after the last tensor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readBoth(t, tt.file)
			wantCorrupt(t, err, "mem", tt.want)

			path := writeFile(t, t.TempDir(), "x.safetensors", tt.file)
			_, err = Load(path)
			wantCorrupt(t, err, path, tt.want)
		})
	}
}

// TestReadUnsizedMessages covers the errors that only a reader of unknown
// length reports, where the sized path fails earlier.
func TestReadUnsizedMessages(t *testing.T) {
	valid := encode(t, small())
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"header cut", valid[:20], "file truncated inside the"},
		{"data cut", valid[:len(valid)-3], `file truncated inside the data of tensor "step"`},
		{"trailing", append(append([]byte(nil), valid...), 1, 2), "trailing bytes after the last tensor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(unsized{bytes.NewReader(tt.file)}, "stream")
			wantCorrupt(t, err, "stream", tt.want)
		})
	}
}

// corpus returns small valid files for the exhaustive tests.
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{
		"small": encode(t, small()),
		"empty": encode(t, &Checkpoint{}),
	}
	h, _ := split(t, files["small"])
	if !strings.HasSuffix(h, " ") {
		t.Fatalf("the small checkpoint's header has no padding; change its metadata so the flip test covers padding")
	}
	return files
}

func TestTruncatedEverywhere(t *testing.T) {
	for name, file := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for n := range len(file) {
				cut := file[:n]
				if _, err := readBoth(t, cut); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("truncated to %d of %d bytes: err = %v, want ErrCorrupt", n, len(file), err)
				}
				path := writeFile(t, dir, fmt.Sprintf("cut%d", n), cut)
				if _, err := Load(path); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Load of file truncated to %d of %d bytes: err = %v, want ErrCorrupt", n, len(file), err)
				}
			}
		})
	}
}

func TestBitFlipEverywhere(t *testing.T) {
	for name, file := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := readBoth(t, file); err != nil {
				t.Fatalf("unflipped file: %v", err)
			}
			buf := make([]byte, len(file))
			for i := range file {
				for bit := range 8 {
					copy(buf, file)
					buf[i] ^= 1 << bit
					if _, err := readBoth(t, buf); !errors.Is(err, ErrCorrupt) {
						t.Errorf("byte %d (%q) bit %d flipped: err = %v, want ErrCorrupt", i, file[i], bit, err)
					}
				}
			}
		})
	}
}

// TestFlipLargeData spot-checks that flips deep in a multi-chunk data
// section are caught too.
func TestFlipLargeData(t *testing.T) {
	c := &Checkpoint{}
	c.Add("big", []int{2*chunkFloats + 3}, seq(2*chunkFloats+3))
	file := encode(t, c)
	for _, i := range []int{len(file) - 1, len(file) - 8*chunkFloats, len(file) / 2} {
		buf := append([]byte(nil), file...)
		buf[i] ^= 0x80
		_, err := readBoth(t, buf)
		wantCorrupt(t, err, "mem", "data checksum mismatch")
	}
}

func TestReadIOErrors(t *testing.T) {
	file := encode(t, small())
	boom := errors.New("boom")
	for _, n := range []int{0, 4, 8, 20, len(file) - 8, len(file)} {
		r := io.MultiReader(bytes.NewReader(file[:n]), iotest.ErrReader(boom))
		_, err := Read(r, "pipe")
		if !errors.Is(err, boom) || errors.Is(err, ErrCorrupt) {
			t.Errorf("reader failing after %d bytes: err = %v, want boom and not ErrCorrupt", n, err)
		}
	}

	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.safetensors")
	_, err := Load(missing)
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming the path", err)
	}
	if _, err := Load(dir); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("Load(directory) = %v, want a non-corruption error", err)
	}
}

func TestReadFile(t *testing.T) {
	file := encode(t, small())
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		data []byte
		want string // "" for success
	}{
		{"valid", file, ""},
		{"truncated", file[:len(file)-1], "tensors need 80 bytes of data but the data section has 79"},
		{"after a prefix", append([]byte("PREFIX"), file...), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(writeFile(t, dir, tt.name, tt.data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if strings.HasPrefix(string(tt.data), "PREFIX") {
				if _, err := f.Seek(int64(len("PREFIX")), io.SeekStart); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Read(f, "f")
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				checkSame(t, small(), c)
				return
			}
			wantCorrupt(t, err, "f", tt.want)
		})
	}
}
