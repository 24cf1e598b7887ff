package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// tanhConsts are the constants of the tanh kernels, in the order of the
// table tanhc (four lanes each, so that AVX2 can use them as memory
// operands and AVX-512 broadcast their first lane). The exponential's
// polynomial is ExpShift's: the Taylor series of exp to degree 13, whose
// truncation error on |r| ≤ ln2/2 is below 5e-18. P and Q are math.Tanh's
// (Cephes).
var tanhConsts = []uint64{
	0x7fffffffffffffff, // mask of all but the sign bit
	0x3fe4000000000000, // 0.625: below it, the rational function
	0x4046000000000000, // 44: 2|x| is clamped to it, tanh(22) rounds to 1
	0x3ff71547652b82fe, // log2(e)
	0x3fe62e42fee00000, // ln2 hi, as in math.Exp
	0x3dea39ef35793c76, // ln2 lo
	0x43380000000003ff, // 0x1.8p52 + 1023: n + this has n+1023 in its low bits
	0x3de6124613a86d09, // 1/13!
	0x3e21eed8eff8d898, // 1/12!
	0x3e5ae64567f544e4, // 1/11!
	0x3e927e4fb7789f5c, // 1/10!
	0x3ec71de3a556c734, // 1/9!
	0x3efa01a01a01a01a, // 1/8!
	0x3f2a01a01a01a01a, // 1/7!
	0x3f56c16c16c16c17, // 1/6!
	0x3f81111111111111, // 1/5!
	0x3fa5555555555555, // 1/4!
	0x3fc5555555555555, // 1/3!
	0x3fe0000000000000, // 1/2!, and 0.5
	0x3ff0000000000000, // 1
	0x4000000000000000, // 2
	0xbfeedc5baafd6f4b, // P0 -9.64399179425052238628e-1
	0xc058d26a0e26682d, // P1 -9.92877231001918586564e1
	0xc0993ac030580563, // P2 -1.61468768441708447952e3
	0x405c33f28a581b86, // Q0 1.12811678491632931402e2
	0x40a176fa0e5535fa, // Q1 2.23548839060100448583e3
	0x40b2ec102442040c, // Q2 4.84406305325125486048e3
}

// Indexes into tanhConsts.
const (
	tAbs = iota
	tSmall
	t44
	tLog2e
	tLn2Hi
	tLn2Lo
	tBias
	tC13 // 1/13!, then down to tC2 = 1/2!
	tC2  = tC13 + 11
	tOne = tC2 + 1
	tTwo = tOne + 1
	tP0  = tTwo + 1
	tP1  = tP0 + 1
	tP2  = tP1 + 1
	tQ0  = tP2 + 1
	tQ1  = tQ0 + 1
	tQ2  = tQ1 + 1
)

// tanhISA holds what differs between the AVX2 and the AVX-512 tanh: how a
// constant of tanhc is an operand (a YMM memory operand, or a broadcast),
// the blend on the mask of the small arguments (a YMM, or an opmask
// register) and the integer logic.
type tanhISA struct {
	tab          Mem                       // tanhc
	bcst         bool                      // AVX-512: constants are broadcast
	and, xor, or func(a, b, dst Op)        // VANDPD or VPANDQ, ...
	cmpLT        func(cst Mem, x, mask Op) // mask = x < cst
	round        func(mode int, x Op)      // x = round(x), VROUNDPD's modes
	blend        func(mask, ifSet, ifClear, dst Op)
}

func (t tanhISA) cst(i int) Mem { return t.tab.Offset(32 * i) }

// Instructions with a constant of tanhc as their first operand.
func (t tanhISA) load(i int, dst Op) {
	if t.bcst {
		VBROADCASTSD(t.cst(i), dst)
	} else {
		VMOVUPD(t.cst(i), dst)
	}
}

func (t tanhISA) fma213(i int, a, p Op) {
	if t.bcst {
		VFMADD213PD_BCST(t.cst(i), a, p)
	} else {
		VFMADD213PD(t.cst(i), a, p)
	}
}

func (t tanhISA) fnma231(i int, a, p Op) {
	if t.bcst {
		VFNMADD231PD_BCST(t.cst(i), a, p)
	} else {
		VFNMADD231PD(t.cst(i), a, p)
	}
}

func (t tanhISA) add(i int, a, dst Op) {
	if t.bcst {
		VADDPD_BCST(t.cst(i), a, dst)
	} else {
		VADDPD(t.cst(i), a, dst)
	}
}

func (t tanhISA) mul(i int, a, dst Op) {
	if t.bcst {
		VMULPD_BCST(t.cst(i), a, dst)
	} else {
		VMULPD(t.cst(i), a, dst)
	}
}

func (t tanhISA) sub(i int, a, dst Op) {
	if t.bcst {
		VSUBPD_BCST(t.cst(i), a, dst)
	} else {
		VSUBPD(t.cst(i), a, dst)
	}
}

var tanhAVX2ISA = func(tab Mem) tanhISA {
	return tanhISA{
		tab:   tab,
		and:   func(a, b, dst Op) { VANDPD(a, b, dst) },
		xor:   func(a, b, dst Op) { VXORPD(a, b, dst) },
		or:    func(a, b, dst Op) { VORPD(a, b, dst) },
		cmpLT: func(cst Mem, x, mask Op) { VCMPPD(c(1), cst, x, mask) },
		round: func(mode int, x Op) { VROUNDPD(c(mode), x, x) },
		blend: func(mask, ifSet, ifClear, dst Op) { VBLENDVPD(mask, ifSet, ifClear, dst) },
	}
}

var tanhAVX512ISA = func(tab Mem) tanhISA {
	return tanhISA{
		tab: tab, bcst: true,
		and: func(a, b, dst Op) {
			if m, ok := a.(Mem); ok {
				VPANDQ_BCST(m, b, dst)
				return
			}
			VPANDQ(a, b, dst)
		},
		xor:   func(a, b, dst Op) { VPXORQ(a, b, dst) },
		or:    func(a, b, dst Op) { VPORQ(a, b, dst) },
		cmpLT: func(cst Mem, x, mask Op) { VCMPPD_BCST(c(1), cst, x, mask) },
		round: func(mode int, x Op) { VRNDSCALEPD(c(mode), x, x) },
		blend: func(mask, ifSet, ifClear, dst Op) { VBLENDMPD(ifSet, ifClear, mask, dst) },
	}
}

// expTwoA is the exponential tanhBody and tanh32Body share: for a = |x|
// in r[1] and v44 = 44, T = min(2a, 44) (NaN goes through), k =
// round(T·log2 e) in r[8], r = T − k·ln2 (Cody-Waite) in r[7],
// p = e^r − 1 = r + r²·s(r) in r[9], and 2^k in r[10]; it clobbers r[7]
// to r[10].
func expTwoA(t tanhISA, r []Op, v44 Op) {
	VADDPD(r[1], r[1], r[7])
	VMINPD(r[7], v44, r[7])
	t.mul(tLog2e, r[7], r[8])
	t.round(0, r[8])
	t.fnma231(tLn2Hi, r[8], r[7])
	t.fnma231(tLn2Lo, r[8], r[7])
	t.load(tC13, r[9])
	VMULPD(r[7], r[7], r[10])
	for i := tC13 + 1; i <= tC2; i++ {
		t.fma213(i, r[7], r[9])
	}
	VFMADD213PD(r[7], r[10], r[9])
	t.add(tBias, r[8], r[10])
	VPSLLQ(c(52), r[10], r[10])
}

// tanhBody computes r[13] = tanh(r[0]) lane-wise, clobbering r[1] to r[14];
// r[3] holds the mask of the small arguments (a YMM for AVX2, an opmask
// register for AVX-512) and v44 = 44. Both instruction sets run the same
// operations in the same order, so each lane gets the same bits.
//
// With a = |x|, s = a²:
//
//	a < 0.625:  num = a·s·P(s), den = Q(s), tanh a = a + num/den.
//	otherwise:  T = min(2a, 44) (NaN goes through: VMINPD returns its
//	            second source, T, when that is NaN), k = round(T·log2 e),
//	            r = T − k·ln2 (Cody-Waite), p = e^r − 1 = r + r²·s(r);
//	            e^T + 1 = 2^k·w exactly, w = (1+2^−k) + p, w_err its
//	            rounding error (Fast2Sum, 1+2^−k ≥ 1 > |p|);
//	            num = 2, den = d = 2^k·w, q = num/den,
//	            q' = q + (2 − q·d − q·2^k·w_err)·q/2 (FMA residual),
//	            tanh a = 1 − q', the rounding error of 1 − q added back.
//
// The sign of x is ored back in.
func tanhBody(t tanhISA, r []Op, v44 Op) {
	mask := r[3]
	t.and(t.cst(tAbs), r[0], r[1])
	t.xor(r[1], r[0], r[2])
	t.cmpLT(t.cst(tSmall), r[1], mask)
	VMULPD(r[1], r[1], r[4])
	t.load(tP0, r[5])
	t.fma213(tP1, r[4], r[5])
	t.fma213(tP2, r[4], r[5])
	VMULPD(r[4], r[5], r[5])
	VMULPD(r[1], r[5], r[5])
	t.add(tQ0, r[4], r[6])
	t.fma213(tQ1, r[4], r[6])
	t.fma213(tQ2, r[4], r[6])
	expTwoA(t, r, v44)
	t.load(tBias, r[11])
	VSUBPD(r[8], r[11], r[11])
	VPSLLQ(c(52), r[11], r[11])
	t.add(tOne, r[11], r[11])
	VADDPD(r[9], r[11], r[12])
	VSUBPD(r[12], r[11], r[11])
	VADDPD(r[9], r[11], r[11])
	VMULPD(r[10], r[12], r[12])
	VMULPD(r[10], r[11], r[11])
	t.load(tTwo, r[7])
	t.blend(mask, r[5], r[7], r[7])
	t.blend(mask, r[6], r[12], r[8])
	VDIVPD(r[8], r[7], r[9])
	VMOVAPD(r[7], r[10])
	VFNMADD231PD(r[9], r[8], r[10])
	VFNMADD231PD(r[9], r[11], r[10])
	t.mul(tC2, r[9], r[12])
	VMULPD(r[12], r[10], r[10])
	t.load(tOne, r[12])
	VSUBPD(r[9], r[12], r[13])
	VSUBPD(r[13], r[12], r[12])
	VSUBPD(r[9], r[12], r[12])
	VSUBPD(r[10], r[12], r[12])
	VADDPD(r[12], r[13], r[13])
	VADDPD(r[9], r[1], r[14])
	t.blend(mask, r[14], r[13], r[13])
	t.or(r[2], r[13], r[13])
}

// regs returns vs as operands, with mask in place of vs[3].
func regs(vs []VecPhysical, mask Op) []Op {
	r := make([]Op, len(vs))
	for i, v := range vs {
		r[i] = v
	}
	r[3] = mask
	return r
}

var ymm = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}

// tanhFile generates tanh_amd64.s: the AVX2/FMA and AVX-512F kernels of
// tanh_amd64.go.
func tanhFile() {
	tanhc := data64("tanhc", append(lanes4(tanhConsts), laneMasks...)...)
	masks := tanhc.Offset(32 * len(tanhConsts))
	avx2 := tanhAVX2ISA(tanhc)

	TEXT("tanhAVX2", NOSPLIT, "func(dst, x []float64)")
	Pragma("noescape")
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	avx2.load(t44, Y15)
	Label("th_loop4")
	CMPQ(RCX, c(4))
	JLT(LabelRef("th_tail"))
	VMOVUPD(at(RSI, 0), Y0)
	tanhBody(avx2, regs(ymm, Y3), Y15)
	VMOVUPD(Y13, at(RDI, 0))
	ADDQ(c(32), RSI)
	ADDQ(c(32), RDI)
	SUBQ(c(4), RCX)
	JMP(LabelRef("th_loop4"))
	Label("th_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("th_done"))
	Comment("The last 1 to 3 elements: k lanes of the masks from byte 8*(4-k).")
	LEAQ(masks, RAX)
	MOVQ(U32(4), RDX)
	SUBQ(RCX, RDX)
	VMOVUPD(idx(RAX, 0, RDX, 8), Y14)
	VMASKMOVPD(at(RSI, 0), Y14, Y0)
	tanhBody(avx2, regs(ymm, Y3), Y15)
	VMOVUPD(idx(RAX, 0, RDX, 8), Y14)
	VMASKMOVPD(Y13, Y14, at(RDI, 0))
	Label("th_done")
	VZEROUPPER()
	RET()

	TEXT("tanhAVX512", NOSPLIT, "func(dst, x []float64)")
	Pragma("noescape")
	Comment("Sixteen elements per iteration in two independent chains (Z0-Z14 and",
		"Z16-Z30), then eight, then the last 1 to 7 under a mask.")
	avx512 := tanhAVX512ISA(tanhc)
	chain1, chain2 := regs(zmm[0:15], K1), regs(zmm[16:31], K2)
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	VBROADCASTSD(tanhc.Offset(32*t44), Z15)
	Label("t5_loop16")
	CMPQ(RCX, c(16))
	JLT(LabelRef("t5_loop8"))
	VMOVUPD(at(RSI, 0), Z0)
	VMOVUPD(at(RSI, 64), Z16)
	tanhBody(avx512, chain1, Z15)
	tanhBody(avx512, chain2, Z15)
	VMOVUPD(Z13, at(RDI, 0))
	VMOVUPD(Z29, at(RDI, 64))
	ADDQ(c(128), RSI)
	ADDQ(c(128), RDI)
	SUBQ(c(16), RCX)
	JMP(LabelRef("t5_loop16"))
	Label("t5_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef("t5_tail"))
	VMOVUPD(at(RSI, 0), Z0)
	tanhBody(avx512, chain1, Z15)
	VMOVUPD(Z13, at(RDI, 0))
	ADDQ(c(64), RSI)
	ADDQ(c(64), RDI)
	SUBQ(c(8), RCX)
	Label("t5_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("t5_done"))
	MOVQ(U32(1), RAX)
	SHLQ(CL, RAX)
	DECQ(RAX)
	KMOVW(EAX, K3)
	VMOVUPD_Z(at(RSI, 0), K3, Z0)
	tanhBody(avx512, chain1, Z15)
	VMOVUPD(Z13, K3, at(RDI, 0))
	Label("t5_done")
	VZEROUPPER()
	RET()

	tanhGradKernel(f64, "tanhGradAVX2", "tg", tanhc.Offset(32*tOne))
}

// tanhGradKernel generates tanhGradAVX2 (or, for f32, tanhGrad32AVX2),
// with one the address of a 1 of e's type.
func tanhGradKernel(e elem, name, p string, one Mem) {
	lanes := 32 / e.size
	sig := "func(d, y []float64)"
	if e.size == 4 {
		sig = "func(d, y []float32)"
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Comment("d = d * (1 - y*y), each operation rounded, as tanhGradGo.")
	Load(Param("d").Base(), RDI)
	Load(Param("d").Len(), RCX)
	Load(Param("y").Base(), RSI)
	e.bcast(one, Y15)
	l4, l1 := fmt.Sprintf("%s_loop%d", p, 4*lanes), fmt.Sprintf("%s_loop%d", p, lanes)
	Label(l4)
	CMPQ(RCX, c(4*lanes))
	JLT(LabelRef(l1))
	ys := []VecPhysical{Y1, Y2, Y3, Y4}
	for i, y := range ys {
		e.movu(at(RSI, 32*i), y)
	}
	for _, y := range ys {
		e.mul(y, y, y)
	}
	for _, y := range ys {
		e.sub(y, Y15, y)
	}
	for i, y := range ys {
		e.mul(at(RDI, 32*i), y, y)
	}
	for i, y := range ys {
		e.movu(y, at(RDI, 32*i))
	}
	ADDQ(c(128), RSI)
	ADDQ(c(128), RDI)
	SUBQ(c(4*lanes), RCX)
	JMP(LabelRef(l4))
	Label(l1)
	CMPQ(RCX, c(lanes))
	JLT(LabelRef(p + "_tail"))
	e.movu(at(RSI, 0), Y1)
	e.mul(Y1, Y1, Y1)
	e.sub(Y1, Y15, Y1)
	e.mul(at(RDI, 0), Y1, Y1)
	e.movu(Y1, at(RDI, 0))
	ADDQ(c(32), RSI)
	ADDQ(c(32), RDI)
	SUBQ(c(lanes), RCX)
	JMP(LabelRef(l1))
	Label(p + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))
	Label(p + "_tail1")
	e.movs(at(RSI, 0), X1)
	e.muls(X1, X1, X1)
	e.subs(X1, X15, X1)
	e.muls(at(RDI, 0), X1, X1)
	e.movs(X1, at(RDI, 0))
	ADDQ(c(e.size), RSI)
	ADDQ(c(e.size), RDI)
	DECQ(RCX)
	JNE(LabelRef(p + "_tail1"))
	Label(p + "_done")
	VZEROUPPER()
	RET()
}

// tanh32Body computes r[13] = tanh(r[0]) lane-wise in float64 for a result
// to be rounded to float32, clobbering r[1], r[2] and r[7] to r[12] (not
// r[3], which holds a mask register in the chains of the AVX-512 kernel);
// v44 = 44. Both instruction sets run the same operations in the same
// order, so each lane gets the same bits.
//
// With a = |x|: T = min(2a, 44) (NaN goes through), k = round(T·log2 e),
// r = T − k·ln2 (Cody-Waite), p = e^r − 1 = r + r²·s(r), s the Taylor
// series to 1/13! as in tanhBody, E = e^T − 1 = 2^k·p + (2^k − 1) (one
// FMA; 2^k − 1 is exact for k ≤ 63), tanh a = E/(E+2). Its relative error
// is about that of E, a few float64 ulps at every a (no cancellation: for
// small a, E is p), far below float32's rounding; the sign of x is ored
// back in.
func tanh32Body(t tanhISA, r []Op, v44 Op) {
	t.and(t.cst(tAbs), r[0], r[1])
	t.xor(r[1], r[0], r[2])
	expTwoA(t, r, v44)
	t.sub(tOne, r[10], r[11])
	VFMADD213PD(r[11], r[10], r[9])
	t.add(tTwo, r[9], r[12])
	VDIVPD(r[12], r[9], r[13])
	t.or(r[2], r[13], r[13])
}

// tanh32Kernels generates tanh32AVX2 and tanh32AVX512 with tanhc, a copy
// of tanhFile's table (4 lanes a constant), and masks32, the float32 lane
// masks (8 words of all ones, 8 of zeros): each element widened (VCVTPS2PD,
// exact), its tanh computed by tanh32Body in float64 and rounded to float32
// (VCVTPD2PS).
func tanh32Kernels(tanhc, masks32 Mem) {
	avx2 := tanhAVX2ISA(tanhc)
	TEXT("tanh32AVX2", NOSPLIT, "func(dst, x []float32)")
	Pragma("noescape")
	Comment("tanh32Body on the widened elements, four a step, the last 1 to 3",
		"under a mask, each result rounded to float32.")
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	avx2.load(t44, Y15)
	Label("tf_loop4")
	CMPQ(RCX, c(4))
	JLT(LabelRef("tf_tail"))
	VCVTPS2PD(at(RSI, 0), Y0)
	tanh32Body(avx2, regs(ymm, Y3), Y15)
	VCVTPD2PSY(Y13, X13)
	VMOVUPS(X13, at(RDI, 0))
	ADDQ(c(16), RSI)
	ADDQ(c(16), RDI)
	SUBQ(c(4), RCX)
	JMP(LabelRef("tf_loop4"))
	Label("tf_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("tf_done"))
	Comment("The last 1 to 3 elements: k lanes of the masks from byte 4*(8-k).")
	LEAQ(masks32, RAX)
	MOVQ(U32(8), RDX)
	SUBQ(RCX, RDX)
	VMOVUPS(idx(RAX, 0, RDX, 4), X14)
	VMASKMOVPS(at(RSI, 0), X14, X0)
	VCVTPS2PD(X0, Y0)
	tanh32Body(avx2, regs(ymm, Y3), Y15)
	VCVTPD2PSY(Y13, X13)
	VMOVUPS(idx(RAX, 0, RDX, 4), X14)
	VMASKMOVPS(X13, X14, at(RDI, 0))
	Label("tf_done")
	VZEROUPPER()
	RET()

	TEXT("tanh32AVX512", NOSPLIT, "func(dst, x []float32)")
	Pragma("noescape")
	Comment("tanh32Body on the widened elements: sixteen a step in two chains, then",
		"eight, then the last 1 to 7 under a mask (K3), each result rounded to",
		"float32; the same bits as tanh32AVX2.")
	avx512 := tanhAVX512ISA(tanhc)
	chain1, chain2 := regs(zmm[0:15], K1), regs(zmm[16:31], K2)
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	VBROADCASTSD(tanhc.Offset(32*t44), Z15)
	Label("tz_loop16")
	CMPQ(RCX, c(16))
	JLT(LabelRef("tz_loop8"))
	VCVTPS2PD(at(RSI, 0), Z0)
	VCVTPS2PD(at(RSI, 32), Z16)
	tanh32Body(avx512, chain1, Z15)
	tanh32Body(avx512, chain2, Z15)
	VCVTPD2PS(Z13, Y13)
	VCVTPD2PS(Z29, Y29)
	VINSERTF64X4(c(1), Y29, Z13, Z13)
	VMOVUPS(Z13, at(RDI, 0))
	ADDQ(c(64), RSI)
	ADDQ(c(64), RDI)
	SUBQ(c(16), RCX)
	JMP(LabelRef("tz_loop16"))
	Label("tz_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef("tz_tail"))
	VCVTPS2PD(at(RSI, 0), Z0)
	tanh32Body(avx512, chain1, Z15)
	VCVTPD2PS(Z13, Y13)
	VMOVUPS(Y13, at(RDI, 0))
	ADDQ(c(32), RSI)
	ADDQ(c(32), RDI)
	SUBQ(c(8), RCX)
	Label("tz_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("tz_done"))
	MOVQ(U32(1), RAX)
	SHLQ(CL, RAX)
	DECQ(RAX)
	KMOVW(EAX, K3)
	VCVTPS2PD_Z(at(RSI, 0), K3, Z0)
	tanh32Body(avx512, chain1, Z15)
	VCVTPD2PS(Z13, Y13)
	VMOVUPS(Z13, K3, at(RDI, 0))
	Label("tz_done")
	VZEROUPPER()
	RET()
}
