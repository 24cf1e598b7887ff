//go:build !amd64 || purego

package vec

func asmKernels() bool { return false }

func withGoKernels(f func()) { f() }

// tanhKernel is an assembly implementation of Tanh, named for the tests
// and benchmarks; run expects len(dst) == len(x).
type tanhKernel struct {
	name string
	run  func(dst, x []float64)
}

func tanhAsmKernels() []tanhKernel { return nil }

// adam32Kernel is one assembly Adam32 kernel, called as adam32 calls it.
type adam32Kernel struct {
	name string
	fn   func(p, g []float64, m, v []float32, c AdamConst)
}

func adam32AsmKernels() []adam32Kernel { return nil }
