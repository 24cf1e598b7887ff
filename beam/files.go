package amvibeam

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"   // gs:// paths
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local paths

	"github.com/amvi/amvi/encoder"
)

// hasScheme reports whether p names a file on a Beam file system other
// than the local one (gs://bucket/x).
func hasScheme(p string) bool { return strings.Contains(p, "://") }

// localCopy returns a local path with p's contents: p itself when it is
// local (or ""), else a temporary copy that cleanup removes.
func localCopy(ctx context.Context, p string) (local string, cleanup func(), err error) {
	if !hasScheme(p) {
		return p, func() {}, nil
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return "", nil, err
	}
	defer fs.Close()
	b, err := filesystem.Read(ctx, fs, p)
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", p, err)
	}
	f, err := os.CreateTemp("", "amvi-*-"+filepath.Base(p))
	if err != nil {
		return "", nil, err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", nil, err
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// loadEncoder loads the encoder of a checkpoint, local or not.
func loadEncoder(ctx context.Context, checkpoint string) (*encoder.Frozen, error) {
	local, cleanup, err := localCopy(ctx, checkpoint)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	return encoder.Load(local)
}

// joinPath returns the path of name in the folder dir.
func joinPath(dir, name string) string {
	if hasScheme(dir) {
		return strings.TrimSuffix(dir, "/") + "/" + name
	}
	return filepath.Join(dir, name)
}

// writeFile writes b to p through a temporary file beside it that it
// renames into place, so that p is whole or absent (a retried bundle
// rewrites the same bytes).
func writeFile(ctx context.Context, p string, b []byte) error {
	if !hasScheme(p) {
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			return err
		}
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return err
	}
	defer fs.Close()
	tmp := p + ".tmp-" + strconv.FormatUint(rand.Uint64(), 36)
	w, err := fs.OpenWrite(ctx, tmp)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = filesystem.Rename(ctx, fs, tmp, p)
	}
	if err != nil {
		if rm, ok := fs.(filesystem.Remover); ok {
			rm.Remove(ctx, tmp)
		}
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}
