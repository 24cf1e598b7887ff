package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// exp32Consts are the float32 exponential's constants (bits), in the order
// of the table exp32c, eight lanes each. The polynomial is the Taylor
// series of exp to degree 7: on |r| ≤ ln2/2 its truncation error is below
// 7e-9, an eighth of an ulp.
var exp32Consts = []uint32{
	math.Float32bits(float32(math.Log2E)),
	math.Float32bits(float32(math.Ln2)),                              // ln2 hi
	math.Float32bits(float32(math.Ln2 - float64(float32(math.Ln2)))), // ln2 lo
	math.Float32bits(float32(1.0 / 5040)),                            // 1/7!, then down to 1/2!
	math.Float32bits(float32(1.0 / 720)),
	math.Float32bits(float32(1.0 / 120)),
	math.Float32bits(float32(1.0 / 24)),
	math.Float32bits(float32(1.0 / 6)),
	math.Float32bits(0.5),
	math.Float32bits(1),
	math.Float32bits(-104), // exp is 0 below -103.98
	math.Float32bits(89),   // exp is +Inf above 88.73
	127,                    // the exponent bias, an integer
}

// Indexes into exp32Consts.
const (
	x2Log2e = iota
	x2Ln2Hi
	x2Ln2Lo
	x2C7   // 1/7!, then down to x2C2 = 1/2!
	x2C2   = x2C7 + 5
	x2One  = x2C2 + 1
	x2Lo   = x2One + 1
	x2Hi   = x2Lo + 1
	x2Bias = x2Hi + 1
)

// lanes8 repeats each 32-bit word in the eight lanes of a YMM, as 64-bit
// words for data64.
func lanes8(words []uint32) []uint64 {
	var out []uint64
	for _, w := range words {
		d := uint64(w)<<32 | uint64(w)
		out = append(out, d, d, d, d)
	}
	return out
}

// exp32 computes p = exp(t) lane-wise in float32, clobbering t, k and w.
// cst(i) is constant i of exp32Consts, a register or a full-width memory
// operand; lo and hi (constants x2Lo and x2Hi) must be registers, so that a
// NaN in t goes through the clamp; round rounds to the nearest integer.
// With scalef (AVX-512), p·2^k is one VSCALEFPS, which rounds once as the
// two halves do, so the bits are the same.
//
// t is clamped to [-104, 89]. With k = round(t·log2 e) and r = t − k·ln2
// (ln2 split in two, two FMAs; the first is exact), exp(t) = 2^k·exp(r), and
// exp(r) = 1 + (r + r²·s(r)), s by Horner's rule from 1/7! down to 1/2!.
// The scale is applied in two exact halves, 2^(k>>1) and 2^(k−(k>>1)), both
// normal for k in [-150, 128], so the last product rounds once into the
// subnormal range or overflows to +Inf.
func exp32(cst func(int) Op, round func(VecPhysical), scalef bool, lo, hi, t, k, p, w VecPhysical) {
	VMAXPS(t, lo, t)
	VMINPS(t, hi, t)
	VMULPS(cst(x2Log2e), t, k)
	round(k)
	VFNMADD231PS(cst(x2Ln2Hi), k, t)
	VFNMADD231PS(cst(x2Ln2Lo), k, t)
	VMOVUPS(cst(x2C7), p)
	VMULPS(t, t, w)
	for i := x2C7 + 1; i <= x2C2; i++ {
		VFMADD213PS(cst(i), t, p)
	}
	VFMADD213PS(t, w, p)
	VADDPS(cst(x2One), p, p)
	if scalef {
		VSCALEFPS(k, p, p)
		return
	}
	VCVTPS2DQ(k, k)
	VPSRAD(c(1), k, w)
	VPSUBD(w, k, k)
	VPADDD(cst(x2Bias), w, w)
	VPADDD(cst(x2Bias), k, k)
	VPSLLD(c(23), w, w)
	VPSLLD(c(23), k, k)
	VMULPS(w, p, p)
	VMULPS(k, p, p)
}

// expShift32 generates expShift32AVX2 (zmm false) or expShift32AVX512.
//
// Registers: x − shift and its exponential in chains of four (t, k, p, w;
// two chains), the sum in float64 accumulators, the float32 terms widened
// into them exactly (VCVTPS2PD of each half).
func expShift32(tab, masks Mem, zmm512 bool) {
	name, p, lanes, bytes := "expShift32AVX2", "ey", 8, 32
	vs := ymm
	if zmm512 {
		name, p, lanes, bytes = "expShift32AVX512", "ez", 16, 64
		vs = zmm
	}
	TEXT(name, NOSPLIT, "func(dst, x []float32, shift float32) float64")
	Pragma("noescape")
	if zmm512 {
		Comment("As expShift32AVX2, sixteen lanes a register, the constants in",
			"registers (Z16-Z28), the tail of 1 to 15 under the mask K1; the same",
			"exponentials, bit for bit.")
	} else {
		Comment("x − shift in float32, its exponential by exp32 (constants from memory",
			"but for the clamp's, Y13 and Y14), sixteen then eight elements a step",
			"and a masked block of the last 1 to 7. Each term is widened to float64",
			"and added into one of two accumulators (eight partial sums), added",
			"together at the end.")
	}
	shift, lo, hi := vs[15], vs[13], vs[14]
	acc := []VecPhysical{vs[8], vs[9]}
	tmp := []VecPhysical{vs[10], vs[11], vs[12]}
	cst := func(i int) Op { return tab.Offset(32 * i) }
	round := func(k VecPhysical) { VROUNDPS(c(0), k, k) }
	Load(Param("dst").Base(), RDI)
	Load(Param("x").Base(), RSI)
	Load(Param("x").Len(), RCX)
	if zmm512 {
		VBROADCASTSS(arg("shift"), shift)
		for i := range exp32Consts {
			VBROADCASTSS(tab.Offset(32*i), zmm[16+i])
		}
		lo, hi = zmm[16+x2Lo], zmm[16+x2Hi]
		cst = func(i int) Op { return zmm[16+i] }
		round = func(k VecPhysical) { VRNDSCALEPS(c(0), k, k) }
	} else {
		VBROADCASTSS(arg("shift"), shift)
		VMOVUPS(cst(x2Lo), lo)
		VMOVUPS(cst(x2Hi), hi)
	}
	VXORPS(acc[0], acc[0], acc[0])
	VXORPS(acc[1], acc[1], acc[1])
	chains := [][4]VecPhysical{{vs[0], vs[1], vs[2], vs[3]}, {vs[4], vs[5], vs[6], vs[7]}}
	half := func(v VecPhysical) VecPhysical {
		if zmm512 {
			return v.AsY().(VecPhysical)
		}
		return v.AsX().(VecPhysical)
	}
	// sum adds the float32 terms of r, widened, into the accumulators.
	sum := func(r VecPhysical) {
		VCVTPS2PD(half(r), tmp[0])
		if zmm512 {
			VEXTRACTF64X4(c(1), r, half(tmp[1]))
		} else {
			VEXTRACTF128(c(1), r, half(tmp[1]))
		}
		VCVTPS2PD(half(tmp[1]), tmp[1])
		VADDPD(tmp[0], acc[0], acc[0])
		VADDPD(tmp[1], acc[1], acc[1])
	}
	body := func(ch ...[4]VecPhysical) {
		for i, r := range ch {
			VMOVUPS(at(RSI, bytes*i), r[0])
			VSUBPS(shift, r[0], r[0])
		}
		for _, r := range ch {
			exp32(cst, round, zmm512, lo, hi, r[0], r[1], r[2], r[3])
		}
		for i, r := range ch {
			VMOVUPS(r[2], at(RDI, bytes*i))
			sum(r[2])
		}
	}
	Label(p + "_loop2")
	CMPQ(RCX, c(2*lanes))
	JLT(LabelRef(p + "_loop1"))
	body(chains...)
	ADDQ(c(2*bytes), RSI)
	ADDQ(c(2*bytes), RDI)
	SUBQ(c(2*lanes), RCX)
	JMP(LabelRef(p + "_loop2"))
	Label(p + "_loop1")
	CMPQ(RCX, c(lanes))
	JLT(LabelRef(p + "_tail"))
	body(chains[0])
	ADDQ(c(bytes), RSI)
	ADDQ(c(bytes), RDI)
	SUBQ(c(lanes), RCX)

	Label(p + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_sum"))
	r := chains[0]
	if zmm512 {
		tailMask()
		VMOVUPS_Z(at(RSI, 0), K1, r[0])
		VSUBPS(shift, r[0], r[0])
		exp32(cst, round, zmm512, lo, hi, r[0], r[1], r[2], r[3])
		VMOVUPS(r[2], K1, at(RDI, 0))
		VMOVAPS_Z(r[2], K1, r[2])
	} else {
		LEAQ(masks, RAX)
		MOVQ(U32(8), RDX)
		SUBQ(RCX, RDX)
		m := chains[1][0]
		VMOVUPS(idx(RAX, 0, RDX, 4), m)
		VMASKMOVPS(at(RSI, 0), m, r[0])
		VSUBPS(shift, r[0], r[0])
		exp32(cst, round, zmm512, lo, hi, r[0], r[1], r[2], r[3])
		VMASKMOVPS(r[2], m, at(RDI, 0))
		VANDPS(m, r[2], r[2])
	}
	sum(r[2])

	Label(p + "_sum")
	VADDPD(acc[1], acc[0], acc[0])
	returnSumPD(acc[0])
}
