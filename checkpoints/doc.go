// Package checkpoints stores trained networks: named float64 tensors plus
// string metadata, in one .safetensors file.
//
// # What a checkpoint is
//
// A [Checkpoint] is an ordered list of [Tensor] values (a name, a shape and
// the row-major data) and a map of string metadata. Anything structured, such
// as a model or optimiser configuration, goes into the metadata as a JSON
// string. The package knows nothing about models: callers decide the tensor
// names (for example "encoder.layers.0.weight") and the metadata keys.
//
// # File format
//
// The file is a valid safetensors file, so Python can read it with
// safetensors.safe_open(path, framework="np") or with plain json and struct:
//
//	8 bytes    N, the header length, little-endian uint64
//	N bytes    the header: UTF-8 JSON, padded with spaces so that N % 8 == 0
//	the rest   the data section: every tensor's float64 values, little-endian,
//	           back to back in file order, with no gaps and nothing after
//
// The header written by [Write] is compact JSON in one canonical form:
//
//	{"__metadata__":{"checksum":"sha256:…","config":"{\"K\":2}",
//	 "format":"amvi-checkpoint/1","header_checksum":"sha256:…"},
//	 "first.tensor":{"dtype":"F64","shape":[3,4],"data_offsets":[0,96]},
//	 "second.tensor":{"dtype":"F64","shape":[4],"data_offsets":[96,128]}}
//
// (shown wrapped; the real header has no whitespace outside strings except
// the trailing padding).
// Metadata keys are sorted bytewise, tensors follow in file order, each with
// exactly the fields dtype, shape and data_offsets in that order; data_offsets
// are relative to the start of the data section. Strings are written as raw
// UTF-8 with only the double quote, the backslash and control characters
// escaped (as \n, \r, \t, \b, \f or lower-case \u00XX). Only dtype F64 is
// used.
//
// Three metadata keys are reserved and set by [Write], which ignores any
// values the caller put there:
//
//   - "format" = "amvi-checkpoint/1".
//   - "checksum" = "sha256:" + lower-case hex SHA-256 of the data section.
//   - "header_checksum" = "sha256:" + lower-case hex SHA-256 of the canonical
//     header JSON, without padding, in which the "header_checksum" entry itself
//     is left out of "__metadata__".
//
// [Load] returns them in Metadata like any other key; saving a loaded
// checkpoint again recomputes them. The canonical JSON is exactly what
// Python's json.dumps(header, ensure_ascii=False, separators=(",", ":"))
// produces for the parsed header (metadata first, keys in file order), so
// both checksums can be verified from Python with json and hashlib alone;
// the tests do so whenever python3 is installed.
//
// # Validation
//
// [Load] and [Read] accept only files in exactly the form [Write] produces,
// and return an error wrapping [ErrCorrupt] (never a panic) for anything else:
// a short file, a header length over 100 MB or past the end of the file,
// invalid UTF-8 or JSON, duplicate JSON keys, missing or unknown fields,
// dtypes other than F64 and F32, negative or overflowing dimensions, data_offsets that
// disagree with the shape or that overlap, leave gaps, or fail to cover the
// data section exactly, trailing bytes, non-string metadata values, a header
// that is valid JSON but not in the canonical form, a wrong or missing format,
// and a wrong or missing checksum. Because every header byte is either fixed by
// the canonical form or covered by header_checksum, and every data byte is
// covered by checksum, any single flipped bit anywhere in the file is refused.
// Errors from the file system (for example a missing file) are passed on
// wrapped, without ErrCorrupt, so errors.Is(err, fs.ErrNotExist) still works.
//
// A file written by another safetensors writer (for instance from Python) is
// refused because it lacks the amvi metadata; that is deliberate: a
// checkpoint Load accepts is one this package wrote and that has not changed
// since.
//
// # Atomicity
//
// [Save] writes to a temporary file in the destination directory, fsyncs and
// closes it, renames it over the destination and fsyncs the directory. If any
// step before the rename fails, the temporary file is removed and an existing
// file at the destination is left untouched, so a crash or a full disk never
// leaves a half-written checkpoint under the final name.
package checkpoints
