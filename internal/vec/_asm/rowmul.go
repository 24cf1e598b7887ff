package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowMul generates rowmul_amd64.s: RowProductSum's AVX-512 kernel.
func rowMul() {
	TEXT("rowProductSumAVX512", NOSPLIT, "func(src []float64, stride int, rows []int, n int) float64")
	Doc("rowProductSumAVX512 is RowProductSum's AVX-512 kernel. It trusts its",
		"caller: len(rows) ≥ 1, n ≥ 1, and every row r has r ≥ 0 and",
		"r*stride+n ≤ len(src).")
	Pragma("noescape")
	Comment("Blocks of 64 columns (Z0-Z7), then of 8 (Z0), then a masked block of",
		"the last 1 to 7 (K1, its other lanes zero). A block starts as row",
		"rows[0]'s and is multiplied by each further row's in turn, as",
		"rowProductSumGo does, and is then added into the partial sums Z8-Z15",
		"(64 of them), which are added together at the end in a fixed order.")
	Load(Param("src").Base(), RSI)
	Load(Param("stride"), R11)
	SHLQ(c(3), R11)
	Load(Param("rows").Base(), R8)
	Load(Param("rows").Len(), R10)
	Load(Param("n"), RCX)
	for _, z := range zmm[8:16] {
		VPXORQ(z, z, z)
	}

	// block emits one block of nz registers (the last masked with mask).
	block := func(p string, nz int, masked bool) {
		MOVQ(at(R8, 0), RAX)
		IMULQ(R11, RAX)
		for i := range nz {
			if masked {
				VMOVUPD_Z(idx(RSI, 64*i, RAX, 1), K1, zmm[i])
			} else {
				VMOVUPD(idx(RSI, 64*i, RAX, 1), zmm[i])
			}
		}
		MOVQ(U32(1), R12)
		CMPQ(R12, R10)
		JGE(LabelRef(p + "_sum"))
		Label(p + "_k")
		MOVQ(idx(R8, 0, R12, 8), RAX)
		IMULQ(R11, RAX)
		for i := range nz {
			if masked {
				VMULPD_Z(idx(RSI, 64*i, RAX, 1), zmm[i], K1, zmm[i])
			} else {
				VMULPD(idx(RSI, 64*i, RAX, 1), zmm[i], zmm[i])
			}
		}
		rowEnd(p + "_k")
		Label(p + "_sum")
		for i := range nz {
			VADDPD(zmm[i], zmm[8+i], zmm[8+i])
		}
	}

	Label("rp_loop64")
	CMPQ(RCX, c(64))
	JLT(LabelRef("rp_loop8"))
	block("rp_b64", 8, false)
	ADDQ(c(512), RSI)
	SUBQ(c(64), RCX)
	JMP(LabelRef("rp_loop64"))

	Label("rp_loop8")
	CMPQ(RCX, c(8))
	JLT(LabelRef("rp_tail"))
	block("rp_b8", 1, false)
	ADDQ(c(64), RSI)
	SUBQ(c(8), RCX)
	JMP(LabelRef("rp_loop8"))

	Label("rp_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef("rp_sum"))
	tailMask()
	block("rp_bt", 1, true)

	Label("rp_sum")
	Comment("(Z8+Z12) + (Z10+Z14), (Z9+Z13) + (Z11+Z15), then the lanes pairwise.")
	VADDPD(Z12, Z8, Z8)
	VADDPD(Z13, Z9, Z9)
	VADDPD(Z14, Z10, Z10)
	VADDPD(Z15, Z11, Z11)
	VADDPD(Z10, Z8, Z8)
	VADDPD(Z11, Z9, Z9)
	VADDPD(Z9, Z8, Z8)
	returnSumPD(Z8)
}
