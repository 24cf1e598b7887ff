package checkpoints

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Format is the value of the "format" metadata entry that [Write] sets and
// [Read] requires.
const Format = "amvi-checkpoint/1"

// Reserved metadata keys, set by [Write].
const (
	MetaFormat         = "format"
	MetaChecksum       = "checksum"
	MetaHeaderChecksum = "header_checksum"
)

// metadataKey is the safetensors key under which metadata is stored; no
// tensor may have this name.
const metadataKey = "__metadata__"

// ErrCorrupt is wrapped by every error that [Load] and [Read] return because
// the bytes are not a valid checkpoint (as opposed to I/O errors).
var ErrCorrupt = errors.New("checkpoints: corrupt checkpoint")

// Tensor is one named array of values in row-major order, held as float64.
type Tensor struct {
	Name  string
	Shape []int     // e.g. [in, out]; a vector is [n]; a scalar is []
	Data  []float64 // len = product of Shape
	// Float32 stores the tensor as F32: Write rounds each value to the
	// nearest float32. A loaded F32 tensor has it set, and Data holds its
	// float32 values exactly.
	Float32 bool
}

// Checkpoint is a set of named tensors plus string metadata. The zero value
// is an empty checkpoint ready for [Checkpoint.Add]. A loaded checkpoint's
// Metadata also holds the reserved entries "format", "checksum" and
// "header_checksum" (see the package documentation); Write replaces them.
type Checkpoint struct {
	Tensors  []Tensor          // in file order
	Metadata map[string]string // JSON-encoded configs etc. go in here as strings
}

// Tensor returns the tensor with the given name. The result shares its
// Shape and Data slices with the checkpoint.
func (c *Checkpoint) Tensor(name string) (Tensor, bool) {
	for _, t := range c.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Add appends a tensor. The shape is copied; data is not (the checkpoint
// refers to the caller's slice until it is saved).
//
// Add panics on a caller bug: a duplicate, empty or non-UTF-8 name, the
// reserved name "__metadata__", a negative dimension, or len(data) !=
// product(shape).
func (c *Checkpoint) Add(name string, shape []int, data []float64) {
	if err := checkName(name); err != nil {
		panic("checkpoints: Add: " + err.Error())
	}
	if _, dup := c.Tensor(name); dup {
		panic(fmt.Sprintf("checkpoints: Add: duplicate tensor name %q", name))
	}
	t := Tensor{Name: name, Shape: append(make([]int, 0, len(shape)), shape...), Data: data}
	if err := checkTensor(t); err != nil {
		panic("checkpoints: Add: " + err.Error())
	}
	c.Tensors = append(c.Tensors, t)
}

// AddFloat32 is like [Checkpoint.Add] for a tensor stored as F32, for files
// meant for other programs (a weights-only export); amvi's own checkpoints
// are F64.
func (c *Checkpoint) AddFloat32(name string, shape []int, data []float64) {
	c.Add(name, shape, data)
	c.Tensors[len(c.Tensors)-1].Float32 = true
}

// checkName reports whether name may be used for a tensor.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty tensor name")
	case name == metadataKey:
		return fmt.Errorf("tensor name %q is reserved", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("tensor name %q is not valid UTF-8", name)
	}
	return nil
}

// numElements returns the product of shape, or an error if a dimension is
// negative or the number of bytes (8 per element) overflows an int.
func numElements(shape []int) (int, error) {
	zero := false
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		zero = zero || d == 0
	}
	if zero {
		return 0, nil
	}
	n := 1
	for _, d := range shape {
		if n > math.MaxInt/8/d {
			return 0, fmt.Errorf("shape %v overflows", shape)
		}
		n *= d
	}
	return n, nil
}

// checkTensor validates a tensor's shape against its data.
func checkTensor(t Tensor) error {
	n, err := numElements(t.Shape)
	if err != nil {
		return fmt.Errorf("tensor %q: %v", t.Name, err)
	}
	if len(t.Data) != n {
		return fmt.Errorf("tensor %q: %d values do not match shape %v (%d values)", t.Name, len(t.Data), t.Shape, n)
	}
	return nil
}

// check validates a whole checkpoint before it is written.
func (c *Checkpoint) check() error {
	seen := make(map[string]bool, len(c.Tensors))
	for _, t := range c.Tensors {
		if err := checkName(t.Name); err != nil {
			return err
		}
		if seen[t.Name] {
			return fmt.Errorf("duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		if err := checkTensor(t); err != nil {
			return err
		}
	}
	for k, v := range c.Metadata {
		if !utf8.ValidString(k) {
			return fmt.Errorf("metadata key %q is not valid UTF-8", k)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("metadata value for key %q is not valid UTF-8", k)
		}
	}
	return nil
}
