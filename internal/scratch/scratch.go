// Package scratch helps reuse buffers across calls on hot paths.
package scratch

// Grow returns s resliced to length n when its capacity allows, and a new
// zeroed slice otherwise. The contents of a reused s are left as they were.
func Grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}
