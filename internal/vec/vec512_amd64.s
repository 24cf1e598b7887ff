//go:build !purego

#include "textflag.h"

// AVX-512 kernels for vec_amd64.go, used where the CPU has AVX-512F (8
// doubles in a ZMM register, 32 registers, opmask registers for the tails).
// As in vec_amd64.s, AddScaledRows and Adam use only separately rounded
// VMULPD/VADDPD/VSUBPD/VDIVPD/VSQRTPD in the order of the Go loops, so they
// are bit-identical to them; ExpShift uses FMA.
//
// The blocks of 24, 12, 6, 3, 2 and 1 registers of addScaledRowsAVX512
// repeat one pattern and differ only in width.

// func addScaledRowsAVX512(dst, src []float64, stride int, rows []int, scales []float64)
//
// dst is done in blocks of 192 elements (Z0-Z23), then at most one block
// each of 96, 48, 24, 16 and 8 and a masked block (K1) of the last 1 to 7.
// A block of dst is held in registers while, for each k in turn, the block
// of row rows[k] (at SI + rows[k]*stride*8) is multiplied by the broadcast
// scales[k] (Z24) and added, VMULPD then VADDPD as addScaledAVX2 does per
// row, and is then stored. Blocks of 96, 48 and 24 suit the common widths
// (multiples of 48). The caller has checked every row; dst does not overlap
// src. Registers as in addScaledRowsAVX2:
//
//	DI	dst block		SI	src + the block's offset
//	CX	elements left		R11	stride*8
//	R8	rows			R9	scales
//	R10	len(rows) > 0		R12	k
//	AX	rows[k]*stride*8	Z25-Z31	products
TEXT ·addScaledRowsAVX512(SB), NOSPLIT, $0-104
	MOVQ  dst_base+0(FP), DI
	MOVQ  dst_len+8(FP), CX
	MOVQ  src_base+24(FP), SI
	MOVQ  stride+48(FP), R11
	SHLQ  $3, R11
	MOVQ  rows_base+56(FP), R8
	MOVQ  rows_len+64(FP), R10
	MOVQ  scales_base+80(FP), R9
	TESTQ R10, R10
	JEQ   zr_done

zr_192:
	CMPQ    CX, $192
	JLT     zr_96
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	VMOVUPD 256(DI), Z4
	VMOVUPD 320(DI), Z5
	VMOVUPD 384(DI), Z6
	VMOVUPD 448(DI), Z7
	VMOVUPD 512(DI), Z8
	VMOVUPD 576(DI), Z9
	VMOVUPD 640(DI), Z10
	VMOVUPD 704(DI), Z11
	VMOVUPD 768(DI), Z12
	VMOVUPD 832(DI), Z13
	VMOVUPD 896(DI), Z14
	VMOVUPD 960(DI), Z15
	VMOVUPD 1024(DI), Z16
	VMOVUPD 1088(DI), Z17
	VMOVUPD 1152(DI), Z18
	VMOVUPD 1216(DI), Z19
	VMOVUPD 1280(DI), Z20
	VMOVUPD 1344(DI), Z21
	VMOVUPD 1408(DI), Z22
	VMOVUPD 1472(DI), Z23
	XORQ    R12, R12
	PCALIGN $32

zr_192_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Z24
	VMULPD       0(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z0, Z0
	VMULPD       64(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z1, Z1
	VMULPD       128(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z2, Z2
	VMULPD       192(SI)(AX*1), Z24, Z28
	VADDPD       Z28, Z3, Z3
	VMULPD       256(SI)(AX*1), Z24, Z29
	VADDPD       Z29, Z4, Z4
	VMULPD       320(SI)(AX*1), Z24, Z30
	VADDPD       Z30, Z5, Z5
	VMULPD       384(SI)(AX*1), Z24, Z31
	VADDPD       Z31, Z6, Z6
	VMULPD       448(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z7, Z7
	VMULPD       512(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z8, Z8
	VMULPD       576(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z9, Z9
	VMULPD       640(SI)(AX*1), Z24, Z28
	VADDPD       Z28, Z10, Z10
	VMULPD       704(SI)(AX*1), Z24, Z29
	VADDPD       Z29, Z11, Z11
	VMULPD       768(SI)(AX*1), Z24, Z30
	VADDPD       Z30, Z12, Z12
	VMULPD       832(SI)(AX*1), Z24, Z31
	VADDPD       Z31, Z13, Z13
	VMULPD       896(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z14, Z14
	VMULPD       960(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z15, Z15
	VMULPD       1024(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z16, Z16
	VMULPD       1088(SI)(AX*1), Z24, Z28
	VADDPD       Z28, Z17, Z17
	VMULPD       1152(SI)(AX*1), Z24, Z29
	VADDPD       Z29, Z18, Z18
	VMULPD       1216(SI)(AX*1), Z24, Z30
	VADDPD       Z30, Z19, Z19
	VMULPD       1280(SI)(AX*1), Z24, Z31
	VADDPD       Z31, Z20, Z20
	VMULPD       1344(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z21, Z21
	VMULPD       1408(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z22, Z22
	VMULPD       1472(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z23, Z23
	INCQ         R12
	CMPQ         R12, R10
	JLT          zr_192_k
	VMOVUPD      Z0, 0(DI)
	VMOVUPD      Z1, 64(DI)
	VMOVUPD      Z2, 128(DI)
	VMOVUPD      Z3, 192(DI)
	VMOVUPD      Z4, 256(DI)
	VMOVUPD      Z5, 320(DI)
	VMOVUPD      Z6, 384(DI)
	VMOVUPD      Z7, 448(DI)
	VMOVUPD      Z8, 512(DI)
	VMOVUPD      Z9, 576(DI)
	VMOVUPD      Z10, 640(DI)
	VMOVUPD      Z11, 704(DI)
	VMOVUPD      Z12, 768(DI)
	VMOVUPD      Z13, 832(DI)
	VMOVUPD      Z14, 896(DI)
	VMOVUPD      Z15, 960(DI)
	VMOVUPD      Z16, 1024(DI)
	VMOVUPD      Z17, 1088(DI)
	VMOVUPD      Z18, 1152(DI)
	VMOVUPD      Z19, 1216(DI)
	VMOVUPD      Z20, 1280(DI)
	VMOVUPD      Z21, 1344(DI)
	VMOVUPD      Z22, 1408(DI)
	VMOVUPD      Z23, 1472(DI)
	ADDQ         $1536, DI
	ADDQ         $1536, SI
	SUBQ         $192, CX
	JMP          zr_192

zr_96:
	CMPQ    CX, $96
	JLT     zr_48
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	VMOVUPD 256(DI), Z4
	VMOVUPD 320(DI), Z5
	VMOVUPD 384(DI), Z6
	VMOVUPD 448(DI), Z7
	VMOVUPD 512(DI), Z8
	VMOVUPD 576(DI), Z9
	VMOVUPD 640(DI), Z10
	VMOVUPD 704(DI), Z11
	XORQ    R12, R12
	PCALIGN $32

zr_96_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Z24
	VMULPD       0(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z0, Z0
	VMULPD       64(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z1, Z1
	VMULPD       128(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z2, Z2
	VMULPD       192(SI)(AX*1), Z24, Z28
	VADDPD       Z28, Z3, Z3
	VMULPD       256(SI)(AX*1), Z24, Z29
	VADDPD       Z29, Z4, Z4
	VMULPD       320(SI)(AX*1), Z24, Z30
	VADDPD       Z30, Z5, Z5
	VMULPD       384(SI)(AX*1), Z24, Z31
	VADDPD       Z31, Z6, Z6
	VMULPD       448(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z7, Z7
	VMULPD       512(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z8, Z8
	VMULPD       576(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z9, Z9
	VMULPD       640(SI)(AX*1), Z24, Z28
	VADDPD       Z28, Z10, Z10
	VMULPD       704(SI)(AX*1), Z24, Z29
	VADDPD       Z29, Z11, Z11
	INCQ         R12
	CMPQ         R12, R10
	JLT          zr_96_k
	VMOVUPD      Z0, 0(DI)
	VMOVUPD      Z1, 64(DI)
	VMOVUPD      Z2, 128(DI)
	VMOVUPD      Z3, 192(DI)
	VMOVUPD      Z4, 256(DI)
	VMOVUPD      Z5, 320(DI)
	VMOVUPD      Z6, 384(DI)
	VMOVUPD      Z7, 448(DI)
	VMOVUPD      Z8, 512(DI)
	VMOVUPD      Z9, 576(DI)
	VMOVUPD      Z10, 640(DI)
	VMOVUPD      Z11, 704(DI)
	ADDQ         $768, DI
	ADDQ         $768, SI
	SUBQ         $96, CX

zr_48:
	CMPQ    CX, $48
	JLT     zr_24
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	VMOVUPD 256(DI), Z4
	VMOVUPD 320(DI), Z5
	XORQ    R12, R12
	PCALIGN $32

zr_48_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Z24
	VMULPD       0(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z0, Z0
	VMULPD       64(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z1, Z1
	VMULPD       128(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z2, Z2
	VMULPD       192(SI)(AX*1), Z24, Z28
	VADDPD       Z28, Z3, Z3
	VMULPD       256(SI)(AX*1), Z24, Z29
	VADDPD       Z29, Z4, Z4
	VMULPD       320(SI)(AX*1), Z24, Z30
	VADDPD       Z30, Z5, Z5
	INCQ         R12
	CMPQ         R12, R10
	JLT          zr_48_k
	VMOVUPD      Z0, 0(DI)
	VMOVUPD      Z1, 64(DI)
	VMOVUPD      Z2, 128(DI)
	VMOVUPD      Z3, 192(DI)
	VMOVUPD      Z4, 256(DI)
	VMOVUPD      Z5, 320(DI)
	ADDQ         $384, DI
	ADDQ         $384, SI
	SUBQ         $48, CX

zr_24:
	CMPQ    CX, $24
	JLT     zr_16
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	XORQ    R12, R12
	PCALIGN $32

zr_24_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Z24
	VMULPD       0(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z0, Z0
	VMULPD       64(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z1, Z1
	VMULPD       128(SI)(AX*1), Z24, Z27
	VADDPD       Z27, Z2, Z2
	INCQ         R12
	CMPQ         R12, R10
	JLT          zr_24_k
	VMOVUPD      Z0, 0(DI)
	VMOVUPD      Z1, 64(DI)
	VMOVUPD      Z2, 128(DI)
	ADDQ         $192, DI
	ADDQ         $192, SI
	SUBQ         $24, CX

zr_16:
	CMPQ    CX, $16
	JLT     zr_8
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	XORQ    R12, R12
	PCALIGN $32

zr_16_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Z24
	VMULPD       0(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z0, Z0
	VMULPD       64(SI)(AX*1), Z24, Z26
	VADDPD       Z26, Z1, Z1
	INCQ         R12
	CMPQ         R12, R10
	JLT          zr_16_k
	VMOVUPD      Z0, 0(DI)
	VMOVUPD      Z1, 64(DI)
	ADDQ         $128, DI
	ADDQ         $128, SI
	SUBQ         $16, CX

zr_8:
	CMPQ    CX, $8
	JLT     zr_tail
	VMOVUPD 0(DI), Z0
	XORQ    R12, R12
	PCALIGN $32

zr_8_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Z24
	VMULPD       0(SI)(AX*1), Z24, Z25
	VADDPD       Z25, Z0, Z0
	INCQ         R12
	CMPQ         R12, R10
	JLT          zr_8_k
	VMOVUPD      Z0, 0(DI)
	ADDQ         $64, DI
	ADDQ         $64, SI
	SUBQ         $8, CX

zr_tail:
	TESTQ   CX, CX
	JEQ     zr_done
	MOVL    $1, DX
	SHLL    CX, DX
	DECL    DX
	KMOVW   DX, K1
	VMOVUPD.Z (DI), K1, Z0
	XORQ    R12, R12

zr_tail_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Z24
	VMOVUPD.Z    (SI)(AX*1), K1, Z25
	VMULPD       Z25, Z24, Z25
	VADDPD       Z25, Z0, Z0
	INCQ         R12
	CMPQ         R12, R10
	JLT          zr_tail_k
	VMOVUPD      Z0, K1, (DI)

zr_done:
	VZEROUPPER
	RET

// func addScaledAVX512(dst []float64, a float64, x []float64)
TEXT ·addScaledAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	VBROADCASTSD a+24(FP), Z0
	MOVQ         x_base+32(FP), SI
	MOVQ         x_len+40(FP), CX

zas_loop32:
	CMPQ    CX, $32
	JLT     zas_loop8
	VMULPD  (SI), Z0, Z1
	VMULPD  64(SI), Z0, Z2
	VMULPD  128(SI), Z0, Z3
	VMULPD  192(SI), Z0, Z4
	VADDPD  (DI), Z1, Z1
	VADDPD  64(DI), Z2, Z2
	VADDPD  128(DI), Z3, Z3
	VADDPD  192(DI), Z4, Z4
	VMOVUPD Z1, (DI)
	VMOVUPD Z2, 64(DI)
	VMOVUPD Z3, 128(DI)
	VMOVUPD Z4, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $32, CX
	JMP     zas_loop32

zas_loop8:
	CMPQ    CX, $8
	JLT     zas_tail
	VMULPD  (SI), Z0, Z1
	VADDPD  (DI), Z1, Z1
	VMOVUPD Z1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX
	JMP     zas_loop8

zas_tail:
	TESTQ     CX, CX
	JEQ       zas_done
	MOVL      $1, DX
	SHLL      CX, DX
	DECL      DX
	KMOVW     DX, K1
	VMOVUPD.Z (SI), K1, Z1
	VMOVUPD.Z (DI), K1, Z2
	VMULPD    Z1, Z0, Z1
	VADDPD    Z2, Z1, Z1
	VMOVUPD   Z1, K1, (DI)

zas_done:
	VZEROUPPER
	RET

// func addAVX512(dst, x []float64)
TEXT ·addAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

zad_loop32:
	CMPQ    CX, $32
	JLT     zad_loop8
	VMOVUPD (SI), Z1
	VMOVUPD 64(SI), Z2
	VMOVUPD 128(SI), Z3
	VMOVUPD 192(SI), Z4
	VADDPD  (DI), Z1, Z1
	VADDPD  64(DI), Z2, Z2
	VADDPD  128(DI), Z3, Z3
	VADDPD  192(DI), Z4, Z4
	VMOVUPD Z1, (DI)
	VMOVUPD Z2, 64(DI)
	VMOVUPD Z3, 128(DI)
	VMOVUPD Z4, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $32, CX
	JMP     zad_loop32

zad_loop8:
	CMPQ    CX, $8
	JLT     zad_tail
	VMOVUPD (SI), Z1
	VADDPD  (DI), Z1, Z1
	VMOVUPD Z1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX
	JMP     zad_loop8

zad_tail:
	TESTQ     CX, CX
	JEQ       zad_done
	MOVL      $1, DX
	SHLL      CX, DX
	DECL      DX
	KMOVW     DX, K1
	VMOVUPD.Z (SI), K1, Z1
	VMOVUPD.Z (DI), K1, Z2
	VADDPD    Z2, Z1, Z1
	VMOVUPD   Z1, K1, (DI)

zad_done:
	VZEROUPPER
	RET

// func adamAVX512(p, g, m, v []float64, b1, nb1, b2, nb2, step, ic2, eps float64)
//
// As adamAVX2, 16 elements at a time, then 8, then a masked block (K1) of
// the last 1 to 7 (its masked-off lanes compute on zeros and are not stored).
TEXT ·adamAVX512(SB), NOSPLIT, $0-152
	MOVQ         p_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         m_base+48(FP), R8
	MOVQ         v_base+72(FP), R9
	VBROADCASTSD b1+96(FP), Z0
	VBROADCASTSD nb1+104(FP), Z1
	VBROADCASTSD b2+112(FP), Z2
	VBROADCASTSD nb2+120(FP), Z3
	VBROADCASTSD step+128(FP), Z4
	VBROADCASTSD ic2+136(FP), Z5
	VBROADCASTSD eps+144(FP), Z6

zadam_loop16:
	CMPQ    CX, $16
	JLT     zadam_loop8
	VMOVUPD (SI), Z7
	VMOVUPD 64(SI), Z11
	VMULPD  (R8), Z0, Z8
	VMULPD  64(R8), Z0, Z12
	VMULPD  Z7, Z1, Z10
	VMULPD  Z11, Z1, Z14
	VADDPD  Z10, Z8, Z8
	VADDPD  Z14, Z12, Z12
	VMOVUPD Z8, (R8)
	VMOVUPD Z12, 64(R8)
	VMULPD  Z7, Z3, Z10
	VMULPD  Z11, Z3, Z14
	VMULPD  Z7, Z10, Z10
	VMULPD  Z11, Z14, Z14
	VMULPD  (R9), Z2, Z9
	VMULPD  64(R9), Z2, Z13
	VADDPD  Z10, Z9, Z9
	VADDPD  Z14, Z13, Z13
	VMOVUPD Z9, (R9)
	VMOVUPD Z13, 64(R9)
	VMULPD  Z5, Z9, Z9
	VMULPD  Z5, Z13, Z13
	VSQRTPD Z9, Z9
	VSQRTPD Z13, Z13
	VADDPD  Z6, Z9, Z9
	VADDPD  Z6, Z13, Z13
	VMULPD  Z8, Z4, Z8
	VMULPD  Z12, Z4, Z12
	VDIVPD  Z9, Z8, Z8
	VDIVPD  Z13, Z12, Z12
	VMOVUPD (DI), Z7
	VMOVUPD 64(DI), Z11
	VSUBPD  Z8, Z7, Z7
	VSUBPD  Z12, Z11, Z11
	VMOVUPD Z7, (DI)
	VMOVUPD Z11, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	ADDQ    $128, R8
	ADDQ    $128, R9
	SUBQ    $16, CX
	JMP     zadam_loop16

zadam_loop8:
	CMPQ  CX, $8
	JLT   zadam_tail
	MOVL  $0xff, DX
	JMP   zadam_last

zadam_tail:
	TESTQ CX, CX
	JEQ   zadam_done
	MOVL  $1, DX
	SHLL  CX, DX
	DECL  DX

zadam_last:
	KMOVW     DX, K1
	VMOVUPD.Z (SI), K1, Z7
	VMOVUPD.Z (R8), K1, Z8
	VMOVUPD.Z (R9), K1, Z9
	VMULPD    Z8, Z0, Z8
	VMULPD    Z7, Z1, Z10
	VADDPD    Z10, Z8, Z8
	VMOVUPD   Z8, K1, (R8)
	VMULPD    Z7, Z3, Z10
	VMULPD    Z7, Z10, Z10
	VMULPD    Z9, Z2, Z9
	VADDPD    Z10, Z9, Z9
	VMOVUPD   Z9, K1, (R9)
	VMULPD    Z5, Z9, Z9
	VSQRTPD   Z9, Z9
	VADDPD    Z6, Z9, Z9
	VMULPD    Z8, Z4, Z8
	VDIVPD    Z9, Z8, Z8
	VMOVUPD.Z (DI), K1, Z7
	VSUBPD    Z8, Z7, Z7
	VMOVUPD   Z7, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	ADDQ      $64, R8
	ADDQ      $64, R9
	SUBQ      $8, CX
	JGT       zadam_tail

zadam_done:
	VZEROUPPER
	RET

// Constants of expShiftAVX512, broadcast into registers: those of
// expShiftAVX2 (vec_amd64.s), the same values in the same operations.
DATA expz<>+0(SB)/8, $0x3ff71547652b82fe   // log2(e)
DATA expz<>+8(SB)/8, $0x3fe62e42fee00000   // ln2 hi
DATA expz<>+16(SB)/8, $0x3dea39ef35793c76  // ln2 lo
DATA expz<>+24(SB)/8, $0x3fe0000000000000  // 0.5
DATA expz<>+32(SB)/8, $0x43380000000003ff  // 0x1.8p52 + 1023
DATA expz<>+40(SB)/8, $0x3de6124613a86d09  // 1/13!
DATA expz<>+48(SB)/8, $0x3e21eed8eff8d898  // 1/12!
DATA expz<>+56(SB)/8, $0x3e5ae64567f544e4  // 1/11!
DATA expz<>+64(SB)/8, $0x3e927e4fb7789f5c  // 1/10!
DATA expz<>+72(SB)/8, $0x3ec71de3a556c734  // 1/9!
DATA expz<>+80(SB)/8, $0x3efa01a01a01a01a  // 1/8!
DATA expz<>+88(SB)/8, $0x3f2a01a01a01a01a  // 1/7!
DATA expz<>+96(SB)/8, $0x3f56c16c16c16c17  // 1/6!
DATA expz<>+104(SB)/8, $0x3f81111111111111 // 1/5!
DATA expz<>+112(SB)/8, $0x3fa5555555555555 // 1/4!
DATA expz<>+120(SB)/8, $0x3fc5555555555555 // 1/3!
DATA expz<>+128(SB)/8, $0x3fe0000000000000 // 1/2!
DATA expz<>+136(SB)/8, $0x3ff0000000000000 // 1
DATA expz<>+144(SB)/8, $0xc087500000000000 // -746
DATA expz<>+152(SB)/8, $0x4086300000000000 // 710
GLOBL expz<>(SB), RODATA|NOPTR, $160

// EXPZ is vec_amd64.s's EXP on ZMM registers, its constants in registers:
// Z6 = 0x1.8p52+1023, Z7 = 0.5, Z10 = log2(e), Z13 = 710, Z14 = -746,
// Z16, Z17 = ln2 hi and lo, Z18-Z29 = 1/13! down to 1/2!, Z30 = 1.
// It clobbers T, K and W.
#define EXPZ(T, K, P, W) \
	VMAXPD       T, Z14, T; \
	VMINPD       T, Z13, T; \
	VMULPD       Z10, T, K; \
	VRNDSCALEPD  $0, K, K; \
	VFNMADD231PD Z16, K, T; \
	VFNMADD231PD Z17, K, T; \
	VMOVAPD      Z18, P; \
	VMULPD       T, T, W; \
	VFMADD213PD  Z19, T, P; \
	VFMADD213PD  Z20, T, P; \
	VFMADD213PD  Z21, T, P; \
	VFMADD213PD  Z22, T, P; \
	VFMADD213PD  Z23, T, P; \
	VFMADD213PD  Z24, T, P; \
	VFMADD213PD  Z25, T, P; \
	VFMADD213PD  Z26, T, P; \
	VFMADD213PD  Z27, T, P; \
	VFMADD213PD  Z28, T, P; \
	VFMADD213PD  Z29, T, P; \
	VFMADD213PD  T, W, P; \
	VADDPD       Z30, P, P; \
	VMULPD       Z7, K, T; \
	VRNDSCALEPD  $1, T, T; \
	VSUBPD       T, K, K; \
	VADDPD       Z6, T, T; \
	VADDPD       Z6, K, K; \
	VPSLLQ       $52, T, T; \
	VPSLLQ       $52, K, K; \
	VMULPD       T, P, P; \
	VMULPD       K, P, P

// func expShiftAVX512(dst, x []float64, shift float64) float64
//
// The exponentials are expShiftAVX2's, bit for bit. The sum is kept in 16
// partial sums (two ZMM accumulators), added together at the end; the last
// 1 to 7 elements go through a masked block (K1).
TEXT ·expShiftAVX512(SB), NOSPLIT, $0-64
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSD shift+48(FP), Z15
	VBROADCASTSD expz<>+0(SB), Z10
	VBROADCASTSD expz<>+8(SB), Z16
	VBROADCASTSD expz<>+16(SB), Z17
	VBROADCASTSD expz<>+24(SB), Z7
	VBROADCASTSD expz<>+32(SB), Z6
	VBROADCASTSD expz<>+40(SB), Z18
	VBROADCASTSD expz<>+48(SB), Z19
	VBROADCASTSD expz<>+56(SB), Z20
	VBROADCASTSD expz<>+64(SB), Z21
	VBROADCASTSD expz<>+72(SB), Z22
	VBROADCASTSD expz<>+80(SB), Z23
	VBROADCASTSD expz<>+88(SB), Z24
	VBROADCASTSD expz<>+96(SB), Z25
	VBROADCASTSD expz<>+104(SB), Z26
	VBROADCASTSD expz<>+112(SB), Z27
	VBROADCASTSD expz<>+120(SB), Z28
	VBROADCASTSD expz<>+128(SB), Z29
	VBROADCASTSD expz<>+136(SB), Z30
	VBROADCASTSD expz<>+144(SB), Z14
	VBROADCASTSD expz<>+152(SB), Z13
	VPXORQ       Z11, Z11, Z11
	VPXORQ       Z12, Z12, Z12

zex_loop16:
	CMPQ    CX, $16
	JLT     zex_loop8
	VMOVUPD (SI), Z0
	VMOVUPD 64(SI), Z3
	VSUBPD  Z15, Z0, Z0
	VSUBPD  Z15, Z3, Z3
	EXPZ(Z0, Z1, Z2, Z8)
	EXPZ(Z3, Z4, Z5, Z9)
	VMOVUPD Z2, (DI)
	VMOVUPD Z5, 64(DI)
	VADDPD  Z2, Z12, Z12
	VADDPD  Z5, Z11, Z11
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $16, CX
	JMP     zex_loop16

zex_loop8:
	CMPQ    CX, $8
	JLT     zex_tail
	VMOVUPD (SI), Z0
	VSUBPD  Z15, Z0, Z0
	EXPZ(Z0, Z1, Z2, Z8)
	VMOVUPD Z2, (DI)
	VADDPD  Z2, Z12, Z12
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX

zex_tail:
	TESTQ     CX, CX
	JEQ       zex_sum
	MOVL      $1, DX
	SHLL      CX, DX
	DECL      DX
	KMOVW     DX, K1
	VMOVUPD.Z (SI), K1, Z0
	VSUBPD    Z15, Z0, Z0
	EXPZ(Z0, Z1, Z2, Z8)
	VMOVUPD   Z2, K1, (DI)
	VADDPD    Z2, Z11, K1, Z11

zex_sum:
	VADDPD        Z11, Z12, Z12
	VEXTRACTF64X4 $1, Z12, Y0
	VADDPD        Y0, Y12, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VUNPCKHPD     X0, X0, X1
	VADDSD        X1, X0, X0
	VMOVSD        X0, ret+56(FP)
	VZEROUPPER
	RET
