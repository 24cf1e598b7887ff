package checkpoints

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzRead checks that arbitrary input never panics, that both read paths
// agree, that every rejection wraps ErrCorrupt, and that anything accepted
// is exactly what Write would produce for the result.
//
//	go test -fuzz=FuzzRead -fuzztime=5m ./checkpoints/
func FuzzRead(f *testing.F) {
	f.Add(encode(f, small()))
	f.Add(encode(f, &Checkpoint{}))
	f.Add(encode(f, &Checkpoint{Metadata: map[string]string{"k": "\x00\"\\\u2028"}}))
	if golden, err := os.ReadFile(goldenPath); err == nil {
		f.Add(golden)
	}
	for _, h := range []string{
		`{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`,
		`{"__metadata__":{"format":"amvi-checkpoint/1","checksum":"sha256:","header_checksum":""}}`,
		`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[0],"data_offsets":[8,8]}}`,
	} {
		f.Add(rawFile(h, make([]byte, 16)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c1, err1 := Read(bytes.NewReader(data), "fuzz")
		c2, err2 := Read(unsized{bytes.NewReader(data)}, "fuzz")
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("sized and unsized reads disagree: %v vs %v", err1, err2)
		}
		if err1 != nil {
			if !errors.Is(err1, ErrCorrupt) || !errors.Is(err2, ErrCorrupt) {
				t.Fatalf("rejection without ErrCorrupt: %v / %v", err1, err2)
			}
			return
		}
		checkSame(t, c1, c2)
		var b bytes.Buffer
		if err := Write(&b, c1); err != nil {
			t.Fatalf("Write of an accepted checkpoint: %v", err)
		}
		if !bytes.Equal(b.Bytes(), data) {
			t.Fatalf("accepted input is not what Write produces for it")
		}
	})
}
