package checkpoints

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// pyCheck reads a checkpoint the way a Python user would. With only the
// standard library it parses the header, decodes every tensor with struct,
// recomputes both checksums with hashlib and re-serialises the header with
// json.dumps to confirm the canonical form is Python's compact JSON. If numpy
// is importable it decodes the tensors with numpy.frombuffer too, and if the
// safetensors package is importable it loads the file with safe_open.
const pyCheck = `
import hashlib, json, struct, sys
path = sys.argv[1]
with open(path, 'rb') as f:
    b = f.read()
n, = struct.unpack('<Q', b[:8])
raw = b[8:8 + n]
header = json.loads(raw.decode('utf-8'))
data = b[8 + n:]
meta = header.pop('__metadata__')
out = {'header_len': n, 'metadata': meta, 'tensors': [], 'numpy': False, 'safetensors': False}

def dump(m):
    return json.dumps({'__metadata__': m, **header}, ensure_ascii=False, separators=(',', ':')).encode('utf-8')

out['checksum_ok'] = meta['checksum'] == 'sha256:' + hashlib.sha256(data).hexdigest()
rest = {k: v for k, v in meta.items() if k != 'header_checksum'}
out['header_checksum_ok'] = meta['header_checksum'] == 'sha256:' + hashlib.sha256(dump(rest)).hexdigest()
out['canonical_ok'] = raw.rstrip(b' ') == dump(meta)
for name, info in header.items():
    s, e = info['data_offsets']
    bits = list(struct.unpack('<%dQ' % ((e - s) // 8), data[s:e]))
    out['tensors'].append({'name': name, 'dtype': info['dtype'], 'shape': info['shape'],
                           'data_offsets': [s, e], 'bits': bits})
try:
    import numpy as np
except ImportError:
    np = None
if np is not None:
    out['numpy'] = True
    for t in out['tensors']:
        s, e = t['data_offsets']
        a = np.frombuffer(data[s:e], dtype='<f8').reshape(t['shape'])
        t['np_shape'] = list(a.shape)
        t['np_bits'] = [int(x) for x in a.view('<u8').ravel()]
    try:
        from safetensors import safe_open
    except ImportError:
        pass
    else:
        out['safetensors'] = True
        out['st'] = {}
        with safe_open(path, framework='np') as f:
            out['st_metadata'] = f.metadata()
            for k in f.keys():
                a = f.get_tensor(k)
                out['st'][k] = {'shape': list(a.shape), 'bits': [int(x) for x in a.view('<u8').ravel()]}
print(json.dumps(out))
`

type pyTensor struct {
	Name        string   `json:"name"`
	Dtype       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets []int64  `json:"data_offsets"`
	Bits        []uint64 `json:"bits"`
	NpShape     []int    `json:"np_shape"`
	NpBits      []uint64 `json:"np_bits"`
}

type pyResult struct {
	HeaderLen        int               `json:"header_len"`
	Metadata         map[string]string `json:"metadata"`
	Tensors          []pyTensor        `json:"tensors"`
	Numpy            bool              `json:"numpy"`
	Safetensors      bool              `json:"safetensors"`
	ChecksumOK       bool              `json:"checksum_ok"`
	HeaderChecksumOK bool              `json:"header_checksum_ok"`
	CanonicalOK      bool              `json:"canonical_ok"`
	StMetadata       map[string]string `json:"st_metadata"`
	St               map[string]struct {
		Shape []int    `json:"shape"`
		Bits  []uint64 `json:"bits"`
	} `json:"st"`
}

// python returns a Python 3 interpreter, preferring the system one.
func python(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	if p, err := exec.LookPath("python3"); err == nil {
		return p
	}
	t.Skip("no python3 found; Python compatibility not checked")
	return ""
}

func TestPythonCompat(t *testing.T) {
	py := python(t)
	c := golden()
	c.Metadata["escapes"] = "tab\t nl\n cr\r bs\b ff\f nul\x00 us\x1f del\x7f \"q\" \\ / \u2028 🎉"
	c.Add("名前 \"quoted\"", []int{2, 2}, seq(4))
	c.Add("empty", []int{0, 3}, nil)
	c.Add("specials", []int{len(special)}, special)
	for _, tt := range []struct {
		name string
		c    *Checkpoint
	}{{"full", c}, {"no tensors", &Checkpoint{}}} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "py.safetensors")
			if err := Save(path, tt.c); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-c", pyCheck, path)
			cmd.Stderr = os.Stderr
			outb, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s failed: %v", py, err)
			}
			var out pyResult
			if err := json.Unmarshal(outb, &out); err != nil {
				t.Fatalf("decoding Python's report: %v\n%s", err, outb)
			}
			checkPython(t, tt.c, &out)
		})
	}
}

func checkPython(t *testing.T, c *Checkpoint, out *pyResult) {
	if out.HeaderLen%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", out.HeaderLen)
	}
	if !out.ChecksumOK || !out.HeaderChecksumOK || !out.CanonicalOK {
		t.Errorf("Python: checksum ok %v, header checksum ok %v, canonical ok %v; want all true",
			out.ChecksumOK, out.HeaderChecksumOK, out.CanonicalOK)
	}
	for k, v := range c.Metadata {
		if out.Metadata[k] != v {
			t.Errorf("Python metadata %q = %q, want %q", k, out.Metadata[k], v)
		}
	}
	if out.Metadata[MetaFormat] != Format {
		t.Errorf("Python sees format %q", out.Metadata[MetaFormat])
	}
	if len(out.Tensors) != len(c.Tensors) {
		t.Fatalf("Python sees %d tensors, want %d", len(out.Tensors), len(c.Tensors))
	}
	var off int64
	for i, w := range c.Tensors {
		g := out.Tensors[i]
		end := off + 8*int64(len(w.Data))
		if g.Name != w.Name || g.Dtype != "F64" || !slices.Equal(g.Shape, w.Shape) || !slices.Equal(g.DataOffsets, []int64{off, end}) {
			t.Errorf("Python sees tensor %d as %q %s %v %v, want %q F64 %v [%d %d]",
				i, g.Name, g.Dtype, g.Shape, g.DataOffsets, w.Name, w.Shape, off, end)
		}
		off = end
		if !slices.Equal(g.Bits, bitsOf(w.Data)) {
			t.Errorf("tensor %q: struct.unpack gives %x, want %x", w.Name, g.Bits, bitsOf(w.Data))
		}
	}

	t.Run("numpy", func(t *testing.T) {
		if !out.Numpy {
			t.Skip("numpy is not importable (Debian: apt-get install python3-numpy)")
		}
		for i, w := range c.Tensors {
			g := out.Tensors[i]
			if !slices.Equal(g.NpShape, w.Shape) || !slices.Equal(g.NpBits, bitsOf(w.Data)) {
				t.Errorf("tensor %q: numpy sees shape %v bits %x", w.Name, g.NpShape, g.NpBits)
			}
		}
	})
	t.Run("safetensors", func(t *testing.T) {
		if !out.Safetensors {
			t.Skip("the Python safetensors package is not importable (needs numpy too; it is on PyPI, not in Debian bookworm)")
		}
		for k, v := range out.Metadata {
			if out.StMetadata[k] != v {
				t.Errorf("safe_open metadata %q = %q, want %q", k, out.StMetadata[k], v)
			}
		}
		if len(out.St) != len(c.Tensors) {
			t.Errorf("safe_open sees %d tensors, want %d", len(out.St), len(c.Tensors))
		}
		for _, w := range c.Tensors {
			g, ok := out.St[w.Name]
			if !ok || !slices.Equal(g.Shape, w.Shape) || !slices.Equal(g.Bits, bitsOf(w.Data)) {
				t.Errorf("tensor %q: safe_open sees %v (found %v)", w.Name, g, ok)
			}
		}
	})
}

func bitsOf(xs []float64) []uint64 {
	b := make([]uint64, len(xs))
	for i, x := range xs {
		b[i] = math.Float64bits(x)
	}
	return b
}
