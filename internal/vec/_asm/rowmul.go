package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowmulFile generates rowmul_amd64.s: the AVX-512 and AVX2 kernels of
// RowProductLanes and RowProducts.
func rowmulFile() {
	rowLanes()
	rowStore()
	rowLanesAVX2()
	rowStoreAVX2()
}

// rowLanes generates rowProductLanesAVX512, RowProductLanes' kernel.
func rowLanes() {
	TEXT("rowProductLanesAVX512", NOSPLIT, "func(dst []float64, src []float64, stride int, rows []int, k int, n int)")
	Doc("rowProductLanesAVX512 is one block of RowProductLanes: columns 0 to",
		"n-1 of src, 1 ≤ n ≤ 16, for each of the len(dst)/8 rows of products.",
		"It trusts its caller: len(dst) a multiple of 8, len(rows) =",
		"len(dst)/8·k, k ≥ 1, and every row r has r ≥ 0 and r*stride+n ≤ len(src).")
	Pragma("noescape")
	Comment("A row of products is two registers (columns 0-7 under K1, 8-15",
		"under K2, the lanes past n zero; masked lanes are never read),",
		"started as its first row's and multiplied by each further row's in",
		"turn, then added to its eight lanes in dst, the first register",
		"first: each lane's sum takes its columns in ascending order, as",
		"rowProductLanesGo does. Four rows of products at a time (Z0-Z7, eight",
		"independent chains of products), then the last 0 to 3 one at a time.")
	Load(Param("dst").Base(), RDI)
	Load(Param("dst").Len(), RBX)
	SHRQ(c(3), RBX)
	Load(Param("stride"), R11)
	SHLQ(c(3), R11)
	productsPrologue()

	// R8, R9, RCX, RDX: the rows of the four rows of products.
	ptrs := []Register{R8, R9, RCX, RDX}
	Label("rl_loop4")
	CMPQ(RBX, c(4))
	JLT(LabelRef("rl_loop1"))
	LEAQ(idx(R8, 0, R13, 1), R9)
	LEAQ(idx(R9, 0, R13, 1), RCX)
	LEAQ(idx(RCX, 0, R13, 1), RDX)
	byStride := func() { IMULQ(R11, RAX) }
	productChains("rl_k4", ptrs, byStride)
	for j := range ptrs {
		VADDPD(at(RDI, 64*j), zmm[2*j], zmm[2*j])
		VADDPD(zmm[2*j+1], zmm[2*j], zmm[2*j])
		VMOVUPD(zmm[2*j], at(RDI, 64*j))
	}
	LEAQ(idx(RDX, 0, R13, 1), R8)
	ADDQ(c(256), RDI)
	SUBQ(c(4), RBX)
	JMP(LabelRef("rl_loop4"))

	Label("rl_loop1")
	TESTQ(RBX, RBX)
	JEQ(LabelRef("rl_done"))
	productChains("rl_k1", ptrs[:1], byStride)
	VADDPD(at(RDI, 0), Z0, Z0)
	VADDPD(Z1, Z0, Z0)
	VMOVUPD(Z0, at(RDI, 0))
	ADDQ(R13, R8)
	ADDQ(c(64), RDI)
	DECQ(RBX)
	JMP(LabelRef("rl_loop1"))

	Label("rl_done")
	VZEROUPPER()
	RET()
}

// rowStore generates rowProductsAVX512, RowProducts' kernel.
func rowStore() {
	TEXT("rowProductsAVX512", NOSPLIT, "func(dst []float64, ld int, src []float64, rows []int, scale []float64, k int, n int)")
	Doc("rowProductsAVX512 is one block of RowProducts: for each of the",
		"len(scale) rows of products r, p_r = (Π_g M[rows[r*k+g]])·scale[r]",
		"over columns 0 to n-1, 1 ≤ n ≤ 16, of the block src (row j at",
		"src[16j:]), written into columns 0 to n-1 of row r of dst (from",
		"dst[r*ld]); columns past n are not written. It trusts its caller:",
		"len(scale) ≥ 1, len(rows) = len(scale)·k, k ≥ 1, every row j has",
		"j ≥ 0 and 16j+n ≤ len(src), and (len(scale)−1)·ld+n ≤ len(dst).")
	Pragma("noescape")
	Comment("A row of products is two registers (columns 0-7 under K1, 8-15",
		"under K2, the lanes past n zero; masked lanes are never read or",
		"written), started as its first row's and multiplied by each further",
		"row's in turn, then by its scale (broadcast), and stored under the",
		"masks. Four rows of products at a time (Z0-Z7, eight independent",
		"chains of products), then the last 0 to 3 one at a time.")
	Load(Param("dst").Base(), RDI)
	Load(Param("ld"), R11)
	SHLQ(c(3), R11) // bytes of one row of dst
	Load(Param("scale").Base(), R14)
	Load(Param("scale").Len(), RBX)
	productsPrologue()

	// R8, R9, RCX, RDX: the rows of the four rows of products.
	ptrs := []Register{R8, R9, RCX, RDX}
	// store writes Z(2j) and Z(2j+1), a scaled row of products, into row j
	// of dst from RDI.
	store := func(j int) {
		var lo, hi Mem
		switch j {
		case 0:
			lo, hi = at(RDI, 0), at(RDI, 64)
		case 1, 2:
			lo, hi = idx(RDI, 0, R11, uint8(j)), idx(RDI, 64, R11, uint8(j))
		case 3:
			LEAQ(idx(R11, 0, R11, 2), RAX)
			lo, hi = idx(RDI, 0, RAX, 1), idx(RDI, 64, RAX, 1)
		}
		VMOVUPD(zmm[2*j], K1, lo)
		VMOVUPD(zmm[2*j+1], K2, hi)
	}
	Label("rp_loop4")
	CMPQ(RBX, c(4))
	JLT(LabelRef("rp_loop1"))
	LEAQ(idx(R8, 0, R13, 1), R9)
	LEAQ(idx(R9, 0, R13, 1), RCX)
	LEAQ(idx(RCX, 0, R13, 1), RDX)
	byBlock := func() { SHLQ(c(7), RAX) } // 16 float64s a row of the block
	productChains("rp_k4", ptrs, byBlock)
	for j := range ptrs {
		VMULPD_BCST(at(R14, 8*j), zmm[2*j], zmm[2*j])
		VMULPD_BCST(at(R14, 8*j), zmm[2*j+1], zmm[2*j+1])
	}
	for j := range ptrs {
		store(j)
	}
	LEAQ(idx(RDI, 0, R11, 4), RDI)
	LEAQ(idx(RDX, 0, R13, 1), R8)
	ADDQ(c(32), R14)
	SUBQ(c(4), RBX)
	JMP(LabelRef("rp_loop4"))

	Label("rp_loop1")
	TESTQ(RBX, RBX)
	JEQ(LabelRef("rp_done"))
	productChains("rp_k1", ptrs[:1], byBlock)
	VMULPD_BCST(at(R14, 0), Z0, Z0)
	VMULPD_BCST(at(R14, 0), Z1, Z1)
	store(0)
	ADDQ(R11, RDI)
	ADDQ(R13, R8)
	ADDQ(c(8), R14)
	DECQ(RBX)
	JMP(LabelRef("rp_loop1"))

	Label("rp_done")
	VZEROUPPER()
	RET()
}

// productsPrologue loads what both row-product kernels take alike: src
// into RSI, rows into R8, k into R10 and, in R13, the bytes of one row of
// products' list of rows; n into RCX, and the masks of columns 0-7 and
// 8-15 below n into K1 and K2.
func productsPrologue() {
	Load(Param("src").Base(), RSI)
	Load(Param("rows").Base(), R8)
	Load(Param("k"), R10)
	Load(Param("n"), RCX)
	tailMask()
	KSHIFTRW(U8(8), K1, K2)
	MOVQ(R10, R13)
	SHLQ(c(3), R13)
}

// productChains forms the rows of products whose lists of table rows
// start at ptrs (one register each; the list's length in R10, at least
// 1): row j's in Z(2j) (columns 0-7, under K1) and Z(2j+1) (8-15, under
// K2), started as its first table row and multiplied by each further one
// in turn, from the block at RSI. rowBytes turns a table row in RAX into
// its byte offset in the block. It uses R12 and RAX, and its loop's label
// is label.
func productChains(label string, ptrs []Register, rowBytes func()) {
	for j, p := range ptrs {
		MOVQ(at(p, 0), RAX)
		rowBytes()
		VMOVUPD_Z(idx(RSI, 0, RAX, 1), K1, zmm[2*j])
		VMOVUPD_Z(idx(RSI, 64, RAX, 1), K2, zmm[2*j+1])
	}
	MOVQ(U32(1), R12)
	CMPQ(R12, R10)
	JGE(LabelRef(label + "_end"))
	Label(label)
	for j, p := range ptrs {
		MOVQ(idx(p, 0, R12, 8), RAX)
		rowBytes()
		VMULPD_Z(idx(RSI, 0, RAX, 1), zmm[2*j], K1, zmm[2*j])
		VMULPD_Z(idx(RSI, 64, RAX, 1), zmm[2*j+1], K2, zmm[2*j+1])
	}
	rowEnd(label)
	Label(label + "_end")
}

// rowLanesAVX2 generates rowProductLanesAVX2, RowProductLanes' AVX2 kernel
// for whole blocks.
func rowLanesAVX2() {
	TEXT("rowProductLanesAVX2", NOSPLIT, "func(dst []float64, src []float64, stride int, rows []int, k int)")
	Doc("rowProductLanesAVX2 is rowProductLanesAVX512 on a whole block, n = 16:",
		"it trusts its caller as that does, with every row r having",
		"r*stride+16 ≤ len(src).")
	Pragma("noescape")
	Comment("A row of products is four registers (columns 0-3, 4-7, 8-11 and",
		"12-15), started as its first row's and multiplied by each further",
		"row's in turn, then added to its eight lanes in dst, columns 0-7",
		"first: each lane's sum takes its columns in ascending order, as",
		"rowProductLanesGo does. Four rows of products at a time (Y0-Y15,",
		"sixteen independent chains of products), then the last 0 to 3 one at",
		"a time.")
	Load(Param("dst").Base(), RDI)
	Load(Param("dst").Len(), RBX)
	SHRQ(c(3), RBX)
	Load(Param("stride"), R11)
	SHLQ(c(3), R11)
	productsPrologueAVX2()

	ptrs := []Register{R8, R9, RCX, RDX}
	byStride := func() { IMULQ(R11, RAX) }
	// addLanes adds row j of products, Y(4j) to Y(4j+3), into its lanes at
	// RDI+64j.
	addLanes := func(j int) {
		for h := range 2 {
			lo, hi := ymm[4*j+h], ymm[4*j+h+2]
			VADDPD(at(RDI, 64*j+32*h), lo, lo)
			VADDPD(hi, lo, lo)
			VMOVUPD(lo, at(RDI, 64*j+32*h))
		}
	}
	Label("rl2_loop4")
	CMPQ(RBX, c(4))
	JLT(LabelRef("rl2_loop1"))
	LEAQ(idx(R8, 0, R13, 1), R9)
	LEAQ(idx(R9, 0, R13, 1), RCX)
	LEAQ(idx(RCX, 0, R13, 1), RDX)
	productChainsAVX2("rl2_k4", ptrs, byStride)
	for j := range ptrs {
		addLanes(j)
	}
	LEAQ(idx(RDX, 0, R13, 1), R8)
	ADDQ(c(256), RDI)
	SUBQ(c(4), RBX)
	JMP(LabelRef("rl2_loop4"))

	Label("rl2_loop1")
	TESTQ(RBX, RBX)
	JEQ(LabelRef("rl2_done"))
	productChainsAVX2("rl2_k1", ptrs[:1], byStride)
	addLanes(0)
	ADDQ(R13, R8)
	ADDQ(c(64), RDI)
	DECQ(RBX)
	JMP(LabelRef("rl2_loop1"))

	Label("rl2_done")
	VZEROUPPER()
	RET()
}

// rowStoreAVX2 generates rowProductsAVX2, RowProducts' AVX2 kernel for
// whole blocks.
func rowStoreAVX2() {
	TEXT("rowProductsAVX2", NOSPLIT, "func(dst []float64, ld int, src []float64, rows []int, scale []float64, k int)")
	Doc("rowProductsAVX2 is rowProductsAVX512 on a whole block, n = 16: it",
		"trusts its caller as that does, with every row j having",
		"16j+16 ≤ len(src) and (len(scale)−1)·ld+16 ≤ len(dst).")
	Pragma("noescape")
	Comment("A row of products is four registers (columns 0-3, 4-7, 8-11 and",
		"12-15), started as its first row's and multiplied by each further",
		"row's in turn, then by its scale (broadcast into Y12), and stored.",
		"Three rows of products at a time (Y0-Y11, twelve independent chains",
		"of products), then the last 0 to 2 one at a time.")
	Load(Param("dst").Base(), RDI)
	Load(Param("ld"), R11)
	SHLQ(c(3), R11) // bytes of one row of dst
	Load(Param("scale").Base(), R14)
	Load(Param("scale").Len(), RBX)
	productsPrologueAVX2()

	ptrs := []Register{R8, R9, RCX}
	byBlock := func() { SHLQ(c(7), RAX) } // 16 float64s a row of the block
	// store scales row j of products, Y(4j) to Y(4j+3), by scale[j] (from
	// R14) and writes it into row j of dst from RDI.
	store := func(j int) {
		VBROADCASTSD(at(R14, 8*j), Y12)
		for h := range 4 {
			VMULPD(Y12, ymm[4*j+h], ymm[4*j+h])
			if j == 0 {
				VMOVUPD(ymm[4*j+h], at(RDI, 32*h))
			} else {
				VMOVUPD(ymm[4*j+h], idx(RDI, 32*h, R11, uint8(j)))
			}
		}
	}
	Label("rp2_loop3")
	CMPQ(RBX, c(3))
	JLT(LabelRef("rp2_loop1"))
	LEAQ(idx(R8, 0, R13, 1), R9)
	LEAQ(idx(R9, 0, R13, 1), RCX)
	productChainsAVX2("rp2_k3", ptrs, byBlock)
	for j := range ptrs {
		store(j)
	}
	LEAQ(idx(R11, 0, R11, 2), RAX)
	ADDQ(RAX, RDI)
	LEAQ(idx(RCX, 0, R13, 1), R8)
	ADDQ(c(24), R14)
	SUBQ(c(3), RBX)
	JMP(LabelRef("rp2_loop3"))

	Label("rp2_loop1")
	TESTQ(RBX, RBX)
	JEQ(LabelRef("rp2_done"))
	productChainsAVX2("rp2_k1", ptrs[:1], byBlock)
	store(0)
	ADDQ(R11, RDI)
	ADDQ(R13, R8)
	ADDQ(c(8), R14)
	DECQ(RBX)
	JMP(LabelRef("rp2_loop1"))

	Label("rp2_done")
	VZEROUPPER()
	RET()
}

// productsPrologueAVX2 loads what both AVX2 row-product kernels take
// alike: src into RSI, rows into R8, k into R10 and, in R13, the bytes of
// one row of products' list of rows.
func productsPrologueAVX2() {
	Load(Param("src").Base(), RSI)
	Load(Param("rows").Base(), R8)
	Load(Param("k"), R10)
	MOVQ(R10, R13)
	SHLQ(c(3), R13)
}

// productChainsAVX2 is productChains on a whole block of 16 columns: row
// j's products in Y(4j) to Y(4j+3) (columns 0-3, 4-7, 8-11, 12-15).
func productChainsAVX2(label string, ptrs []Register, rowBytes func()) {
	for j, p := range ptrs {
		MOVQ(at(p, 0), RAX)
		rowBytes()
		for h := range 4 {
			VMOVUPD(idx(RSI, 32*h, RAX, 1), ymm[4*j+h])
		}
	}
	MOVQ(U32(1), R12)
	CMPQ(R12, R10)
	JGE(LabelRef(label + "_end"))
	Label(label)
	for j, p := range ptrs {
		MOVQ(idx(p, 0, R12, 8), RAX)
		rowBytes()
		for h := range 4 {
			VMULPD(idx(RSI, 32*h, RAX, 1), ymm[4*j+h], ymm[4*j+h])
		}
	}
	rowEnd(label)
	Label(label + "_end")
}
