package main

import (
	. "github.com/mmcloughlin/avo/build"
)

// vec32File generates vec32_amd64.s: the float32 kernels of vec32_amd64.go,
// the float64 kernels' generators run on float32 (f32) where the kernel is
// the same but for the element type.
func vec32File() {
	masks := data64("lanes32", ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), 0, 0, 0, 0)
	mtab := maskTable("mmmask32", 16)
	exp32c := data64("exp32c", lanes8(exp32Consts)...)
	negInf := data64("negInf32", 0xff800000)
	tanhc := data64("tanh32c", lanes4(tanhConsts)...)

	TEXT("addScaledRows32AVX2", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("addScaledRows32AVX2 takes the same arguments, with the same trust, as",
		"addScaledRowsAVX2.")
	Pragma("noescape")
	Comment("addScaledRowsAVX2 on float32: blocks of 96, 64, 32, 16 and 8 elements",
		"(Y0-Y11), then a masked block of the last 1 to 7; VMULPS then VADDPS as",
		"addScaledGo does per row.")
	addScaledRows(rowsAVX2(f32, "addScaledRows32AVX2", "bsr", masks, 0, false))

	TEXT("addScaledRowsAhead32AVX2", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("addScaledRowsAhead32AVX2 is addScaledRowsAheadAVX2 on float32.")
	Pragma("noescape")
	Comment("addScaledRows32AVX2 prefetching rows ahead, a cache line every other register.")
	addScaledRows(rowsAVX2(f32, "addScaledRowsAhead32AVX2", "bsa", masks, rowsAhead, false))

	TEXT("sumScaledRows32AVX2", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("sumScaledRows32AVX2 is sumScaledRowsAVX2 on float32.")
	Pragma("noescape")
	Comment("addScaledRows32AVX2 with each block's registers starting at +0.")
	addScaledRows(rowsAVX2(f32, "sumScaledRows32AVX2", "bss", masks, 0, true))

	TEXT("addScaledRows32AVX512", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("addScaledRows32AVX512 takes the same arguments, with the same trust, as",
		"addScaledRowsAVX2.")
	Pragma("noescape")
	Comment("addScaledRowsAVX512 on float32: blocks of 384 elements (Z0-Z23), then",
		"the last 1 to 383 in one block of 1 to 24 registers, the last masked by K1.")
	addScaledRows(rows512(f32, "addScaledRows32AVX512", "wr", 0, false))

	TEXT("addScaledRowsAhead32AVX512", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("addScaledRowsAhead32AVX512 is addScaledRows32AVX512 (the same arguments,",
		"trust and arithmetic) that also prefetches rows ahead.")
	Pragma("noescape")
	Comment("addScaledRowsAheadAVX512 on float32.")
	addScaledRows(rows512(f32, "addScaledRowsAhead32AVX512", "wra", rowsAhead, false))

	TEXT("sumScaledRows32AVX512", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("sumScaledRows32AVX512 is sumScaledRowsAVX512 on float32.")
	Pragma("noescape")
	Comment("addScaledRows32AVX512 with each block's registers starting at +0.")
	addScaledRows(rows512(f32, "sumScaledRows32AVX512", "ws", 0, true))

	TEXT("addMatMul32AVX512", NOSPLIT, "func(dst, a, src []float32, rows, m, n, stride int)")
	Doc("addMatMul32AVX512 is AddMatMul32's AVX-512 kernel, with the trust of",
		"addMatMulAVX512.")
	Pragma("noescape")
	Comment("addMatMulAVX512 on float32: blocks of up to 112 columns (7 registers) of",
		"four rows, then of one; VMULPS then VADDPS as addScaledGo does.")
	addMatMul(f32, matmul512, mtab, "mw")

	TEXT("addMatMul32AVX2", NOSPLIT, "func(dst, a, src []float32, rows, m, n, stride int)")
	Doc("addMatMul32AVX2 is addMatMulAVX2 on float32.")
	Pragma("noescape")
	Comment("addMatMulAVX2 on float32: blocks of 24 columns (3 registers) of four",
		"rows, then of one, a shorter last block under a lane mask; VMULPS then",
		"VADDPS as addScaledGo does.")
	addMatMul(f32, matmulAVX2, masks, "mv")

	expShift32(exp32c, masks, false)
	expShift32(exp32c, masks, true)

	maxKernel(maxF32, negInf)

	adamKernels(4)

	addKernelAVX2(f32, "add32AVX2", "ae")
	addKernelAVX512(f32, "add32AVX512", "zae")
	scaleKernel(f32, "scaleTo32AVX512", "sd", true)
	scaleKernel(f32, "scaleTo32AVX2", "se", false)
	tanhGradKernel(f32, "tanhGrad32AVX2", "tgf", exp32c.Offset(32*x2One))
	tanh32Kernels(tanhc, masks)
}
