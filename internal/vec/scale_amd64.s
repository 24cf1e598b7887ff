//go:build amd64 && !purego

#include "textflag.h"

// func scaleToAVX512(dst []float64, a float64, x []float64)
//
// dst = a*x, 32 then 8 elements a step and a masked tail of 1 to 7. Each
// block is loaded before it is stored, so dst may be x.
TEXT ·scaleToAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	VBROADCASTSD a+24(FP), Z0
	MOVQ         x_base+32(FP), SI
	MOVQ         x_len+40(FP), CX

sc_loop32:
	CMPQ    CX, $32
	JLT     sc_loop8
	VMULPD  (SI), Z0, Z1
	VMULPD  64(SI), Z0, Z2
	VMULPD  128(SI), Z0, Z3
	VMULPD  192(SI), Z0, Z4
	VMOVUPD Z1, (DI)
	VMOVUPD Z2, 64(DI)
	VMOVUPD Z3, 128(DI)
	VMOVUPD Z4, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $32, CX
	JMP     sc_loop32

sc_loop8:
	CMPQ    CX, $8
	JLT     sc_tail
	VMULPD  (SI), Z0, Z1
	VMOVUPD Z1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX
	JMP     sc_loop8

sc_tail:
	TESTQ     CX, CX
	JEQ       sc_done
	MOVL      $1, DX
	SHLL      CX, DX
	DECL      DX
	KMOVW     DX, K1
	VMOVUPD.Z (SI), K1, Z1
	VMULPD    Z1, Z0, Z1
	VMOVUPD   Z1, K1, (DI)

sc_done:
	VZEROUPPER
	RET
