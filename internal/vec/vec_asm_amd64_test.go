//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

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

// tanhKernel is an assembly implementation of Tanh, named for the tests
// and benchmarks; run expects len(dst) == len(x).
type tanhKernel struct {
	name string
	run  func(dst, x []float64)
}

// tanhAsmKernels returns the assembly Tanh kernels that the CPU can run,
// whatever a test has switched off, for the tests and benchmarks.
func tanhAsmKernels() []tanhKernel {
	var ks []tanhKernel
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, tanhKernel{"avx2", tanhAVX2})
		if cpu.X86.HasAVX512F {
			ks = append(ks, tanhKernel{"avx512", tanhAVX512})
		}
	}
	return ks
}

// adam32Kernel is one assembly Adam32 kernel, called as adam32 calls it.
type adam32Kernel struct {
	name string
	fn   func(p, g []float64, m, v []float32, c AdamConst)
}

// adam32AsmKernels returns the assembly Adam32 kernels that the CPU can
// run, whatever a test has switched off, for the tests and benchmarks.
func adam32AsmKernels() []adam32Kernel {
	var ks []adam32Kernel
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, adam32Kernel{"avx2", func(p, g []float64, m, v []float32, c AdamConst) {
			n := len(g)
			adam32AVX2(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
		}})
		if cpu.X86.HasAVX512F {
			ks = append(ks, adam32Kernel{"avx512", func(p, g []float64, m, v []float32, c AdamConst) {
				n := len(g)
				adam32AVX512(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
			}})
		}
	}
	return ks
}
