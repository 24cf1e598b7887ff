package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// scale generates scale_amd64.s: ScaleTo's AVX-512 and AVX2 kernels.
func scale() {
	scaleKernel(f64, "scaleToAVX512", "sc", true)
	scaleKernel(f64, "scaleToAVX2", "sy", false)
}

// scaleKernel generates scaleToAVX512 or, with avx512 false, scaleToAVX2 (or,
// for f32, scaleTo32AVX512 and scaleTo32AVX2): dst = a*x, four registers
// a step, then one, then the last partial register's elements under a
// mask (AVX-512) or one at a time (AVX2).
func scaleKernel(e elem, name, p string, avx512 bool) {
	width, isa := 32, "AVX2"
	regs := []VecPhysical{Y0, Y1, Y2, Y3, Y4}
	if avx512 {
		width, isa = 64, "AVX-512"
		regs = []VecPhysical{Z0, Z1, Z2, Z3, Z4}
	}
	lanes := width / e.size
	sig, doc := "func(dst []float64, a float64, x []float64)", "ScaleTo's"
	if e.size == 4 {
		sig, doc = "func(dst []float32, a float32, x []float32)", "ScaleTo32's"
	}
	TEXT(name, NOSPLIT, sig)
	Doc(name + " is " + doc + " " + isa + " kernel; len(dst) must be len(x).")
	Pragma("noescape")
	tail := fmt.Sprintf("a masked tail of 1 to %d", lanes-1)
	if !avx512 {
		tail = fmt.Sprintf("the last 0 to %d one at a time", lanes-1)
	}
	Comment(fmt.Sprintf("dst = a*x, %d then %d elements a step and %s.", 4*lanes, lanes, tail),
		"Each block is loaded before it is stored, so dst may be x.")
	Load(Param("dst").Base(), RDI)
	e.bcast(arg("a"), regs[0])
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)

	l4, l1 := fmt.Sprintf("%s_loop%d", p, 4*lanes), fmt.Sprintf("%s_loop%d", p, lanes)
	Label(l4)
	CMPQ(RCX, c(4*lanes))
	JLT(LabelRef(l1))
	for i, r := range regs[1:] {
		e.mul(at(RSI, width*i), regs[0], r)
	}
	for i, r := range regs[1:] {
		e.movu(r, at(RDI, width*i))
	}
	ADDQ(c(4*width), RSI)
	ADDQ(c(4*width), RDI)
	SUBQ(c(4*lanes), RCX)
	JMP(LabelRef(l4))

	Label(l1)
	CMPQ(RCX, c(lanes))
	JLT(LabelRef(p + "_tail"))
	e.mul(at(RSI, 0), regs[0], regs[1])
	e.movu(regs[1], at(RDI, 0))
	ADDQ(c(width), RSI)
	ADDQ(c(width), RDI)
	SUBQ(c(lanes), RCX)
	JMP(LabelRef(l1))

	Label(p + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))
	if avx512 {
		MOVL(U32(1), EDX)
		SHLL(CL, EDX)
		DECL(EDX)
		KMOVW(EDX, K1)
		e.movuZ(at(RSI, 0), K1, Z1)
		e.mul(Z1, Z0, Z1)
		e.movu(Z1, K1, at(RDI, 0))
	} else {
		e.movs(at(RSI, 0), X1)
		e.muls(X0, X1, X1)
		e.movs(X1, at(RDI, 0))
		ADDQ(c(e.size), RSI)
		ADDQ(c(e.size), RDI)
		DECQ(RCX)
		JMP(LabelRef(p + "_tail"))
	}

	Label(p + "_done")
	VZEROUPPER()
	RET()
}
