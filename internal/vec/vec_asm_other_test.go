//go:build !amd64 || purego

package vec

func asmKernels() bool { return false }

func withGoKernels(f func()) { f() }
