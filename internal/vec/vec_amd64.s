//go:build !purego

#include "textflag.h"

// AVX2 kernels for vec_amd64.go. AddScaled, AddScaledRows, Add and Adam
// use only separately rounded VMULPD/VADDPD/VSUBPD/VDIVPD/VSQRTPD, in the
// order of the Go loops in vec_generic.go, so they give bit-identical
// results. Only ExpShift uses FMA.

// func addScaledAVX2(dst []float64, a float64, x []float64)
TEXT ·addScaledAVX2(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	VBROADCASTSD a+24(FP), Y0
	MOVQ         x_base+32(FP), SI
	MOVQ         x_len+40(FP), CX

as_loop16:
	CMPQ    CX, $16
	JLT     as_loop4
	VMULPD  (SI), Y0, Y1
	VMULPD  32(SI), Y0, Y2
	VMULPD  64(SI), Y0, Y3
	VMULPD  96(SI), Y0, Y4
	VADDPD  (DI), Y1, Y1
	VADDPD  32(DI), Y2, Y2
	VADDPD  64(DI), Y3, Y3
	VADDPD  96(DI), Y4, Y4
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	VMOVUPD Y3, 64(DI)
	VMOVUPD Y4, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $16, CX
	JMP     as_loop16

as_loop4:
	CMPQ    CX, $4
	JLT     as_tail
	VMULPD  (SI), Y0, Y1
	VADDPD  (DI), Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, CX
	JMP     as_loop4

as_tail:
	TESTQ CX, CX
	JEQ   as_done

as_tail1:
	VMULSD (SI), X0, X1
	VADDSD (DI), X1, X1
	VMOVSD X1, (DI)
	ADDQ   $8, SI
	ADDQ   $8, DI
	DECQ   CX
	JNE    as_tail1

as_done:
	VZEROUPPER
	RET

// func addScaledRowsAVX2(dst, src []float64, stride int, rows []int, scales []float64)
//
// dst is done in blocks of 48, 32, 16, 8 and 4 elements and a masked block
// of the last 1 to 3. A block of dst is held in Y0-Y11 while, for each k in
// turn, the block of row rows[k] (at SI + rows[k]*stride*8) is multiplied by
// the broadcast scales[k] (Y12) and added, VMULPD then VADDPD as
// addScaledAVX2 does per row, and is then stored. The caller has checked
// every row; dst does not overlap src.
//
//	DI	dst block		SI	src + the block's offset
//	CX	elements left		R11	stride*8
//	R8	rows			R9	scales
//	R10	len(rows) > 0		R12	k
//	AX	rows[k]*stride*8
TEXT ·addScaledRowsAVX2(SB), NOSPLIT, $0-104
	MOVQ  dst_base+0(FP), DI
	MOVQ  dst_len+8(FP), CX
	MOVQ  src_base+24(FP), SI
	MOVQ  stride+48(FP), R11
	SHLQ  $3, R11
	MOVQ  rows_base+56(FP), R8
	MOVQ  rows_len+64(FP), R10
	MOVQ  scales_base+80(FP), R9
	TESTQ R10, R10
	JEQ   asr_done

asr_48:
	CMPQ    CX, $48
	JLT     asr_32
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	VMOVUPD 128(DI), Y4
	VMOVUPD 160(DI), Y5
	VMOVUPD 192(DI), Y6
	VMOVUPD 224(DI), Y7
	VMOVUPD 256(DI), Y8
	VMOVUPD 288(DI), Y9
	VMOVUPD 320(DI), Y10
	VMOVUPD 352(DI), Y11
	XORQ    R12, R12
	PCALIGN $32

asr_48_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Y12
	VMULPD       0(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y0, Y0
	VMULPD       32(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y1, Y1
	VMULPD       64(SI)(AX*1), Y12, Y15
	VADDPD       Y15, Y2, Y2
	VMULPD       96(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y3, Y3
	VMULPD       128(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y4, Y4
	VMULPD       160(SI)(AX*1), Y12, Y15
	VADDPD       Y15, Y5, Y5
	VMULPD       192(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y6, Y6
	VMULPD       224(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y7, Y7
	VMULPD       256(SI)(AX*1), Y12, Y15
	VADDPD       Y15, Y8, Y8
	VMULPD       288(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y9, Y9
	VMULPD       320(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y10, Y10
	VMULPD       352(SI)(AX*1), Y12, Y15
	VADDPD       Y15, Y11, Y11
	INCQ         R12
	CMPQ         R12, R10
	JLT          asr_48_k
	VMOVUPD      Y0, 0(DI)
	VMOVUPD      Y1, 32(DI)
	VMOVUPD      Y2, 64(DI)
	VMOVUPD      Y3, 96(DI)
	VMOVUPD      Y4, 128(DI)
	VMOVUPD      Y5, 160(DI)
	VMOVUPD      Y6, 192(DI)
	VMOVUPD      Y7, 224(DI)
	VMOVUPD      Y8, 256(DI)
	VMOVUPD      Y9, 288(DI)
	VMOVUPD      Y10, 320(DI)
	VMOVUPD      Y11, 352(DI)
	ADDQ         $384, DI
	ADDQ         $384, SI
	SUBQ         $48, CX
	JMP          asr_48

asr_32:
	CMPQ    CX, $32
	JLT     asr_16
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	VMOVUPD 128(DI), Y4
	VMOVUPD 160(DI), Y5
	VMOVUPD 192(DI), Y6
	VMOVUPD 224(DI), Y7
	XORQ    R12, R12
	PCALIGN $32

asr_32_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Y12
	VMULPD       0(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y0, Y0
	VMULPD       32(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y1, Y1
	VMULPD       64(SI)(AX*1), Y12, Y15
	VADDPD       Y15, Y2, Y2
	VMULPD       96(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y3, Y3
	VMULPD       128(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y4, Y4
	VMULPD       160(SI)(AX*1), Y12, Y15
	VADDPD       Y15, Y5, Y5
	VMULPD       192(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y6, Y6
	VMULPD       224(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y7, Y7
	INCQ         R12
	CMPQ         R12, R10
	JLT          asr_32_k
	VMOVUPD      Y0, 0(DI)
	VMOVUPD      Y1, 32(DI)
	VMOVUPD      Y2, 64(DI)
	VMOVUPD      Y3, 96(DI)
	VMOVUPD      Y4, 128(DI)
	VMOVUPD      Y5, 160(DI)
	VMOVUPD      Y6, 192(DI)
	VMOVUPD      Y7, 224(DI)
	ADDQ         $256, DI
	ADDQ         $256, SI
	SUBQ         $32, CX

asr_16:
	CMPQ    CX, $16
	JLT     asr_8
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	XORQ    R12, R12
	PCALIGN $32

asr_16_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Y12
	VMULPD       0(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y0, Y0
	VMULPD       32(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y1, Y1
	VMULPD       64(SI)(AX*1), Y12, Y15
	VADDPD       Y15, Y2, Y2
	VMULPD       96(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y3, Y3
	INCQ         R12
	CMPQ         R12, R10
	JLT          asr_16_k
	VMOVUPD      Y0, 0(DI)
	VMOVUPD      Y1, 32(DI)
	VMOVUPD      Y2, 64(DI)
	VMOVUPD      Y3, 96(DI)
	ADDQ         $128, DI
	ADDQ         $128, SI
	SUBQ         $16, CX

asr_8:
	CMPQ    CX, $8
	JLT     asr_4
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	XORQ    R12, R12
	PCALIGN $32

asr_8_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Y12
	VMULPD       0(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y0, Y0
	VMULPD       32(SI)(AX*1), Y12, Y14
	VADDPD       Y14, Y1, Y1
	INCQ         R12
	CMPQ         R12, R10
	JLT          asr_8_k
	VMOVUPD      Y0, 0(DI)
	VMOVUPD      Y1, 32(DI)
	ADDQ         $64, DI
	ADDQ         $64, SI
	SUBQ         $8, CX

asr_4:
	CMPQ    CX, $4
	JLT     asr_tail
	VMOVUPD 0(DI), Y0
	XORQ    R12, R12
	PCALIGN $32

asr_4_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Y12
	VMULPD       0(SI)(AX*1), Y12, Y13
	VADDPD       Y13, Y0, Y0
	INCQ         R12
	CMPQ         R12, R10
	JLT          asr_4_k
	VMOVUPD      Y0, 0(DI)
	ADDQ         $32, DI
	ADDQ         $32, SI
	SUBQ         $4, CX

asr_tail:
	TESTQ      CX, CX
	JEQ        asr_done
	LEAQ       expc<>+640(SB), AX // lane masks, with expShiftAVX2's constants
	MOVQ       $4, DX
	SUBQ       CX, DX
	VMOVUPD    (AX)(DX*8), Y15
	VMASKMOVPD (DI), Y15, Y0
	XORQ       R12, R12

asr_tail_k:
	MOVQ         (R8)(R12*8), AX
	IMULQ        R11, AX
	VBROADCASTSD (R9)(R12*8), Y12
	VMASKMOVPD   (SI)(AX*1), Y15, Y13
	VMULPD       Y13, Y12, Y13
	VADDPD       Y13, Y0, Y0
	INCQ         R12
	CMPQ         R12, R10
	JLT          asr_tail_k
	VMASKMOVPD   Y0, Y15, (DI)

asr_done:
	VZEROUPPER
	RET

// func addAVX2(dst, x []float64)
TEXT ·addAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

ad_loop16:
	CMPQ    CX, $16
	JLT     ad_loop4
	VMOVUPD (SI), Y1
	VMOVUPD 32(SI), Y2
	VMOVUPD 64(SI), Y3
	VMOVUPD 96(SI), Y4
	VADDPD  (DI), Y1, Y1
	VADDPD  32(DI), Y2, Y2
	VADDPD  64(DI), Y3, Y3
	VADDPD  96(DI), Y4, Y4
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	VMOVUPD Y3, 64(DI)
	VMOVUPD Y4, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $16, CX
	JMP     ad_loop16

ad_loop4:
	CMPQ    CX, $4
	JLT     ad_tail
	VMOVUPD (SI), Y1
	VADDPD  (DI), Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, CX
	JMP     ad_loop4

ad_tail:
	TESTQ CX, CX
	JEQ   ad_done

ad_tail1:
	VMOVSD (SI), X1
	VADDSD (DI), X1, X1
	VMOVSD X1, (DI)
	ADDQ   $8, SI
	ADDQ   $8, DI
	DECQ   CX
	JNE    ad_tail1

ad_done:
	VZEROUPPER
	RET

// func adamAVX2(p, g, m, v []float64, b1, nb1, b2, nb2, step, ic2, eps float64)
//
// Per element, as adamGo:
//	m = b1*m + nb1*g
//	v = b2*v + (nb2*g)*g
//	p = p - (step*m) / (sqrt(v*ic2) + eps)
// with nb1 = 1-b1, nb2 = 1-b2 and ic2 = 1/c2 rounded by the caller.
TEXT ·adamAVX2(SB), NOSPLIT, $0-152
	MOVQ         p_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         m_base+48(FP), R8
	MOVQ         v_base+72(FP), R9
	VBROADCASTSD b1+96(FP), Y0
	VBROADCASTSD nb1+104(FP), Y1
	VBROADCASTSD b2+112(FP), Y2
	VBROADCASTSD nb2+120(FP), Y3
	VBROADCASTSD step+128(FP), Y4
	VBROADCASTSD ic2+136(FP), Y5
	VBROADCASTSD eps+144(FP), Y6

adam_loop8:
	CMPQ    CX, $8
	JLT     adam_loop4
	VMOVUPD (SI), Y7
	VMOVUPD 32(SI), Y11
	VMULPD  (R8), Y0, Y8
	VMULPD  32(R8), Y0, Y12
	VMULPD  Y7, Y1, Y10
	VMULPD  Y11, Y1, Y14
	VADDPD  Y10, Y8, Y8
	VADDPD  Y14, Y12, Y12
	VMOVUPD Y8, (R8)
	VMOVUPD Y12, 32(R8)
	VMULPD  Y7, Y3, Y10
	VMULPD  Y11, Y3, Y14
	VMULPD  Y7, Y10, Y10
	VMULPD  Y11, Y14, Y14
	VMULPD  (R9), Y2, Y9
	VMULPD  32(R9), Y2, Y13
	VADDPD  Y10, Y9, Y9
	VADDPD  Y14, Y13, Y13
	VMOVUPD Y9, (R9)
	VMOVUPD Y13, 32(R9)
	VMULPD  Y5, Y9, Y9
	VMULPD  Y5, Y13, Y13
	VSQRTPD Y9, Y9
	VSQRTPD Y13, Y13
	VADDPD  Y6, Y9, Y9
	VADDPD  Y6, Y13, Y13
	VMULPD  Y8, Y4, Y8
	VMULPD  Y12, Y4, Y12
	VDIVPD  Y9, Y8, Y8
	VDIVPD  Y13, Y12, Y12
	VMOVUPD (DI), Y7
	VMOVUPD 32(DI), Y11
	VSUBPD  Y8, Y7, Y7
	VSUBPD  Y12, Y11, Y11
	VMOVUPD Y7, (DI)
	VMOVUPD Y11, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, R8
	ADDQ    $64, R9
	SUBQ    $8, CX
	JMP     adam_loop8

adam_loop4:
	CMPQ    CX, $4
	JLT     adam_tail
	VMOVUPD (SI), Y7
	VMULPD  (R8), Y0, Y8
	VMULPD  Y7, Y1, Y10
	VADDPD  Y10, Y8, Y8
	VMOVUPD Y8, (R8)
	VMULPD  Y7, Y3, Y10
	VMULPD  Y7, Y10, Y10
	VMULPD  (R9), Y2, Y9
	VADDPD  Y10, Y9, Y9
	VMOVUPD Y9, (R9)
	VMULPD  Y5, Y9, Y9
	VSQRTPD Y9, Y9
	VADDPD  Y6, Y9, Y9
	VMULPD  Y8, Y4, Y8
	VDIVPD  Y9, Y8, Y8
	VMOVUPD (DI), Y7
	VSUBPD  Y8, Y7, Y7
	VMOVUPD Y7, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $4, CX
	JMP     adam_loop4

adam_tail:
	TESTQ CX, CX
	JEQ   adam_done

adam_tail1:
	VMOVSD  (SI), X7
	VMULSD  (R8), X0, X8
	VMULSD  X7, X1, X10
	VADDSD  X10, X8, X8
	VMOVSD  X8, (R8)
	VMULSD  X7, X3, X10
	VMULSD  X7, X10, X10
	VMULSD  (R9), X2, X9
	VADDSD  X10, X9, X9
	VMOVSD  X9, (R9)
	VMULSD  X5, X9, X9
	VSQRTSD X9, X9, X9
	VADDSD  X6, X9, X9
	VMULSD  X8, X4, X8
	VDIVSD  X9, X8, X8
	VMOVSD  (DI), X7
	VSUBSD  X8, X7, X7
	VMOVSD  X7, (DI)
	ADDQ    $8, SI
	ADDQ    $8, DI
	ADDQ    $8, R8
	ADDQ    $8, R9
	DECQ    CX
	JNE     adam_tail1

adam_done:
	VZEROUPPER
	RET

// Constants of expShiftAVX2, each repeated in the four lanes of a YMM so
// that it can be a memory operand. The polynomial is the Taylor series of
// exp to degree 13: on |r| ≤ ln2/2 its truncation error is below 5e-18.
#define EXPC(off, bits) DATA expc<>+(off)(SB)/8, $bits; DATA expc<>+(off+8)(SB)/8, $bits; DATA expc<>+(off+16)(SB)/8, $bits; DATA expc<>+(off+24)(SB)/8, $bits

EXPC(0, 0x3ff71547652b82fe)   // log2(e)
EXPC(32, 0x3fe62e42fee00000)  // ln2 hi: 6.93147180369123816490e-01, as in math.Exp
EXPC(64, 0x3dea39ef35793c76)  // ln2 lo: 1.90821492927058770002e-10
EXPC(96, 0x3fe0000000000000)  // 0.5
EXPC(128, 0x43380000000003ff) // 0x1.8p52 + 1023: n + this has n+1023 in its low bits
EXPC(160, 0x3de6124613a86d09) // 1/13!
EXPC(192, 0x3e21eed8eff8d898) // 1/12!
EXPC(224, 0x3e5ae64567f544e4) // 1/11!
EXPC(256, 0x3e927e4fb7789f5c) // 1/10!
EXPC(288, 0x3ec71de3a556c734) // 1/9!
EXPC(320, 0x3efa01a01a01a01a) // 1/8!
EXPC(352, 0x3f2a01a01a01a01a) // 1/7!
EXPC(384, 0x3f56c16c16c16c17) // 1/6!
EXPC(416, 0x3f81111111111111) // 1/5!
EXPC(448, 0x3fa5555555555555) // 1/4!
EXPC(480, 0x3fc5555555555555) // 1/3!
EXPC(512, 0x3fe0000000000000) // 1/2!
EXPC(544, 0x3ff0000000000000) // 1
EXPC(576, 0xc087500000000000) // -746: exp is 0 below -745.14
EXPC(608, 0x4086300000000000) // 710: exp is +Inf above 709.79

// Lane masks for the last 1 to 3 elements: k lanes from expc<>+640+8*(4-k).
DATA expc<>+640(SB)/8, $-1
DATA expc<>+648(SB)/8, $-1
DATA expc<>+656(SB)/8, $-1
DATA expc<>+664(SB)/8, $-1
DATA expc<>+672(SB)/8, $0
DATA expc<>+680(SB)/8, $0
DATA expc<>+688(SB)/8, $0
DATA expc<>+696(SB)/8, $0
GLOBL expc<>(SB), RODATA|NOPTR, $704

// EXP computes P = exp(T) lane-wise, clobbering T, K and W. It expects
// Y6 = 0x1.8p52+1023, Y7 = 0.5, Y10 = log2(e), Y13 = 710, Y14 = -746.
//
// T is clamped to [-746, 710] (VMAXPD and VMINPD return their second
// source, T, when it is NaN, so NaN goes through). With k = round(T·log2 e)
// and r = T - k·ln2 (Cody-Waite, two FMAs), exp(T) = 2^k·exp(r), and
// exp(r) = 1 + (r + r²·s(r)), s evaluated by Horner's rule from 1/13! down
// to 1/2!; adding the 1 last keeps the rounding error near half an ulp.
// The scale is applied in two exact halves, 2^floor(k/2) and then
// 2^(k-floor(k/2)), both normal for k in [-1076, 1025], so the last product
// rounds once into the subnormal range or overflows to +Inf.
#define EXP(T, K, P, W) \
	VMAXPD       T, Y14, T; \
	VMINPD       T, Y13, T; \
	VMULPD       Y10, T, K; \
	VROUNDPD     $0, K, K; \
	VFNMADD231PD expc<>+32(SB), K, T; \
	VFNMADD231PD expc<>+64(SB), K, T; \
	VMOVUPD      expc<>+160(SB), P; \
	VMULPD       T, T, W; \
	VFMADD213PD  expc<>+192(SB), T, P; \
	VFMADD213PD  expc<>+224(SB), T, P; \
	VFMADD213PD  expc<>+256(SB), T, P; \
	VFMADD213PD  expc<>+288(SB), T, P; \
	VFMADD213PD  expc<>+320(SB), T, P; \
	VFMADD213PD  expc<>+352(SB), T, P; \
	VFMADD213PD  expc<>+384(SB), T, P; \
	VFMADD213PD  expc<>+416(SB), T, P; \
	VFMADD213PD  expc<>+448(SB), T, P; \
	VFMADD213PD  expc<>+480(SB), T, P; \
	VFMADD213PD  expc<>+512(SB), T, P; \
	VFMADD213PD  T, W, P; \
	VADDPD       expc<>+544(SB), P, P; \
	VMULPD       Y7, K, T; \
	VROUNDPD     $1, T, T; \
	VSUBPD       T, K, K; \
	VADDPD       Y6, T, T; \
	VADDPD       Y6, K, K; \
	VPSLLQ       $52, T, T; \
	VPSLLQ       $52, K, K; \
	VMULPD       T, P, P; \
	VMULPD       K, P, P

// func expShiftAVX2(dst, x []float64, shift float64) float64
//
// The sum is kept in eight partial sums (two YMM accumulators), added
// together at the end; the last 1 to 3 elements go through masked loads and
// stores.
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-64
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSD shift+48(FP), Y15
	VMOVUPD      expc<>+128(SB), Y6
	VMOVUPD      expc<>+96(SB), Y7
	VMOVUPD      expc<>+0(SB), Y10
	VMOVUPD      expc<>+608(SB), Y13
	VMOVUPD      expc<>+576(SB), Y14
	VXORPD       Y11, Y11, Y11
	VXORPD       Y12, Y12, Y12

ex_loop8:
	CMPQ    CX, $8
	JLT     ex_loop4
	VMOVUPD (SI), Y0
	VMOVUPD 32(SI), Y3
	VSUBPD  Y15, Y0, Y0
	VSUBPD  Y15, Y3, Y3
	EXP(Y0, Y1, Y2, Y8)
	EXP(Y3, Y4, Y5, Y9)
	VMOVUPD Y2, (DI)
	VMOVUPD Y5, 32(DI)
	VADDPD  Y2, Y12, Y12
	VADDPD  Y5, Y11, Y11
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX
	JMP     ex_loop8

ex_loop4:
	CMPQ    CX, $4
	JLT     ex_tail
	VMOVUPD (SI), Y0
	VSUBPD  Y15, Y0, Y0
	EXP(Y0, Y1, Y2, Y8)
	VMOVUPD Y2, (DI)
	VADDPD  Y2, Y12, Y12
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, CX

ex_tail:
	TESTQ      CX, CX
	JEQ        ex_sum
	LEAQ       expc<>+640(SB), AX
	MOVQ       $4, DX
	SUBQ       CX, DX
	VMOVUPD    (AX)(DX*8), Y3
	VMASKMOVPD (SI), Y3, Y0
	VSUBPD     Y15, Y0, Y0
	EXP(Y0, Y1, Y2, Y8)
	VMASKMOVPD Y2, Y3, (DI)
	VANDPD     Y3, Y2, Y2
	VADDPD     Y2, Y12, Y12

ex_sum:
	VADDPD       Y11, Y12, Y12
	VEXTRACTF128 $1, Y12, X0
	VADDPD       X0, X12, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+56(FP)
	VZEROUPPER
	RET

DATA negInf<>+0(SB)/8, $0xfff0000000000000
GLOBL negInf<>(SB), RODATA|NOPTR, $8

// func maxAVX2(x []float64) float64
//
// The maximum of x, −Inf if x is empty, NaN if x holds a NaN. Which zero it
// returns for a maximum of ±0 is unspecified; maxOf sorts that out.
TEXT ·maxAVX2(SB), NOSPLIT, $0-32
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSD negInf<>+0(SB), Y0
	VMOVAPD      Y0, Y1
	VMOVAPD      Y0, Y2
	VMOVAPD      Y0, Y3
	VXORPD       Y4, Y4, Y4
	XORQ         DX, DX

mx_loop16:
	CMPQ    CX, $16
	JLT     mx_loop4
	VMOVUPD (SI), Y5
	VMOVUPD 32(SI), Y6
	VMOVUPD 64(SI), Y7
	VMOVUPD 96(SI), Y8
	VMAXPD  Y5, Y0, Y0
	VMAXPD  Y6, Y1, Y1
	VMAXPD  Y7, Y2, Y2
	VMAXPD  Y8, Y3, Y3
	VCMPPD  $3, Y5, Y6, Y9
	VCMPPD  $3, Y7, Y8, Y10
	VORPD   Y9, Y4, Y4
	VORPD   Y10, Y4, Y4
	ADDQ    $128, SI
	SUBQ    $16, CX
	JMP     mx_loop16

mx_loop4:
	CMPQ    CX, $4
	JLT     mx_reduce
	VMOVUPD (SI), Y5
	VMAXPD  Y5, Y0, Y0
	VCMPPD  $3, Y5, Y5, Y9
	VORPD   Y9, Y4, Y4
	ADDQ    $32, SI
	SUBQ    $4, CX
	JMP     mx_loop4

mx_reduce:
	VMAXPD       Y1, Y0, Y0
	VMAXPD       Y3, Y2, Y2
	VMAXPD       Y2, Y0, Y0
	VMOVMSKPD    Y4, DX
	VEXTRACTF128 $1, Y0, X1
	VMAXPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VMAXSD       X1, X0, X0
	TESTQ        CX, CX
	JEQ          mx_done

mx_tail1:
	VMOVSD   (SI), X5
	VUCOMISD X5, X5
	JPS      mx_nan
	VMAXSD   X5, X0, X0
	ADDQ     $8, SI
	DECQ     CX
	JNE      mx_tail1

mx_done:
	TESTQ  DX, DX
	JNE    mx_nan
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

mx_nan:
	MOVQ $0x7ff8000000000001, AX
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET
