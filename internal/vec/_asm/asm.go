package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// arg is the frame address of the named argument, as in "a+24(FP)".
func arg(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(fmt.Sprintf("_asm: argument %s: %v", name, err))
	}
	return b.Addr
}

// at is the address disp(base).
func at(base reg.Register, disp int) Mem { return Mem{Base: base, Disp: disp} }

// idx is the address disp(base)(index*scale).
func idx(base reg.Register, disp int, index reg.Register, scale uint8) Mem {
	return Mem{Base: base, Disp: disp, Index: index, Scale: scale}
}

// pcalign emits PCALIGN $n, which avo's instruction set lacks: the
// assembler pads to a multiple of n bytes so that a loop starts there.
func pcalign(n uint64) {
	Instruction(&ir.Instruction{Opcode: "PCALIGN", Operands: []Op{Imm(n)}})
}

// data64 defines a read-only table of 64-bit words.
func data64(name string, words ...uint64) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for i, w := range words {
		DATA(8*i, U64(w))
	}
	return m
}

// c is the immediate $n, 8 bits wide where n fits, else 32.
func c(n int) Constant {
	if n >= -128 && n < 128 {
		return I8(int8(n))
	}
	return I32(int32(n))
}

// returnSumPD adds the float64 lanes of a, a ZMM or YMM register, into X0,
// returns it as the function's float64 result and ends the function (the
// horizontal sum every summing kernel ends with; it clobbers Y0 and X1).
func returnSumPD(a reg.VecPhysical) {
	if a.Size() == 64 {
		VEXTRACTF64X4(c(1), a, reg.Y0)
		VADDPD(reg.Y0, a.AsY(), reg.Y0)
	} else {
		VMOVAPD(a, reg.Y0)
	}
	VEXTRACTF128(c(1), reg.Y0, reg.X1)
	VADDPD(reg.X1, reg.X0, reg.X0)
	VUNPCKHPD(reg.X0, reg.X0, reg.X1)
	VADDSD(reg.X1, reg.X0, reg.X0)
	VMOVSD(reg.X0, ret())
	VZEROUPPER()
	RET()
}

// ret is the frame address of the first result, as in "ret+56(FP)".
func ret() Mem {
	b, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(fmt.Sprintf("_asm: result: %v", err))
	}
	return b.Addr
}
