package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// expConsts are the constants of the exponential, in the order of the
// tables expc (four lanes each) and expz (one each). The polynomial is the
// Taylor series of exp to degree 13: on |r| ≤ ln2/2 its truncation error is
// below 5e-18.
var expConsts = []uint64{
	0x3ff71547652b82fe, // log2(e)
	0x3fe62e42fee00000, // ln2 hi: 6.93147180369123816490e-01, as in math.Exp
	0x3dea39ef35793c76, // ln2 lo: 1.90821492927058770002e-10
	0x3fe0000000000000, // 0.5
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
	0x3fe0000000000000, // 1/2!
	0x3ff0000000000000, // 1
	0xc087500000000000, // -746: exp is 0 below -745.14
	0x4086300000000000, // 710: exp is +Inf above 709.79
}

// Indexes into expConsts.
const (
	eLog2e = iota
	eLn2Hi
	eLn2Lo
	eHalf
	eBias
	eC13 // 1/13!, then down to eC2 = 1/2!
	eC2  = eC13 + 11
	eOne = eC2 + 1
	eLo  = eOne + 1
	eHi  = eLo + 1
)

// lanes4 repeats each word in the four lanes of a YMM, so that a constant
// can be a memory operand.
func lanes4(words []uint64) []uint64 {
	var out []uint64
	for _, w := range words {
		out = append(out, w, w, w, w)
	}
	return out
}

// laneMasks are the masks for the last 1 to 3 elements of an AVX2 loop:
// k lanes from byte 8*(4-k).
var laneMasks = []uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), 0, 0, 0, 0}

// expYMM computes p = exp(t) lane-wise, clobbering t, k and w. It expects
// Y6 = 0x1.8p52+1023, Y7 = 0.5, Y10 = log2(e), Y13 = 710, Y14 = -746 and
// the other constants in tab at 32 bytes each (expc's layout).
//
// t is clamped to [-746, 710] (VMAXPD and VMINPD return their second
// source, t, when it is NaN, so NaN goes through). With k = round(t·log2 e)
// and r = t - k·ln2 (Cody-Waite, two FMAs), exp(t) = 2^k·exp(r), and
// exp(r) = 1 + (r + r²·s(r)), s evaluated by Horner's rule from 1/13! down
// to 1/2!; adding the 1 last keeps the rounding error near half an ulp.
// The scale is applied in two exact halves, 2^floor(k/2) and then
// 2^(k-floor(k/2)), both normal for k in [-1076, 1025], so the last product
// rounds once into the subnormal range or overflows to +Inf.
func expYMM(tab Mem, t, k, p, w VecPhysical) {
	cst := func(i int) Mem { return tab.Offset(32 * i) }
	VMAXPD(t, Y14, t)
	VMINPD(t, Y13, t)
	VMULPD(Y10, t, k)
	VROUNDPD(c(0), k, k)
	VFNMADD231PD(cst(eLn2Hi), k, t)
	VFNMADD231PD(cst(eLn2Lo), k, t)
	VMOVUPD(cst(eC13), p)
	VMULPD(t, t, w)
	for i := eC13 + 1; i <= eC2; i++ {
		VFMADD213PD(cst(i), t, p)
	}
	VFMADD213PD(t, w, p)
	VADDPD(cst(eOne), p, p)
	expScale(t, k, p, Y7, Y6, func(t VecPhysical) { VROUNDPD(c(1), t, t) })
}

// expScale multiplies p by 2^k in two exact halves, 2^floor(k/2) and
// 2^(k-floor(k/2)), clobbering t and k; half is 0.5 and bias 0x1.8p52+1023.
func expScale(t, k, p, half, bias VecPhysical, floor func(VecPhysical)) {
	VMULPD(half, k, t)
	floor(t)
	VSUBPD(t, k, k)
	VADDPD(bias, t, t)
	VADDPD(bias, k, k)
	VPSLLQ(c(52), t, t)
	VPSLLQ(c(52), k, k)
	VMULPD(t, p, p)
	VMULPD(k, p, p)
}

// rowsTailAVX2 is the last block of addScaledRowsAVX2 (or, for f32,
// addScaledRows32AVX2): the CX elements left, fewer than a register's
// lanes, under the lane masks of masks (lanes words of all ones, then
// lanes of zeros: k lanes from the word lanes−k). With set (the sum
// kernels) the block starts at +0 instead of dst's values.
func rowsTailAVX2(e elem, masks Mem, p string, set bool) {
	LEAQ(masks, RAX)
	MOVQ(U32(32/e.size), RDX)
	SUBQ(RCX, RDX)
	e.movu(idx(RAX, 0, RDX, uint8(e.size)), Y15)
	if set {
		VXORPD(Y0, Y0, Y0)
	} else {
		e.mask(at(RDI, 0), Y15, Y0)
	}
	XORQ(R12, R12)
	Label(p + "_tail_k")
	rowStart(e, Y12)
	e.mask(idx(RSI, 0, RAX, 1), Y15, Y13)
	e.mul(Y13, Y12, Y13)
	e.add(Y13, Y0, Y0)
	rowEnd(p + "_tail_k")
	e.mask(Y0, Y15, at(RDI, 0))
}

// vecAVX2 generates vec_amd64.s: the AVX2 kernels of vec_amd64.go.
// AddScaledRows and Add use only separately rounded VMULPD and VADDPD, in
// the order of the Go loops in vec_generic.go, so they give bit-identical
// results. Only ExpShift uses FMA.
func vecAVX2() {
	expc := data64("expc", append(lanes4(expConsts), laneMasks...)...)
	masks := expc.Offset(32 * len(expConsts))
	negInf := data64("negInf", 0xfff0000000000000)

	TEXT("addScaledRowsAVX2", NOSPLIT, "func(dst, src []float64, stride int, rows []int, scales []float64)")
	Doc("addScaledRowsAVX2 trusts its caller: every row r must have r ≥ 0 and",
		"r*stride+len(dst) ≤ len(src), len(scales) ≥ len(rows), and dst must not",
		"overlap src.")
	Pragma("noescape")
	Comment("dst is done in blocks of 48, 32, 16, 8 and 4 elements and a masked block",
		"of the last 1 to 3. A block of dst is held in Y0-Y11 while, for each k in",
		"turn, the block of row rows[k] (at SI + rows[k]*stride*8) is multiplied by",
		"the broadcast scales[k] (Y12) and added, VMULPD then VADDPD as",
		"addScaledGo does per row, and is then stored. The caller has checked",
		"every row; dst does not overlap src.")
	addScaledRows(rowsAVX2(f64, "addScaledRowsAVX2", "asr", masks, 0, false)) // masks: expShiftAVX2's table

	TEXT("addScaledRowsAheadAVX2", NOSPLIT, "func(dst, src []float64, stride int, rows []int, scales []float64)")
	Doc("addScaledRowsAheadAVX2 is addScaledRowsAVX2 (the same arguments,",
		"trust and arithmetic) that also prefetches rows ahead.")
	Pragma("noescape")
	Comment("addScaledRowsAVX2, and while it adds row k's block it prefetches the",
		"same block of row rows[min(k+AHEAD, len(rows)-1)], a cache line every",
		"other register (not in the last partial register's tail).")
	addScaledRows(rowsAVX2(f64, "addScaledRowsAheadAVX2", "asa", masks, rowsAhead, false))

	TEXT("sumScaledRowsAVX2", NOSPLIT, "func(dst, src []float64, stride int, rows []int, scales []float64)")
	Doc("sumScaledRowsAVX2 is addScaledRowsAVX2 (the same arguments and trust)",
		"writing the sum into dst instead of adding it, for at least one row.")
	Pragma("noescape")
	Comment("addScaledRowsAVX2 with each block's registers starting at +0 (VXORPD)",
		"instead of loaded from dst: the bits of adding onto a cleared dst.")
	addScaledRows(rowsAVX2(f64, "sumScaledRowsAVX2", "ssr", masks, 0, true))

	addKernelAVX2(f64, "addAVX2", "ad")

	TEXT("expShiftAVX2", NOSPLIT, "func(dst, x []float64, shift float64) float64")
	Pragma("noescape")
	Comment("The sum is kept in eight partial sums (two YMM accumulators), added",
		"together at the end; the last 1 to 3 elements go through masked loads and",
		"stores.")
	cst := func(i int) Mem { return expc.Offset(32 * i) }
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	VBROADCASTSD(arg("shift"), Y15)
	VMOVUPD(cst(eBias), Y6)
	VMOVUPD(cst(eHalf), Y7)
	VMOVUPD(cst(eLog2e), Y10)
	VMOVUPD(cst(eHi), Y13)
	VMOVUPD(cst(eLo), Y14)
	VXORPD(Y11, Y11, Y11)
	VXORPD(Y12, Y12, Y12)

	Label("ex_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef("ex_loop4"))
	VMOVUPD(at(RSI, 0), Y0)
	VMOVUPD(at(RSI, 32), Y3)
	VSUBPD(Y15, Y0, Y0)
	VSUBPD(Y15, Y3, Y3)
	expYMM(expc, Y0, Y1, Y2, Y8)
	expYMM(expc, Y3, Y4, Y5, Y9)
	VMOVUPD(Y2, at(RDI, 0))
	VMOVUPD(Y5, at(RDI, 32))
	VADDPD(Y2, Y12, Y12)
	VADDPD(Y5, Y11, Y11)
	ADDQ(c(64), RSI)
	ADDQ(c(64), RDI)
	SUBQ(c(8), RCX)
	JMP(LabelRef("ex_loop8"))

	Label("ex_loop4")
	CMPQ(RCX, c(4))
	JLT(LabelRef("ex_tail"))
	VMOVUPD(at(RSI, 0), Y0)
	VSUBPD(Y15, Y0, Y0)
	expYMM(expc, Y0, Y1, Y2, Y8)
	VMOVUPD(Y2, at(RDI, 0))
	VADDPD(Y2, Y12, Y12)
	ADDQ(c(32), RSI)
	ADDQ(c(32), RDI)
	SUBQ(c(4), RCX)

	Label("ex_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("ex_sum"))
	LEAQ(masks, RAX)
	MOVQ(U32(4), RDX)
	SUBQ(RCX, RDX)
	VMOVUPD(idx(RAX, 0, RDX, 8), Y3)
	VMASKMOVPD(at(RSI, 0), Y3, Y0)
	VSUBPD(Y15, Y0, Y0)
	expYMM(expc, Y0, Y1, Y2, Y8)
	VMASKMOVPD(Y2, Y3, at(RDI, 0))
	VANDPD(Y3, Y2, Y2)
	VADDPD(Y2, Y12, Y12)

	Label("ex_sum")
	VADDPD(Y11, Y12, Y12)
	VEXTRACTF128(c(1), Y12, X0)
	VADDPD(X0, X12, X0)
	VUNPCKHPD(X0, X0, X1)
	VADDSD(X1, X0, X0)
	VMOVSD(X0, ret())
	VZEROUPPER()
	RET()

	maxKernel(maxF64, negInf)
}

// maxOps are the instructions of maxKernel for one element type.
type maxOps struct {
	name, prefix                  string
	e                             elem
	mova, xor, max, cmp, or, maxs func(ops ...Op)
	movmsk, ucomis                func(a, b Op)
	movs                          func(ops ...Op)
	fold                          func() // X0's lanes to its lowest, by max
	nan                           func() // a quiet NaN into the result
}

var maxF64 = maxOps{
	name: "maxAVX2", prefix: "mx", e: f64,
	mova: VMOVAPD, xor: VXORPD, max: VMAXPD, cmp: VCMPPD, or: VORPD, maxs: VMAXSD,
	movmsk: VMOVMSKPD, ucomis: VUCOMISD, movs: VMOVSD,
	fold: func() {
		VUNPCKHPD(X0, X0, X1)
		VMAXSD(X1, X0, X0)
	},
	nan: func() {
		MOVQ(U64(0x7ff8000000000001), RAX)
		MOVQ(RAX, ret())
	},
}

var maxF32 = maxOps{
	name: "max32AVX2", prefix: "my", e: f32,
	mova: VMOVAPS, xor: VXORPS, max: VMAXPS, cmp: VCMPPS, or: VORPS, maxs: VMAXSS,
	movmsk: VMOVMSKPS, ucomis: VUCOMISS, movs: VMOVSS,
	fold: func() {
		VMOVHLPS(X0, X0, X1)
		VMAXPS(X1, X0, X0)
		VMOVSHDUP(X0, X1)
		VMAXSS(X1, X0, X0)
	},
	nan: func() {
		MOVL(U32(0x7fc00001), EAX)
		MOVL(EAX, ret())
	},
}

// maxKernel generates maxAVX2 (or, with maxF32, max32AVX2), with negInf
// a word whose first element is −Inf.
func maxKernel(o maxOps, negInf Mem) {
	e, p := o.e, o.prefix
	lanes := 32 / e.size
	sig := "func(x []float64) float64"
	if e.size == 4 {
		sig = "func(x []float32) float32"
	}
	TEXT(o.name, NOSPLIT, sig)
	Pragma("noescape")
	Comment("The maximum of x, −Inf if x is empty, NaN if x holds a NaN. Which zero it",
		"returns for a maximum of ±0 is unspecified; maxOf sorts that out.")
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	e.bcast(negInf, Y0)
	o.mova(Y0, Y1)
	o.mova(Y0, Y2)
	o.mova(Y0, Y3)
	o.xor(Y4, Y4, Y4)
	XORQ(RDX, RDX)

	l4, l1 := fmt.Sprintf("%s_loop%d", p, 4*lanes), fmt.Sprintf("%s_loop%d", p, lanes)
	Label(l4)
	CMPQ(RCX, c(4*lanes))
	JLT(LabelRef(l1))
	for i, y := range []VecPhysical{Y5, Y6, Y7, Y8} {
		e.movu(at(RSI, 32*i), y)
	}
	o.max(Y5, Y0, Y0)
	o.max(Y6, Y1, Y1)
	o.max(Y7, Y2, Y2)
	o.max(Y8, Y3, Y3)
	o.cmp(c(3), Y5, Y6, Y9)
	o.cmp(c(3), Y7, Y8, Y10)
	o.or(Y9, Y4, Y4)
	o.or(Y10, Y4, Y4)
	ADDQ(c(128), RSI)
	SUBQ(c(4*lanes), RCX)
	JMP(LabelRef(l4))

	Label(l1)
	CMPQ(RCX, c(lanes))
	JLT(LabelRef(p + "_reduce"))
	e.movu(at(RSI, 0), Y5)
	o.max(Y5, Y0, Y0)
	o.cmp(c(3), Y5, Y5, Y9)
	o.or(Y9, Y4, Y4)
	ADDQ(c(32), RSI)
	SUBQ(c(lanes), RCX)
	JMP(LabelRef(l1))

	Label(p + "_reduce")
	o.max(Y1, Y0, Y0)
	o.max(Y3, Y2, Y2)
	o.max(Y2, Y0, Y0)
	o.movmsk(Y4, EDX)
	VEXTRACTF128(c(1), Y0, X1)
	o.max(X1, X0, X0)
	o.fold()
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))

	Label(p + "_tail1")
	o.movs(at(RSI, 0), X5)
	o.ucomis(X5, X5)
	JPS(LabelRef(p + "_nan"))
	o.maxs(X5, X0, X0)
	ADDQ(c(e.size), RSI)
	DECQ(RCX)
	JNE(LabelRef(p + "_tail1"))

	Label(p + "_done")
	TESTQ(RDX, RDX)
	JNE(LabelRef(p + "_nan"))
	o.movs(X0, ret())
	VZEROUPPER()
	RET()

	Label(p + "_nan")
	o.nan()
	VZEROUPPER()
	RET()
}

// addLoops generates the loops that addKernelAVX2 and addKernelAVX512
// share: dst[i] += x[i] four registers (regs, width bytes of lanes
// elements each) a step, then one, ending at the label p_tail with RCX
// elements left.
func addLoops(e elem, p string, lanes, width int, regs []VecPhysical) {
	l4, l1 := fmt.Sprintf("%s_loop%d", p, 4*lanes), fmt.Sprintf("%s_loop%d", p, lanes)
	Label(l4)
	CMPQ(RCX, c(4*lanes))
	JLT(LabelRef(l1))
	for i, r := range regs {
		e.movu(at(RSI, width*i), r)
	}
	for i, r := range regs {
		e.add(at(RDI, width*i), r, r)
	}
	for i, r := range regs {
		e.movu(r, at(RDI, width*i))
	}
	ADDQ(c(4*width), RSI)
	ADDQ(c(4*width), RDI)
	SUBQ(c(4*lanes), RCX)
	JMP(LabelRef(l4))
	Label(l1)
	CMPQ(RCX, c(lanes))
	JLT(LabelRef(p + "_tail"))
	e.movu(at(RSI, 0), regs[0])
	e.add(at(RDI, 0), regs[0], regs[0])
	e.movu(regs[0], at(RDI, 0))
	ADDQ(c(width), RSI)
	ADDQ(c(width), RDI)
	SUBQ(c(lanes), RCX)
	JMP(LabelRef(l1))
	Label(p + "_tail")
}

// addKernelAVX2 generates addAVX2 (or, for f32, add32AVX2): four registers
// a step, then one, then element by element.
func addKernelAVX2(e elem, name, p string) {
	lanes := 32 / e.size
	TEXT(name, NOSPLIT, sigDstX(e))
	Pragma("noescape")
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	addLoops(e, p, lanes, 32, []VecPhysical{Y1, Y2, Y3, Y4})
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))
	Label(p + "_tail1")
	e.movs(at(RSI, 0), X1)
	e.adds(at(RDI, 0), X1, X1)
	e.movs(X1, at(RDI, 0))
	ADDQ(c(e.size), RSI)
	ADDQ(c(e.size), RDI)
	DECQ(RCX)
	JNE(LabelRef(p + "_tail1"))
	Label(p + "_done")
	VZEROUPPER()
	RET()
}

// sigDstX is the signature func(dst, x []float64) or its float32 form.
func sigDstX(e elem) string {
	if e.size == 4 {
		return "func(dst, x []float32)"
	}
	return "func(dst, x []float64)"
}
