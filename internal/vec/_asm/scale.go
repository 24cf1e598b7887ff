package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// scale generates scale_amd64.s: ScaleTo's AVX-512 kernel.
func scale() {
	TEXT("scaleToAVX512", NOSPLIT, "func(dst []float64, a float64, x []float64)")
	Doc("scaleToAVX512 is ScaleTo's AVX-512 kernel; len(dst) must be len(x).")
	Pragma("noescape")
	Comment("dst = a*x, 32 then 8 elements a step and a masked tail of 1 to 7. Each",
		"block is loaded before it is stored, so dst may be x.")
	Load(Param("dst").Base(), RDI)
	VBROADCASTSD(arg("a"), Z0)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)

	Label("sc_loop32")
	CMPQ(RCX, c(32))
	JLT(LabelRef("sc_loop8"))
	for i, z := range []VecPhysical{Z1, Z2, Z3, Z4} {
		VMULPD(at(RSI, 64*i), Z0, z)
	}
	for i, z := range []VecPhysical{Z1, Z2, Z3, Z4} {
		VMOVUPD(z, at(RDI, 64*i))
	}
	ADDQ(c(256), RSI)
	ADDQ(c(256), RDI)
	SUBQ(c(32), RCX)
	JMP(LabelRef("sc_loop32"))

	Label("sc_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef("sc_tail"))
	VMULPD(at(RSI, 0), Z0, Z1)
	VMOVUPD(Z1, at(RDI, 0))
	ADDQ(c(64), RSI)
	ADDQ(c(64), RDI)
	SUBQ(c(8), RCX)
	JMP(LabelRef("sc_loop8"))

	Label("sc_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("sc_done"))
	MOVL(U32(1), EDX)
	SHLL(CL, EDX)
	DECL(EDX)
	KMOVW(EDX, K1)
	VMOVUPD_Z(at(RSI, 0), K1, Z1)
	VMULPD(Z1, Z0, Z1)
	VMOVUPD(Z1, K1, at(RDI, 0))

	Label("sc_done")
	VZEROUPPER()
	RET()
}
