package main

import (
	"fmt"

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

	byStride := func() { IMULQ(R11, RAX) }
	productLoops("rl", []Register{R8, R9, RCX, RDX},
		func(label string, ptrs []Register) { productChains(label, ptrs, byStride) },
		func(n int) {
			for j := range n {
				VADDPD(at(RDI, 64*j), zmm[2*j], zmm[2*j])
				VADDPD(zmm[2*j+1], zmm[2*j], zmm[2*j])
				VMOVUPD(zmm[2*j], at(RDI, 64*j))
			}
		}, lanesAdvance)
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
	byBlock := func() { SHLQ(c(7), RAX) } // 16 float64s a row of the block
	productLoops("rp", []Register{R8, R9, RCX, RDX},
		func(label string, ptrs []Register) { productChains(label, ptrs, byBlock) },
		func(n int) {
			for j := range n {
				VMULPD_BCST(at(R14, 8*j), zmm[2*j], zmm[2*j])
				VMULPD_BCST(at(R14, 8*j), zmm[2*j+1], zmm[2*j+1])
			}
			for j := range n {
				store(j)
			}
		}, storeAdvance)
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

	byStride := func() { IMULQ(R11, RAX) }
	productLoops("rl2", []Register{R8, R9, RCX, RDX},
		func(label string, ptrs []Register) { productChainsAVX2(label, ptrs, byStride) },
		func(n int) {
			// Row j of products, Y(4j) to Y(4j+3), into its lanes at RDI+64j.
			for j := range n {
				for h := range 2 {
					lo, hi := ymm[4*j+h], ymm[4*j+h+2]
					VADDPD(at(RDI, 64*j+32*h), lo, lo)
					VADDPD(hi, lo, lo)
					VMOVUPD(lo, at(RDI, 64*j+32*h))
				}
			}
		}, lanesAdvance)
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

	byBlock := func() { SHLQ(c(7), RAX) } // 16 float64s a row of the block
	productLoops("rp2", []Register{R8, R9, RCX},
		func(label string, ptrs []Register) { productChainsAVX2(label, ptrs, byBlock) },
		func(n int) {
			// Row j of products, Y(4j) to Y(4j+3), scaled by scale[j] (from
			// R14) and written into row j of dst from RDI.
			for j := range n {
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
		}, storeAdvance)
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

// productLoops emits the loops the row-product kernels share, and the
// return: while RBX, the rows of products left, allows, a pass over
// len(ptrs) of them (their lists of table rows from R8 on, R13 bytes
// apart, into ptrs), then the rest one at a time. chains(label, ptrs)
// forms a pass's products, finish(n) uses the first n rows' and advance(n)
// steps R8 and the kernel's own pointers past n rows of products.
func productLoops(p string, ptrs []Register, chains func(label string, ptrs []Register), finish, advance func(n int)) {
	n := len(ptrs)
	multi, single := fmt.Sprintf("%s_loop%d", p, n), p+"_loop1"
	Label(multi)
	CMPQ(RBX, c(n))
	JLT(LabelRef(single))
	for i := 1; i < n; i++ {
		LEAQ(idx(ptrs[i-1], 0, R13, 1), ptrs[i])
	}
	chains(fmt.Sprintf("%s_k%d", p, n), ptrs)
	finish(n)
	advance(n)
	SUBQ(c(n), RBX)
	JMP(LabelRef(multi))

	Label(single)
	TESTQ(RBX, RBX)
	JEQ(LabelRef(p + "_done"))
	chains(p+"_k1", ptrs[:1])
	finish(1)
	advance(1)
	DECQ(RBX)
	JMP(LabelRef(single))

	Label(p + "_done")
	VZEROUPPER()
	RET()
}

// nextLists steps R8 past n rows of products' lists of table rows: the
// list after the last of a pass (in R8, R9, RCX, RDX in turn), or after R8.
func nextLists(n int) {
	if n == 1 {
		ADDQ(R13, R8)
		return
	}
	LEAQ(idx([]Register{R8, R9, RCX, RDX}[n-1], 0, R13, 1), R8)
}

// lanesAdvance is RowProductLanes' kernels' advance: the lists, and dst by
// eight lanes a row of products.
func lanesAdvance(n int) {
	nextLists(n)
	ADDQ(c(64*n), RDI)
}

// storeAdvance is RowProducts' kernels' advance: dst by n rows of R11
// bytes, the lists, and the scales.
func storeAdvance(n int) {
	switch n {
	case 1:
		ADDQ(R11, RDI)
	case 3:
		LEAQ(idx(R11, 0, R11, 2), RAX)
		ADDQ(RAX, RDI)
	default:
		LEAQ(idx(RDI, 0, R11, uint8(n)), RDI)
	}
	nextLists(n)
	ADDQ(c(8*n), R14)
}
