package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowsKernel describes addScaledRowsAVX2 or addScaledRowsAVX512, which
// differ only in register width, in their blocks and in their last
// partial block.
type rowsKernel struct {
	name   string
	prefix string        // of the labels
	e      elem          // float64 or float32
	lanes  int           // elements per register
	acc    []VecPhysical // dst's block, held while every row is added
	bcast  VecPhysical   // scales[k]
	tmp    []VecPhysical // products, used in turn
	blocks []int         // registers per block; the first block repeats
	tail   func(p string)
	// ahead, if not 0, makes the kernel prefetch, while it adds row k's
	// block, the same block of row rows[min(k+ahead, len(rows)-1)]: one
	// PREFETCHT0 a cache line (a register in AVX-512, every other one in
	// AVX2), offset BX.
	ahead int
	// set makes the kernel write the sum into dst instead of adding it:
	// the block's registers start at +0 instead of dst's values (the bits
	// of adding onto a cleared dst), so dst is never read. Its tail must
	// do the same.
	set bool
}

// rowsAVX2 is the rowsKernel of an AVX2 row kernel on e: dst's blocks
// in Y0-Y11 (12, 8, 4, 2 and then 1 register at a time), the scale in
// Y12, the products in Y13-Y15, the last partial register through
// rowsTailAVX2 under the lane masks of masks; ahead and set as in
// rowsKernel.
func rowsAVX2(e elem, name, prefix string, masks Mem, ahead int, set bool) rowsKernel {
	return rowsKernel{
		name: name, prefix: prefix, e: e, lanes: 32 / e.size,
		acc: ymm[:12], bcast: Y12, tmp: ymm[13:16],
		blocks: []int{12, 8, 4, 2, 1},
		tail:   func(p string) { rowsTailAVX2(e, masks, p, set) },
		ahead:  ahead, set: set,
	}
}

// rows512 is the rowsKernel of an AVX-512 row kernel on e: dst's blocks
// in Z0-Z23, the scale in Z24, the products in Z25-Z31, the rest after
// the last whole block through rowsRemainder512; ahead and set as in
// rowsKernel.
func rows512(e elem, name, prefix string, ahead int, set bool) rowsKernel {
	return rowsKernel{
		name: name, prefix: prefix, e: e, lanes: 64 / e.size,
		acc: zmm[:24], bcast: Z24, tmp: zmm[25:],
		blocks: []int{24},
		tail:   rowsRemainder512(e, ahead, set),
		ahead:  ahead, set: set,
	}
}

// addScaledRows generates k: the arguments into the registers the tails
// expect, the blocks of dst in turn, then k.tail and the return.
//
//	DI	dst block		SI	src + the block's offset
//	CX	elements left		R11	stride*size
//	R8	rows			R9	scales
//	R10	len(rows) > 0		R12	k
//	AX	rows[k]*stride*8
func addScaledRows(k rowsKernel) {
	p := k.prefix
	Load(Param("dst").Base(), RDI)
	Load(Param("dst").Len(), RCX)
	Load(Param("src").Base(), RSI)
	Load(Param("stride"), R11)
	SHLQ(c(k.e.shift), R11)
	Load(Param("rows").Base(), R8)
	Load(Param("rows").Len(), R10)
	Load(Param("scales").Base(), R9)
	TESTQ(R10, R10)
	JEQ(LabelRef(p + "_done"))
	if k.ahead > 0 {
		LEAQ(Mem{Base: R10, Disp: -1}, R14)
	}

	e := k.e
	regBytes := e.size * k.lanes
	label := func(i int) string {
		if i == len(k.blocks) {
			return p + "_tail"
		}
		return fmt.Sprintf("%s_%d", p, k.blocks[i]*k.lanes)
	}
	for b, n := range k.blocks {
		elems := n * k.lanes
		head := label(b)
		Label(head)
		CMPQ(RCX, c(elems))
		JLT(LabelRef(label(b + 1)))
		for i := 0; i < n; i++ {
			switch {
			case k.set && k.acc[i].Size() == 64:
				VPXORQ(k.acc[i], k.acc[i], k.acc[i])
			case k.set:
				VXORPD(k.acc[i], k.acc[i], k.acc[i])
			default:
				e.movu(at(RDI, i*regBytes), k.acc[i])
			}
		}
		XORQ(R12, R12)
		pcalign(32)
		Label(head + "_k")
		rowStart(e, k.bcast)
		rowAhead(k.ahead)
		for i := 0; i < n; i++ {
			t := k.tmp[i%len(k.tmp)]
			if i*regBytes%64 == 0 {
				prefetch(k.ahead, i*regBytes)
			}
			e.mul(idx(RSI, i*regBytes, RAX, 1), k.bcast, t)
			e.add(t, k.acc[i], k.acc[i])
		}
		rowEnd(head + "_k")
		for i := 0; i < n; i++ {
			e.movu(k.acc[i], at(RDI, i*regBytes))
		}
		ADDQ(c(elems*e.size), RDI)
		ADDQ(c(elems*e.size), RSI)
		SUBQ(c(elems), RCX)
		if b == 0 {
			JMP(LabelRef(head))
		}
	}

	Label(p + "_tail")
	TESTQ(RCX, RCX)
	JEQ(LabelRef(p + "_done"))
	k.tail(p)

	Label(p + "_done")
	VZEROUPPER()
	RET()
}

// rowStart loads row k's offset rows[k]*stride*size into AX and
// broadcasts scales[k] into bcast.
func rowStart(e elem, bcast VecPhysical) {
	MOVQ(idx(R8, 0, R12, 8), RAX)
	IMULQ(R11, RAX)
	e.bcast(idx(R9, 0, R12, uint8(e.size)), bcast)
}

// rowAhead, for ahead > 0, loads into BX the offset of the row the kernel
// prefetches: rows[min(k+ahead, len(rows)-1)]*stride*size, with R14 holding
// len(rows)-1. It clobbers R13.
func rowAhead(ahead int) {
	if ahead == 0 {
		return
	}
	LEAQ(Mem{Base: R12, Disp: ahead}, R13)
	CMPQ(R13, R14)
	CMOVQGT(R14, R13)
	MOVQ(idx(R8, 0, R13, 8), RBX)
	IMULQ(R11, RBX)
}

// prefetch, for ahead > 0, prefetches the cache line at SI + BX + off.
func prefetch(ahead, off int) {
	if ahead > 0 {
		PREFETCHT0(idx(RSI, off, RBX, 1))
	}
}

// rowEnd steps k and loops to label while k < len(rows).
func rowEnd(label string) {
	INCQ(R12)
	CMPQ(R12, R10)
	JLT(LabelRef(label))
}
