package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/reg"
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
	addScaledRows(rowsKernel{
		name: "addScaledRows32AVX2", prefix: "bsr", e: f32, lanes: 8,
		acc:   []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11},
		bcast: Y12, tmp: []VecPhysical{Y13, Y14, Y15},
		blocks: []int{12, 8, 4, 2, 1},
		tail:   func(p string) { rowsTailAVX2(f32, masks, p, false) },
	})

	TEXT("addScaledRowsAhead32AVX2", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("addScaledRowsAhead32AVX2 is addScaledRowsAheadAVX2 on float32.")
	Pragma("noescape")
	Comment("addScaledRows32AVX2 prefetching rows ahead, a cache line every other register.")
	addScaledRows(rowsKernel{
		name: "addScaledRowsAhead32AVX2", prefix: "bsa", e: f32, lanes: 8,
		acc:   []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11},
		bcast: Y12, tmp: []VecPhysical{Y13, Y14, Y15},
		blocks: []int{12, 8, 4, 2, 1},
		tail:   func(p string) { rowsTailAVX2(f32, masks, p, false) },
		ahead:  rowsAhead,
	})

	TEXT("sumScaledRows32AVX2", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("sumScaledRows32AVX2 is sumScaledRowsAVX2 on float32.")
	Pragma("noescape")
	Comment("addScaledRows32AVX2 with each block's registers starting at +0.")
	addScaledRows(rowsKernel{
		name: "sumScaledRows32AVX2", prefix: "bss", e: f32, lanes: 8,
		acc:   []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11},
		bcast: Y12, tmp: []VecPhysical{Y13, Y14, Y15},
		blocks: []int{12, 8, 4, 2, 1},
		tail:   func(p string) { rowsTailAVX2(f32, masks, p, true) },
		set:    true,
	})

	TEXT("addScaledRows32AVX512", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("addScaledRows32AVX512 takes the same arguments, with the same trust, as",
		"addScaledRowsAVX2.")
	Pragma("noescape")
	Comment("addScaledRowsAVX512 on float32: blocks of 384 elements (Z0-Z23), then",
		"the last 1 to 383 in one block of 1 to 24 registers, the last masked by K1.")
	addScaledRows(rowsKernel{
		name: "addScaledRows32AVX512", prefix: "wr", e: f32, lanes: 16,
		acc:   zmm[:24],
		bcast: Z24, tmp: zmm[25:],
		blocks: []int{24},
		tail:   rowsRemainder512(f32, 0, false),
	})

	TEXT("addScaledRowsAhead32AVX512", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("addScaledRowsAhead32AVX512 is addScaledRows32AVX512 (the same arguments,",
		"trust and arithmetic) that also prefetches rows ahead.")
	Pragma("noescape")
	Comment("addScaledRowsAheadAVX512 on float32.")
	addScaledRows(rowsKernel{
		name: "addScaledRowsAhead32AVX512", prefix: "wra", e: f32, lanes: 16,
		acc:   zmm[:24],
		bcast: Z24, tmp: zmm[25:],
		blocks: []int{24},
		tail:   rowsRemainder512(f32, rowsAhead, false),
		ahead:  rowsAhead,
	})

	TEXT("sumScaledRows32AVX512", NOSPLIT, "func(dst, src []float32, stride int, rows []int, scales []float32)")
	Doc("sumScaledRows32AVX512 is sumScaledRowsAVX512 on float32.")
	Pragma("noescape")
	Comment("addScaledRows32AVX512 with each block's registers starting at +0.")
	addScaledRows(rowsKernel{
		name: "sumScaledRows32AVX512", prefix: "ws", e: f32, lanes: 16,
		acc:   zmm[:24],
		bcast: Z24, tmp: zmm[25:],
		blocks: []int{24},
		tail:   rowsRemainder512(f32, 0, true),
		set:    true,
	})

	TEXT("addMatMul32AVX512", NOSPLIT, "func(dst, a, src []float32, rows, m, n, stride int)")
	Doc("addMatMul32AVX512 is AddMatMul32's AVX-512 kernel, with the trust of",
		"addMatMulAVX512.")
	Pragma("noescape")
	Comment("addMatMulAVX512 on float32: blocks of up to 112 columns (7 registers) of",
		"four rows, then of one; VMULPS then VADDPS as addScaledGo does.")
	addMatMul(f32, mtab, "mw")

	expShift32(exp32c, masks, false)
	expShift32(exp32c, masks, true)

	maxKernel(maxF32, negInf)

	adamKernels(4)

	addKernelAVX2(f32, "add32AVX2", "ae")
	addKernelAVX512(f32, "add32AVX512", "zae")
	scaleKernel(f32, "scaleTo32AVX512", "sd")
	scaleKernelAVX2(f32, "scaleTo32AVX2", "se")
	tanhGradKernel(f32, "tanhGrad32AVX2", "tgf", exp32c.Offset(32*x2One))
	tanh32Kernels(tanhc, masks)
}
