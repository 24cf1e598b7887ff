package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// matmulBlock is the widest block of dst's columns that the kernel holds
// in registers for a group of rows: 7 ZMM registers, 56 elements.
const matmulBlock = 7

// matmulFile generates matmul_amd64.s: AddMatMul's AVX-512 kernel.
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
	addMatMul(f64, mtab, "mm")
}

// maskTable defines the opmasks of 1 to lanes lanes, a word each.
func maskTable(name string, lanes int) Mem {
	masks := make([]uint64, lanes)
	for i := range masks {
		masks[i] = 1<<(i+1) - 1
	}
	return data64(name, masks...)
}

// addMatMul generates the body of addMatMulAVX512 (or, for f32,
// addMatMul32AVX512), with mtab, maskTable's masks for its lanes, and
// labels starting with prefix.
func addMatMul(e elem, mtab Mem, prefix string) {
	lanes := 64 / e.size
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
		// K1: the columns of the block's last register, 1 to lanes.
		MOVQ(RCX, RAX)
		CMPQ(RAX, c(lanes*matmulBlock))
		JLT(LabelRef(p + "_mask"))
		MOVL(U32(lanes*matmulBlock), EAX)
		Label(p + "_mask")
		DECL(EAX)
		ANDL(U32(lanes-1), EAX)
		LEAQ(mtab, R12)
		KMOVW(idx(R12, 0, RAX, 8), K1)
		// The block's registers: 1 to 7.
		for r := matmulBlock; r > 1; r-- {
			CMPQ(RCX, c(lanes*(r-1)))
			JGT(LabelRef(fmt.Sprintf("%s_r%d", p, r)))
		}
		JMP(LabelRef(p + "_r1"))
		for r := matmulBlock; r >= 1; r-- {
			matmulVariant(e, p, g, r, aRows)
		}

		Label(p + "_next")
		ADDQ(c(64*matmulBlock), RDI)
		ADDQ(c(64*matmulBlock), RSI)
		SUBQ(c(lanes*matmulBlock), RCX)
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

// matmulVariant generates the block of r registers for a group of g rows:
// load it from dst, add the m products of every row, store it, and jump
// to the next block.
func matmulVariant(e elem, p string, g, r int, aRows []GPPhysical) {
	Label(fmt.Sprintf("%s_r%d", p, r))
	acc := func(row, i int) VecPhysical { return zmm[row*r+i] }
	// dst's rows: DI, DI+BX, DX, DX+BX.
	if g > 2 {
		LEAQ(idx(RDI, 0, RBX, 2), RDX)
	}
	dstAt := func(row, i int) Mem {
		switch row {
		case 0:
			return at(RDI, 64*i)
		case 1:
			return idx(RDI, 64*i, RBX, 1)
		case 2:
			return at(RDX, 64*i)
		}
		return idx(RDX, 64*i, RBX, 1)
	}
	for row := range g {
		for i := range r {
			if i == r-1 {
				e.movuZ(dstAt(row, i), K1, acc(row, i))
			} else {
				e.movu(dstAt(row, i), acc(row, i))
			}
		}
	}
	MOVQ(RSI, RAX)
	XORQ(R12, R12)
	loop := fmt.Sprintf("%s_r%d_k", p, r)
	pcalign(32)
	Label(loop)
	t := 0
	for row := range g {
		b := []VecPhysical{Z28, Z29}[row%2]
		e.bcast(idx(aRows[row], 0, R12, uint8(e.size)), b)
		for i := range r {
			tmp := []VecPhysical{Z30, Z31}[t%2]
			t++
			if i == r-1 {
				e.mulZ(at(RAX, 64*i), b, K1, tmp)
			} else {
				e.mul(at(RAX, 64*i), b, tmp)
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
			if i == r-1 {
				e.movu(acc(row, i), K1, dstAt(row, i))
			} else {
				e.movu(acc(row, i), dstAt(row, i))
			}
		}
	}
	JMP(LabelRef(p + "_next"))
}
