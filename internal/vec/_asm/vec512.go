package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// zmm are the 32 ZMM registers in order.
var zmm = []VecPhysical{
	Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
	Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31,
}

// rowsAhead is the prefetching kernels' distance in rows.
const rowsAhead = 8

// rowsRemainder512 returns addScaledRowsAVX512's (or
// addScaledRows32AVX512's) last block for elements e: the CX elements left,
// 1 to 24·lanes−1, in as many registers as they fill, the last masked by
// K1, in one pass over the rows.
func rowsRemainder512(e elem, ahead int, set bool) func(p string) {
	lanes := 64 / e.size
	return func(p string) {
		Comment(fmt.Sprintf("K1: the lanes of the last register, 1 to %d. AX: the elements left.", lanes))
		MOVQ(RCX, RAX)
		DECQ(RCX)
		ANDQ(c(lanes-1), RCX)
		INCQ(RCX)
		MOVL(U32(1), EDX)
		SHLL(CL, EDX)
		DECL(EDX)
		KMOVW(EDX, K1)
		label := func(r int) string { return fmt.Sprintf("%s_rem%d", p, r) }
		for r := 24; r > 1; r-- {
			CMPQ(RAX, c(lanes*(r-1)))
			JGT(LabelRef(label(r)))
		}
		JMP(LabelRef(label(1)))
		for r := 24; r >= 1; r-- {
			Label(label(r))
			for i := range r {
				switch {
				case set:
					VPXORQ(zmm[i], zmm[i], zmm[i])
				case i == r-1:
					e.movuZ(at(RDI, 64*i), K1, zmm[i])
				default:
					e.movu(at(RDI, 64*i), zmm[i])
				}
			}
			XORQ(R12, R12)
			pcalign(32)
			Label(label(r) + "_k")
			rowStart(e, Z24)
			rowAhead(ahead)
			for i := range r {
				t := zmm[25+i%7]
				prefetch(ahead, 64*i)
				if i == r-1 {
					e.mulZ(idx(RSI, 64*i, RAX, 1), Z24, K1, t)
				} else {
					e.mul(idx(RSI, 64*i, RAX, 1), Z24, t)
				}
				e.add(t, zmm[i], zmm[i])
			}
			rowEnd(label(r) + "_k")
			for i := range r {
				if i == r-1 {
					e.movu(zmm[i], K1, at(RDI, 64*i))
				} else {
					e.movu(zmm[i], at(RDI, 64*i))
				}
			}
			if r > 1 {
				JMP(LabelRef(p + "_done"))
			}
		}
	}
}

// tailMask sets K1 to the low CX bits (CX in 1..7), clobbering DX.
func tailMask() {
	MOVL(U32(1), EDX)
	SHLL(CL, EDX)
	DECL(EDX)
	KMOVW(EDX, K1)
}

// expZMM is expYMM on ZMM registers, its constants in registers:
// Z6 = 0x1.8p52+1023, Z7 = 0.5, Z10 = log2(e), Z13 = 710, Z14 = -746,
// Z16, Z17 = ln2 hi and lo, Z18-Z29 = 1/13! down to 1/2!, Z30 = 1.
// It clobbers t, k and w, and gives expYMM's results bit for bit.
func expZMM(t, k, p, w VecPhysical) {
	VMAXPD(t, Z14, t)
	VMINPD(t, Z13, t)
	VMULPD(Z10, t, k)
	VRNDSCALEPD(c(0), k, k)
	VFNMADD231PD(Z16, k, t)
	VFNMADD231PD(Z17, k, t)
	VMOVAPD(Z18, p)
	VMULPD(t, t, w)
	for _, z := range zmm[19:30] {
		VFMADD213PD(z, t, p)
	}
	VFMADD213PD(t, w, p)
	VADDPD(Z30, p, p)
	expScale(t, k, p, Z7, Z6, func(t VecPhysical) { VRNDSCALEPD(c(1), t, t) })
}

// expZMMConsts broadcasts from expz (one word each, expConsts's order)
// the constants that expZMM expects.
func expZMMConsts(expz Mem) {
	cst := func(i int) Mem { return expz.Offset(8 * i) }
	VBROADCASTSD(cst(eLog2e), Z10)
	VBROADCASTSD(cst(eLn2Hi), Z16)
	VBROADCASTSD(cst(eLn2Lo), Z17)
	VBROADCASTSD(cst(eHalf), Z7)
	VBROADCASTSD(cst(eBias), Z6)
	for i := eC13; i <= eOne; i++ {
		VBROADCASTSD(cst(i), zmm[18+i-eC13])
	}
	VBROADCASTSD(cst(eLo), Z14)
	VBROADCASTSD(cst(eHi), Z13)
}

// vecAVX512 generates vec512_amd64.s: the AVX-512 kernels of
// vec_amd64.go, used where the CPU has AVX-512F (8 doubles in a ZMM
// register, 32 registers, opmask registers for the tails). As in
// vec_amd64.s, AddScaledRows and Add use only separately rounded VMULPD and
// VADDPD in the order of the Go loops, so they are bit-identical to them;
// ExpShift uses FMA.
func vecAVX512() {
	expz := data64("expz", expConsts...)

	TEXT("addScaledRowsAVX512", NOSPLIT, "func(dst, src []float64, stride int, rows []int, scales []float64)")
	Doc("addScaledRowsAVX512 takes the same arguments, with the same trust, as",
		"addScaledRowsAVX2.")
	Pragma("noescape")
	Comment("dst is done in blocks of 192 elements (Z0-Z23), then the last 1 to 191",
		"in one block of as many registers (1 to 24), the last of them masked by K1",
		"to the elements left. A block of dst is held in registers while, for each k",
		"in turn, the block of row rows[k] (at SI + rows[k]*stride*8) is multiplied",
		"by the broadcast scales[k] (Z24) and added, VMULPD then VADDPD as",
		"addScaledGo does per row, and is then stored. The caller has checked every",
		"row; dst does not overlap src. Products go to Z25-Z31 in turn.")
	addScaledRows(rows512(f64, "addScaledRowsAVX512", "zr", 0, false))

	TEXT("addScaledRowsAheadAVX512", NOSPLIT, "func(dst, src []float64, stride int, rows []int, scales []float64)")
	Doc("addScaledRowsAheadAVX512 is addScaledRowsAVX512 (the same arguments,",
		"trust and arithmetic) that also prefetches rows ahead.")
	Pragma("noescape")
	Comment("addScaledRowsAVX512, and while it adds row k's block it prefetches the",
		"same block of row rows[min(k+AHEAD, len(rows)-1)], a cache line a register.")
	addScaledRows(rows512(f64, "addScaledRowsAheadAVX512", "zra", rowsAhead, false))

	TEXT("sumScaledRowsAVX512", NOSPLIT, "func(dst, src []float64, stride int, rows []int, scales []float64)")
	Doc("sumScaledRowsAVX512 is addScaledRowsAVX512 (the same arguments and trust)",
		"writing the sum into dst instead of adding it, for at least one row.")
	Pragma("noescape")
	Comment("addScaledRowsAVX512 with each block's registers starting at +0 (VPXORQ)",
		"instead of loaded from dst: the bits of adding onto a cleared dst.")
	addScaledRows(rows512(f64, "sumScaledRowsAVX512", "zs", 0, true))

	addKernelAVX512(f64, "addAVX512", "zad")

	TEXT("expShiftAVX512", NOSPLIT, "func(dst, x []float64, shift float64) float64")
	Pragma("noescape")
	Comment("The exponentials are expShiftAVX2's, bit for bit. The sum is kept in 16",
		"partial sums (two ZMM accumulators), added together at the end; the last",
		"1 to 7 elements go through a masked block (K1).")
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	VBROADCASTSD(arg("shift"), Z15)
	expZMMConsts(expz)
	VPXORQ(Z11, Z11, Z11)
	VPXORQ(Z12, Z12, Z12)

	Label("zex_loop16")
	CMPQ(RCX, c(16))
	JLT(LabelRef("zex_loop8"))
	VMOVUPD(at(RSI, 0), Z0)
	VMOVUPD(at(RSI, 64), Z3)
	VSUBPD(Z15, Z0, Z0)
	VSUBPD(Z15, Z3, Z3)
	expZMM(Z0, Z1, Z2, Z8)
	expZMM(Z3, Z4, Z5, Z9)
	VMOVUPD(Z2, at(RDI, 0))
	VMOVUPD(Z5, at(RDI, 64))
	VADDPD(Z2, Z12, Z12)
	VADDPD(Z5, Z11, Z11)
	ADDQ(c(128), RSI)
	ADDQ(c(128), RDI)
	SUBQ(c(16), RCX)
	JMP(LabelRef("zex_loop16"))

	Label("zex_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef("zex_tail"))
	VMOVUPD(at(RSI, 0), Z0)
	VSUBPD(Z15, Z0, Z0)
	expZMM(Z0, Z1, Z2, Z8)
	VMOVUPD(Z2, at(RDI, 0))
	VADDPD(Z2, Z12, Z12)
	ADDQ(c(64), RSI)
	ADDQ(c(64), RDI)
	SUBQ(c(8), RCX)

	Label("zex_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("zex_sum"))
	tailMask()
	VMOVUPD_Z(at(RSI, 0), K1, Z0)
	VSUBPD(Z15, Z0, Z0)
	expZMM(Z0, Z1, Z2, Z8)
	VMOVUPD(Z2, K1, at(RDI, 0))
	VADDPD(Z2, Z11, K1, Z11)

	Label("zex_sum")
	VADDPD(Z11, Z12, Z12)
	returnSumPD(Z12)
}

// addKernelAVX512 generates addAVX512 (or, for f32, add32AVX512): four
// registers a step, then one, then a masked block (K1).
func addKernelAVX512(e elem, name, p string) {
	lanes := 64 / e.size
	TEXT(name, NOSPLIT, sigDstX(e))
	Pragma("noescape")
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	addLoops(e, p, lanes, 64, []VecPhysical{Z1, Z2, Z3, Z4})
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))
	tailMask()
	e.movuZ(at(RSI, 0), K1, Z1)
	e.movuZ(at(RDI, 0), K1, Z2)
	e.add(Z2, Z1, Z1)
	e.movu(Z1, K1, at(RDI, 0))
	Label(p + "_done")
	VZEROUPPER()
	RET()
}
