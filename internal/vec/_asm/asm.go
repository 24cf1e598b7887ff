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

// ret is the frame address of the first result, as in "ret+56(FP)".
func ret() Mem {
	b, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(fmt.Sprintf("_asm: result: %v", err))
	}
	return b.Addr
}
