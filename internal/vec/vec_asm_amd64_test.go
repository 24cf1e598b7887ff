//go:build amd64 && !purego

package vec

// asmKernels reports whether the assembly kernels are in use, so that the
// tests comparing them with the Go loops skip where they would compare the
// Go loops with themselves.
func asmKernels() bool { return useAVX2 }

// withGoKernels runs f with the assembly kernels switched off.
func withGoKernels(f func()) {
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	f()
}
