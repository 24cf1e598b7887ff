package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// scale generates scale_amd64.s: ScaleTo's AVX-512 and AVX2 kernels.
func scale() {
	scaleKernel(f64, "scaleToAVX512", "sc")
	scaleKernelAVX2(f64, "scaleToAVX2", "sy")
}

// scaleKernelAVX2 generates scaleToAVX2 (or, for f32, scaleTo32AVX2).
func scaleKernelAVX2(e elem, name, p string) {
	lanes := 32 / e.size
	sig, doc := scaleSig(e)
	TEXT(name, NOSPLIT, sig)
	Doc(name + " is " + doc + " AVX2 kernel; len(dst) must be len(x).")
	Pragma("noescape")
	Comment(fmt.Sprintf("dst = a*x, %d then %d elements a step and the last 0 to %d one at a", 4*lanes, lanes, lanes-1),
		"time. Each block is loaded before it is stored, so dst may be x.")
	Load(Param("dst").Base(), RDI)
	e.bcast(arg("a"), Y0)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)

	l4, l1 := fmt.Sprintf("%s_loop%d", p, 4*lanes), fmt.Sprintf("%s_loop%d", p, lanes)
	Label(l4)
	CMPQ(RCX, c(4*lanes))
	JLT(LabelRef(l1))
	for i, y := range []VecPhysical{Y1, Y2, Y3, Y4} {
		e.mul(at(RSI, 32*i), Y0, y)
	}
	for i, y := range []VecPhysical{Y1, Y2, Y3, Y4} {
		e.movu(y, at(RDI, 32*i))
	}
	ADDQ(c(128), RSI)
	ADDQ(c(128), RDI)
	SUBQ(c(4*lanes), RCX)
	JMP(LabelRef(l4))

	Label(l1)
	CMPQ(RCX, c(lanes))
	JLT(LabelRef(p + "_tail"))
	e.mul(at(RSI, 0), Y0, Y1)
	e.movu(Y1, at(RDI, 0))
	ADDQ(c(32), RSI)
	ADDQ(c(32), RDI)
	SUBQ(c(lanes), RCX)
	JMP(LabelRef(l1))

	Label(p + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))
	e.movs(at(RSI, 0), X1)
	e.muls(X0, X1, X1)
	e.movs(X1, at(RDI, 0))
	ADDQ(c(e.size), RSI)
	ADDQ(c(e.size), RDI)
	DECQ(RCX)
	JMP(LabelRef(p + "_tail"))

	Label(p + "_done")
	VZEROUPPER()
	RET()
}

// scaleKernel generates scaleToAVX512 (or, for f32, scaleTo32AVX512).
func scaleKernel(e elem, name, p string) {
	lanes := 64 / e.size
	sig, doc := scaleSig(e)
	TEXT(name, NOSPLIT, sig)
	Doc(name + " is " + doc + " AVX-512 kernel; len(dst) must be len(x).")
	Pragma("noescape")
	Comment(fmt.Sprintf("dst = a*x, %d then %d elements a step and a masked tail of 1 to %d. Each", 4*lanes, lanes, lanes-1),
		"block is loaded before it is stored, so dst may be x.")
	Load(Param("dst").Base(), RDI)
	e.bcast(arg("a"), Z0)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)

	l4, l1 := fmt.Sprintf("%s_loop%d", p, 4*lanes), fmt.Sprintf("%s_loop%d", p, lanes)
	Label(l4)
	CMPQ(RCX, c(4*lanes))
	JLT(LabelRef(l1))
	for i, z := range []VecPhysical{Z1, Z2, Z3, Z4} {
		e.mul(at(RSI, 64*i), Z0, z)
	}
	for i, z := range []VecPhysical{Z1, Z2, Z3, Z4} {
		e.movu(z, at(RDI, 64*i))
	}
	ADDQ(c(256), RSI)
	ADDQ(c(256), RDI)
	SUBQ(c(4*lanes), RCX)
	JMP(LabelRef(l4))

	Label(l1)
	CMPQ(RCX, c(lanes))
	JLT(LabelRef(p + "_tail"))
	e.mul(at(RSI, 0), Z0, Z1)
	e.movu(Z1, at(RDI, 0))
	ADDQ(c(64), RSI)
	ADDQ(c(64), RDI)
	SUBQ(c(lanes), RCX)
	JMP(LabelRef(l1))

	Label(p + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))
	MOVL(U32(1), EDX)
	SHLL(CL, EDX)
	DECL(EDX)
	KMOVW(EDX, K1)
	e.movuZ(at(RSI, 0), K1, Z1)
	e.mul(Z1, Z0, Z1)
	e.movu(Z1, K1, at(RDI, 0))

	Label(p + "_done")
	VZEROUPPER()
	RET()
}

// scaleSig returns the ScaleTo kernels' signature for e and the name of
// the function they serve, as their doc comments say it.
func scaleSig(e elem) (sig, doc string) {
	if e.size == 4 {
		return "func(dst []float32, a float32, x []float32)", "ScaleTo32's"
	}
	return "func(dst []float64, a float64, x []float64)", "ScaleTo's"
}
