package encoder

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/amvi/amvi/checkpoints"
)

// ErrBadCheckpoint is wrapped by the errors that [Load], [Read] and
// [FromCheckpoint] return for a valid checkpoint file that does not hold a
// usable encoder: another kind of checkpoint, a missing or invalid
// configuration, a missing tensor, or a tensor whose shape does not match
// the configuration. A damaged file gives checkpoints.ErrCorrupt instead.
var ErrBadCheckpoint = errors.New("not an amvi model checkpoint with a usable encoder")

// The checkpoint entries the loader reads; package train writes them.
const (
	metaKind      = "kind"
	kindModel     = "amvi-model"
	metaConfig    = "config"
	metaVocab     = "vocabulary"
	metaVocabHash = "vocabulary_sha256"
	tensorPrefix  = "encoder.layers."
)

// storedConfig is the part of a training run's configuration (the "config"
// metadata, a JSON object) that describes the encoder.
type storedConfig struct {
	V          int        `json:"V"`
	K          int        `json:"K"`
	Hidden     []int      `json:"hidden"`
	Activation Activation `json:"activation"`
	Input      Input      `json:"input"`
	Arch       string     `json:"encoder-arch"`
}

// ExportFile is the weights file of an export folder (written by
// cmd/export): a model checkpoint without training state, F32 or F64.
const ExportFile = "model.safetensors"

// CheckpointPath returns the checkpoint file that path names: path itself,
// or the weights file of path when it is a folder that holds one (an
// export). A folder without one is returned as it is, for the loader to
// refuse by name.
func CheckpointPath(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if f := filepath.Join(path, ExportFile); fileExists(f) {
			return f
		}
	}
	return path
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// Load reads the trained encoder from the model checkpoint at path, as
// written by training (for example best.safetensors in a run folder), or
// from an export folder (or its model.safetensors), as cmd/export writes.
// Errors wrap checkpoints.ErrCorrupt for a damaged file, [ErrBadCheckpoint]
// for a file that holds no usable encoder, and the file system's errors
// otherwise.
//
// A -dtype float32 run's checkpoint, whose networks are F32 tensors, is
// read like any other: the encoder computes in float64 from its weights
// widened exactly, so its logits differ from the float32 networks' (in
// training and cmd/eval) only by the float32 rounding of those.
func Load(path string) (*Frozen, error) {
	path = CheckpointPath(path)
	c, err := checkpoints.Load(path)
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	f, err := fromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("encoder: load %s: %w", path, err)
	}
	return f, nil
}

// Read reads the trained encoder from a model checkpoint in r, consuming r
// to its end; name identifies r in error messages. Errors are as [Load]'s.
func Read(r io.Reader, name string) (*Frozen, error) {
	c, err := checkpoints.Read(r, name)
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	f, err := fromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("encoder: read %s: %w", name, err)
	}
	return f, nil
}

// FromCheckpoint returns the trained encoder held by c, a model checkpoint
// already loaded with package checkpoints. Errors wrap [ErrBadCheckpoint].
// The encoder copies what it needs; c may be changed afterwards.
func FromCheckpoint(c *checkpoints.Checkpoint) (*Frozen, error) {
	f, err := fromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	return f, nil
}

func fromCheckpoint(c *checkpoints.Checkpoint) (*Frozen, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil checkpoint", ErrBadCheckpoint)
	}
	if k, ok := c.Metadata[metaKind]; !ok {
		return nil, fmt.Errorf("%w: no %q metadata", ErrBadCheckpoint, metaKind)
	} else if k != kindModel {
		return nil, fmt.Errorf("%w: kind %q, want %q", ErrBadCheckpoint, k, kindModel)
	}
	js, ok := c.Metadata[metaConfig]
	if !ok {
		return nil, fmt.Errorf("%w: no %q metadata", ErrBadCheckpoint, metaConfig)
	}
	var sc storedConfig
	if err := json.Unmarshal([]byte(js), &sc); err != nil {
		return nil, fmt.Errorf("%w: %q metadata: %v", ErrBadCheckpoint, metaConfig, err)
	}
	cfg := Config{V: sc.V, K: sc.K, Hidden: sc.Hidden, Activation: sc.Activation, Input: sc.Input, Arch: sc.Arch}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: stored configuration: %v", ErrBadCheckpoint, err)
	}

	sizes := append(append([]int{cfg.V}, cfg.Hidden...), cfg.K)
	layers := len(sizes) - 1
	weights := make([][]float64, 0, 2*layers)
	for i := range layers {
		w, err := tensor(c, fmt.Sprintf("%s%d.weight", tensorPrefix, i), sizes[i], sizes[i+1])
		if err != nil {
			return nil, err
		}
		b, err := tensor(c, fmt.Sprintf("%s%d.bias", tensorPrefix, i), sizes[i+1])
		if err != nil {
			return nil, err
		}
		weights = append(weights, w, b)
	}
	for _, t := range c.Tensors {
		if strings.HasPrefix(t.Name, tensorPrefix) && !slices.Contains(layerNames(layers), t.Name) {
			return nil, fmt.Errorf("%w: tensor %q is not part of a %d-layer encoder", ErrBadCheckpoint, t.Name, layers)
		}
	}

	vocab, err := storedVocabulary(c, cfg.V)
	if err != nil {
		return nil, err
	}
	f, err := newFrozen(cfg, weights, vocab)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	return f, nil
}

// tensor returns the data of the named tensor, which must have the given
// shape.
func tensor(c *checkpoints.Checkpoint, name string, shape ...int) ([]float64, error) {
	t, ok := c.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("%w: no tensor %q", ErrBadCheckpoint, name)
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("%w: tensor %q has shape %v, the stored configuration needs %v", ErrBadCheckpoint, name, t.Shape, shape)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(t.Data) != n {
		return nil, fmt.Errorf("%w: tensor %q holds %d values for shape %v", ErrBadCheckpoint, name, len(t.Data), shape)
	}
	return t.Data, nil
}

func layerNames(layers int) []string {
	names := make([]string, 0, 2*layers)
	for i := range layers {
		names = append(names, fmt.Sprintf("%s%d.weight", tensorPrefix, i), fmt.Sprintf("%s%d.bias", tensorPrefix, i))
	}
	return names
}

// storedVocabulary returns the checkpoint's vocabulary, or nil when it has
// none, after checking it against its hash when that is stored too.
func storedVocabulary(c *checkpoints.Checkpoint, v int) ([]string, error) {
	js, ok := c.Metadata[metaVocab]
	if !ok {
		return nil, nil
	}
	var words []string
	if err := json.Unmarshal([]byte(js), &words); err != nil {
		return nil, fmt.Errorf("%w: %q metadata: %v", ErrBadCheckpoint, metaVocab, err)
	}
	if len(words) != v {
		return nil, fmt.Errorf("%w: the vocabulary has %d words, the configuration V=%d", ErrBadCheckpoint, len(words), v)
	}
	if want, ok := c.Metadata[metaVocabHash]; ok {
		sum := sha256.Sum256([]byte(strings.Join(words, "\n")))
		if got := hex.EncodeToString(sum[:]); got != want {
			return nil, fmt.Errorf("%w: the vocabulary's hash is %s, the stored hash %q", ErrBadCheckpoint, got, want)
		}
	}
	return words, nil
}
