package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// adam32Chain is the registers of one block of Adam32: g, then m and v
// widened to float64, a temporary t, and t's lower half for the narrowed
// moments.
type adam32Chain struct {
	g, m, v, t VecPhysical
	tHalf      VecPhysical
	off        int // byte offset of the block in p and g; m and v's is off/2
}

// adam32Mem are the accesses of memory, plain or masked, of one block.
type adam32Mem struct {
	pg           int                                 // the size of p's and g's elements: 8, or 4 for AdamF32
	loadG, loadP func(a Mem, dst VecPhysical)        // VMOVUPD, or VCVTPS2PD for AdamF32
	widen        func(a Mem, dst VecPhysical)        // VCVTPS2PD
	narrow       func(src, half VecPhysical)         // VCVTPD2PS
	storeHalf    func(half, full VecPhysical, a Mem) // VMOVUPS
	storeP       func(c adam32Chain, a Mem)          // VMOVUPD of c.g, or for AdamF32 narrowed into c.t
}

// adam32Blocks does Adam32 on the blocks of chains, their instructions
// interleaved one for one so that the blocks' latencies overlap. The
// constants are in registers 0 to 6 of k: b1, nb1, b2, nb2, step, ic2, eps.
// Per element, as adam32Go:
//
//	mm = b1*m + nb1*g;  m = float32(mm)
//	vv = b2*v + (nb2*g)*g;  v = float32(vv)
//	p = p - (step*mm) / (sqrt(vv*ic2) + eps)
func adam32Blocks(k []VecPhysical, mem adam32Mem, chains ...adam32Chain) {
	b1, nb1, b2, nb2, step, ic2, eps := k[0], k[1], k[2], k[3], k[4], k[5], k[6]
	each := func(f func(c adam32Chain)) {
		for _, c := range chains {
			f(c)
		}
	}
	pg := func(c adam32Chain) int { return c.off * mem.pg / 8 }
	each(func(c adam32Chain) { mem.loadG(at(RSI, pg(c)), c.g) })
	each(func(c adam32Chain) { mem.widen(at(R8, c.off/2), c.m) })
	each(func(c adam32Chain) { mem.widen(at(R9, c.off/2), c.v) })
	each(func(c adam32Chain) { VMULPD(c.m, b1, c.m) })
	each(func(c adam32Chain) { VMULPD(c.g, nb1, c.t) })
	each(func(c adam32Chain) { VADDPD(c.t, c.m, c.m) })
	each(func(c adam32Chain) { mem.narrow(c.m, c.tHalf) })
	each(func(c adam32Chain) { mem.storeHalf(c.tHalf, c.t, at(R8, c.off/2)) })
	each(func(c adam32Chain) { VMULPD(c.g, nb2, c.t) })
	each(func(c adam32Chain) { VMULPD(c.g, c.t, c.t) })
	each(func(c adam32Chain) { VMULPD(c.v, b2, c.v) })
	each(func(c adam32Chain) { VADDPD(c.t, c.v, c.v) })
	each(func(c adam32Chain) { mem.narrow(c.v, c.tHalf) })
	each(func(c adam32Chain) { mem.storeHalf(c.tHalf, c.t, at(R9, c.off/2)) })
	each(func(c adam32Chain) { VMULPD(ic2, c.v, c.v) })
	each(func(c adam32Chain) { VSQRTPD(c.v, c.v) })
	each(func(c adam32Chain) { VADDPD(eps, c.v, c.v) })
	each(func(c adam32Chain) { VMULPD(c.m, step, c.m) })
	each(func(c adam32Chain) { VDIVPD(c.v, c.m, c.m) })
	each(func(c adam32Chain) { mem.loadP(at(RDI, pg(c)), c.g) })
	each(func(c adam32Chain) { VSUBPD(c.m, c.g, c.g) })
	each(func(c adam32Chain) { mem.storeP(c, at(RDI, pg(c))) })
}

// adam32Args loads the pointers into DI (p), SI (g), R8 (m), R9 (v), the
// length into CX and broadcasts the constants into k[0] to k[6].
func adam32Args(k []VecPhysical) {
	Load(Param("p").Base(), RDI)
	Load(Param("g").Base(), RSI)
	Load(Param("g").Len(), RCX)
	Load(Param("m").Base(), R8)
	Load(Param("v").Base(), R9)
	for i, name := range []string{"b1", "nb1", "b2", "nb2", "step", "ic2", "eps"} {
		VBROADCASTSD(arg(name), k[i])
	}
}

// adam32Step advances the pointers over n elements, p's and g's of pg
// bytes, and counts them off.
func adam32Step(pg, n int) {
	ADDQ(c(pg*n), RSI)
	ADDQ(c(pg*n), RDI)
	ADDQ(c(4*n), R8)
	ADDQ(c(4*n), R9)
	SUBQ(c(n), RCX)
}

// adam32File generates adam32_amd64.s: Adam32's kernels, adam with the
// moments widened from float32 by VCVTPS2PD (exact) and narrowed back by
// VCVTPD2PS (rounded to nearest under Go's MXCSR, as Go's float32
// conversion). Only separately rounded VMULPD/VADDPD/VSUBPD/VDIVPD/VSQRTPD,
// in the order of adam32Go, so the results are bit-identical to it.
func adam32File() { adamKernels(8) }

// adamKernels generates Adam32's kernels (pg = 8) or AdamF32's (pg = 4:
// p and g float32, widened and narrowed as m and v are).
func adamKernels(pg int) {
	sig := "func(p, g []float64, m, v []float32, b1, nb1, b2, nb2, step, ic2, eps float64)"
	name2, name5, p2, p5 := "adam32AVX2", "adam32AVX512", "a32", "z32"
	if pg == 4 {
		sig = "func(p, g, m, v []float32, b1, nb1, b2, nb2, step, ic2, eps float64)"
		name2, name5, p2, p5 = "adamF32AVX2", "adamF32AVX512", "af2", "af5"
	}
	TEXT(name2, NOSPLIT, sig)
	Pragma("noescape")
	if pg == 4 {
		Comment("As adam32AVX2, with p and g widened from float32 and p narrowed back.")
	} else {
		Comment("nb1 = 1-b1, nb2 = 1-b2 and ic2 = 1/c2 are rounded by the caller.",
			"Eight elements at a time, then four, then one by one.")
	}
	ky := ymm[:7]
	adam32Args(ky)
	plain := adam32Mem{
		pg:        8,
		loadG:     func(a Mem, dst VecPhysical) { VMOVUPD(a, dst) },
		loadP:     func(a Mem, dst VecPhysical) { VMOVUPD(a, dst) },
		widen:     func(a Mem, dst VecPhysical) { VCVTPS2PD(a, dst) },
		narrow:    func(src, half VecPhysical) { VCVTPD2PSY(src, half) },
		storeHalf: func(half, _ VecPhysical, a Mem) { VMOVUPS(half, a) },
		storeP:    func(c adam32Chain, a Mem) { VMOVUPD(c.g, a) },
	}
	if pg == 4 {
		plain.pg = 4
		plain.loadG, plain.loadP = plain.widen, plain.widen
		plain.storeP = func(c adam32Chain, a Mem) {
			plain.narrow(c.g, c.tHalf)
			VMOVUPS(c.tHalf, a)
		}
	}
	ya := adam32Chain{g: Y7, m: Y8, v: Y9, t: Y10, tHalf: X10}
	yb := adam32Chain{g: Y11, m: Y12, v: Y13, t: Y14, tHalf: X14, off: 32}
	Label(p2 + "_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef(p2 + "_loop4"))
	adam32Blocks(ky, plain, ya, yb)
	adam32Step(pg, 8)
	JMP(LabelRef(p2 + "_loop8"))
	Label(p2 + "_loop4")
	CMPQ(RCX, c(4))
	JLT(LabelRef(p2 + "_tail"))
	adam32Blocks(ky, plain, ya)
	adam32Step(pg, 4)
	Label(p2 + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p2 + "_done"))
	Label(p2 + "_tail1")
	// load widens a float32 from a into x, or loads a float64.
	load := func(a Mem, x VecPhysical) {
		if pg == 4 {
			VMOVSS(a, x)
			VCVTSS2SD(x, x, x)
		} else {
			VMOVSD(a, x)
		}
	}
	load(at(RSI, 0), X7)
	VMOVSS(at(R8, 0), X8)
	VMOVSS(at(R9, 0), X9)
	VCVTSS2SD(X8, X8, X8)
	VCVTSS2SD(X9, X9, X9)
	VMULSD(X8, X0, X8)
	VMULSD(X7, X1, X10)
	VADDSD(X10, X8, X8)
	VCVTSD2SS(X8, X8, X10)
	VMOVSS(X10, at(R8, 0))
	VMULSD(X7, X3, X10)
	VMULSD(X7, X10, X10)
	VMULSD(X9, X2, X9)
	VADDSD(X10, X9, X9)
	VCVTSD2SS(X9, X9, X10)
	VMOVSS(X10, at(R9, 0))
	VMULSD(X5, X9, X9)
	VSQRTSD(X9, X9, X9)
	VADDSD(X6, X9, X9)
	VMULSD(X8, X4, X8)
	VDIVSD(X9, X8, X8)
	load(at(RDI, 0), X7)
	VSUBSD(X8, X7, X7)
	if pg == 4 {
		VCVTSD2SS(X7, X7, X7)
		VMOVSS(X7, at(RDI, 0))
	} else {
		VMOVSD(X7, at(RDI, 0))
	}
	ADDQ(c(pg), RSI)
	ADDQ(c(pg), RDI)
	ADDQ(c(4), R8)
	ADDQ(c(4), R9)
	DECQ(RCX)
	JNE(LabelRef(p2 + "_tail1"))
	Label(p2 + "_done")
	VZEROUPPER()
	RET()

	TEXT(name5, NOSPLIT, sig)
	Pragma("noescape")
	if pg == 4 {
		Comment("As adam32AVX512, with p and g widened from float32 and p narrowed back.")
	} else {
		Comment("As adam32AVX2, sixteen elements at a time, then eight, then a masked",
			"block (K1) of the last 1 to 7: its loads are masked (no access past the",
			"ends), its masked-off lanes compute on zeros and are not stored. AVX-512F",
			"only: the float32 halves live in the low 256 bits of Z registers.")
	}
	kz := zmm[:7]
	adam32Args(kz)
	plainZ := plain
	plainZ.narrow = func(src, half VecPhysical) { VCVTPD2PS(src, half) }
	if pg == 4 {
		plainZ.storeP = func(c adam32Chain, a Mem) {
			plainZ.narrow(c.g, c.tHalf)
			VMOVUPS(c.tHalf, a)
		}
	}
	za := adam32Chain{g: Z7, m: Z8, v: Z9, t: Z10, tHalf: Y10}
	zb := adam32Chain{g: Z11, m: Z12, v: Z13, t: Z14, tHalf: Y14, off: 64}
	Label(p5 + "_loop16")
	CMPQ(RCX, c(16))
	JLT(LabelRef(p5 + "_loop8"))
	adam32Blocks(kz, plainZ, za, zb)
	adam32Step(pg, 16)
	JMP(LabelRef(p5 + "_loop16"))
	Label(p5 + "_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef(p5 + "_tail"))
	MOVL(U32(0xff), EDX)
	JMP(LabelRef(p5 + "_last"))
	Label(p5 + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p5 + "_done"))
	MOVL(U32(1), EDX)
	SHLL(CL, EDX)
	DECL(EDX)
	Label(p5 + "_last")
	KMOVW(EDX, K1)
	masked := adam32Mem{
		pg:        8,
		loadG:     func(a Mem, dst VecPhysical) { VMOVUPD_Z(a, K1, dst) },
		loadP:     func(a Mem, dst VecPhysical) { VMOVUPD_Z(a, K1, dst) },
		widen:     func(a Mem, dst VecPhysical) { VCVTPS2PD_Z(a, K1, dst) },
		narrow:    plainZ.narrow,
		storeHalf: func(_, full VecPhysical, a Mem) { VMOVUPS(full, K1, a) },
		storeP:    func(c adam32Chain, a Mem) { VMOVUPD(c.g, K1, a) },
	}
	if pg == 4 {
		masked.pg = 4
		masked.loadG, masked.loadP = masked.widen, masked.widen
		masked.storeP = func(c adam32Chain, a Mem) {
			masked.narrow(c.g, c.tHalf)
			VMOVUPS(c.t, K1, a)
		}
	}
	adam32Blocks(kz, masked, za)
	CMPQ(RCX, c(8))
	JLT(LabelRef(p5 + "_done"))
	adam32Step(pg, 8)
	JMP(LabelRef(p5 + "_tail"))
	Label(p5 + "_done")
	VZEROUPPER()
	RET()
}
