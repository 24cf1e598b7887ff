package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// matmulSet is the registers of one of AddMatMul's kernels: a group of
// rows' block of dst's columns is held in acc (up to block registers a
// row, row after row) while each row of src's block is multiplied by each
// row's broadcast a[r·m+k] (bcast) into tmp and added.
type matmulSet struct {
	acc        []VecPhysical
	bcast, tmp [2]VecPhysical
	bytes      int // a register's
	block      int // the most registers of a row's block
	// AVX-512 masks the last register of every block by K1 to the
	// columns left; AVX2 (vmask set) does whole blocks unmasked and the
	// last block, if shorter, with its last register under vmask, lane
	// masks loaded from the kernel's table.
	vmask VecPhysical
}

var (
	// matmul512: blocks of up to 7 ZMM registers (56 float64 elements)
	// for each of four rows.
	matmul512 = matmulSet{acc: zmm[:28], bcast: [2]VecPhysical{Z28, Z29}, tmp: [2]VecPhysical{Z30, Z31},
		bytes: 64, block: 7}
	// matmulAVX2: blocks of up to 3 YMM registers (12 float64 elements)
	// for each of four rows; one broadcast register, as register renaming
	// makes a second unneeded.
	matmulAVX2 = matmulSet{acc: ymm[:12], bcast: [2]VecPhysical{Y12, Y12}, tmp: [2]VecPhysical{Y13, Y14},
		bytes: 32, block: 3, vmask: Y15}
)

// matmulFile generates matmul_amd64.s: AddMatMul's AVX-512 and AVX2 kernels.
func matmulFile() {
	mtab := maskTable("mmmask", 8)
	TEXT("addMatMulAVX512", NOSPLIT, "func(dst, a, src []float64, rows, m, n, stride int)")
	Doc("addMatMulAVX512 is AddMatMul's AVX-512 kernel. It trusts its caller:",
		"rows, m and n are at least 1, len(dst) = rows·n, len(a) = rows·m and",
		"src holds m rows of stride ≥ n, and dst does not overlap src or a.")
	Pragma("noescape")
	Comment("The rows of dst are done four at a time, then one at a time. For each",
		"group, dst's columns are done in blocks of up to 56 (7 registers, the last",
		"masked by K1 to the columns left): the group's block, up to 28 registers",
		"(Z0-Z27), is held while, for each k in turn, row k of src's block is",
		"multiplied by each row's broadcast a[r·m+k] (Z28, Z29) and added, VMULPD",
		"then VADDPD as addScaledGo does, and is then stored.",
		"",
		"	DI	dst block, row 0	DX	dst block, row 2	BX	n*8",
		"	R8, R9, R13, R14	rows of a	R10	m	R11	stride*8",
		"	SI	src + the block's offset	AX	its row k	R12	k",
		"	CX	columns left")
	addMatMul(f64, matmul512, mtab, "mm")

	TEXT("addMatMulAVX2", NOSPLIT, "func(dst, a, src []float64, rows, m, n, stride int)")
	Doc("addMatMulAVX2 is AddMatMul's AVX2 kernel, with the trust of",
		"addMatMulAVX512.")
	Pragma("noescape")
	Comment("addMatMulAVX512's loops with blocks of 12 columns (3 registers) of four",
		"rows (Y0-Y11; Y12 the broadcast, Y13, Y14 the products), then of one; a",
		"last block of fewer columns has 1 to 3 registers, the last under the",
		"lane mask Y15 (VMASKMOVPD).")
	addMatMul(f64, matmulAVX2, maskLanes(), "ma")
}

// maskLanes defines the AVX2 lane masks of the matmul kernels: four words
// of all ones, then four of zeros, so that the 32 bytes from byte
// 32 − k·size hold k lanes of elements of size bytes.
func maskLanes() Mem {
	return data64("mmlanes", ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), 0, 0, 0, 0)
}

// maskTable defines the opmasks of 1 to lanes lanes, a word each.
func maskTable(name string, lanes int) Mem {
	masks := make([]uint64, lanes)
	for i := range masks {
		masks[i] = 1<<(i+1) - 1
	}
	return data64(name, masks...)
}

// addMatMul generates the body of an AddMatMul kernel on elements e with
// the registers v: addMatMulAVX512 (or, for f32, addMatMul32AVX512) with
// mtab, maskTable's masks for its lanes, or addMatMulAVX2 (addMatMul32AVX2)
// with mtab, maskLanes' table; labels start with prefix.
func addMatMul(e elem, v matmulSet, mtab Mem, prefix string) {
	lanes := v.bytes / e.size
	rowsLeft := AllocLocal(8)
	base := AllocLocal(8) // dst row of the group, column 0

	Load(Param("dst").Base(), RDI)
	Load(Param("a").Base(), R8)
	Load(Param("rows"), RAX)
	MOVQ(RAX, rowsLeft)
	Load(Param("m"), R10)
	Load(Param("n"), RBX)
	SHLQ(c(e.shift), RBX)
	Load(Param("stride"), R11)
	SHLQ(c(e.shift), R11)

	for _, g := range []int{4, 1} {
		p := fmt.Sprintf("%s%d", prefix, g)
		Label(p + "_group")
		CMPQ(rowsLeft, c(g))
		if g == 4 {
			JLT(LabelRef(prefix + "1_group"))
		} else {
			JLT(LabelRef(prefix + "_done"))
		}
		MOVQ(RDI, base)
		aRows := []GPPhysical{R8, R9, R13, R14}[:g]
		for i := 1; i < g; i++ {
			LEAQ(idx(aRows[i-1], 0, R10, uint8(e.size)), aRows[i])
		}
		Load(Param("src").Base(), RSI)
		Load(Param("n"), RCX)

		Label(p + "_block")
		if v.vmask != nil {
			// A whole block, unmasked, or a shorter last one.
			CMPQ(RCX, c(lanes*v.block))
			JGE(LabelRef(fmt.Sprintf("%s_r%d", p, v.block)))
		} else {
			// K1: the columns of the block's last register, 1 to lanes.
			MOVQ(RCX, RAX)
			CMPQ(RAX, c(lanes*v.block))
			JLT(LabelRef(p + "_mask"))
			MOVL(U32(lanes*v.block), EAX)
			Label(p + "_mask")
			DECL(EAX)
			ANDL(U32(lanes-1), EAX)
			LEAQ(mtab, R12)
			KMOVW(idx(R12, 0, RAX, 8), K1)
		}
		// The masked block's registers: 1 to v.block.
		for r := v.block; r > 1; r-- {
			CMPQ(RCX, c(lanes*(r-1)))
			JGT(LabelRef(fmt.Sprintf("%s_m%d", p, r)))
		}
		JMP(LabelRef(p + "_m1"))
		if v.vmask != nil {
			matmulVariant(e, v, mtab, p, g, v.block, false, aRows)
		}
		for r := v.block; r >= 1; r-- {
			matmulVariant(e, v, mtab, p, g, r, true, aRows)
		}

		Label(p + "_next")
		ADDQ(c(v.bytes*v.block), RDI)
		ADDQ(c(v.bytes*v.block), RSI)
		SUBQ(c(lanes*v.block), RCX)
		JGT(LabelRef(p + "_block"))
		// The next group: g rows of dst and of a further on.
		MOVQ(base, RDI)
		for range g {
			ADDQ(RBX, RDI)
		}
		LEAQ(idx(aRows[g-1], 0, R10, uint8(e.size)), R8)
		SUBQ(c(g), rowsLeft)
		JMP(LabelRef(p + "_group"))
	}

	Label(prefix + "_done")
	VZEROUPPER()
	RET()
}

// matmulVariant generates the block of r registers of v for a group of g
// rows, the last register masked or not: load it from dst, add the m
// products of every row, store it, and jump to the next block. AVX2's
// masked variants, each the last block, first load vmask from mtab for
// the CX columns left.
func matmulVariant(e elem, v matmulSet, mtab Mem, p string, g, r int, masked bool, aRows []GPPhysical) {
	kind := "r"
	if masked {
		kind = "m"
	}
	Label(fmt.Sprintf("%s_%s%d", p, kind, r))
	acc := func(row, i int) VecPhysical { return v.acc[row*r+i] }
	last := func(i int) bool { return masked && i == r-1 }
	// Masked loads and stores: under K1 (AVX-512) or vmask (AVX2).
	load := func(m Mem, dst VecPhysical) {
		if v.vmask != nil {
			e.mask(m, v.vmask, dst)
		} else {
			e.movuZ(m, K1, dst)
		}
	}
	store := func(src VecPhysical, m Mem) {
		if v.vmask != nil {
			e.mask(src, v.vmask, m)
		} else {
			e.movu(src, K1, m)
		}
	}
	if masked && v.vmask != nil {
		MOVQ(U32(v.bytes/e.size*r), RAX)
		SUBQ(RCX, RAX)
		LEAQ(mtab, R12)
		e.movu(idx(R12, 0, RAX, uint8(e.size)), v.vmask)
	}
	// dst's rows: DI, DI+BX, DX, DX+BX.
	if g > 2 {
		LEAQ(idx(RDI, 0, RBX, 2), RDX)
	}
	dstAt := func(row, i int) Mem {
		switch row {
		case 0:
			return at(RDI, v.bytes*i)
		case 1:
			return idx(RDI, v.bytes*i, RBX, 1)
		case 2:
			return at(RDX, v.bytes*i)
		}
		return idx(RDX, v.bytes*i, RBX, 1)
	}
	for row := range g {
		for i := range r {
			if last(i) {
				load(dstAt(row, i), acc(row, i))
			} else {
				e.movu(dstAt(row, i), acc(row, i))
			}
		}
	}
	MOVQ(RSI, RAX)
	XORQ(R12, R12)
	loop := fmt.Sprintf("%s_%s%d_k", p, kind, r)
	pcalign(32)
	Label(loop)
	t := 0
	for row := range g {
		b := v.bcast[row%2]
		e.bcast(idx(aRows[row], 0, R12, uint8(e.size)), b)
		for i := range r {
			tmp := v.tmp[t%2]
			t++
			switch {
			case last(i) && v.vmask != nil:
				e.mask(at(RAX, v.bytes*i), v.vmask, tmp)
				e.mul(tmp, b, tmp)
			case last(i):
				e.mulZ(at(RAX, v.bytes*i), b, K1, tmp)
			default:
				e.mul(at(RAX, v.bytes*i), b, tmp)
			}
			e.add(tmp, acc(row, i), acc(row, i))
		}
	}
	ADDQ(R11, RAX)
	INCQ(R12)
	CMPQ(R12, R10)
	JLT(LabelRef(loop))
	for row := range g {
		for i := range r {
			if last(i) {
				store(acc(row, i), dstAt(row, i))
			} else {
				e.movu(acc(row, i), dstAt(row, i))
			}
		}
	}
	JMP(LabelRef(p + "_next"))
}
