//go:build !purego

#include "textflag.h"

// AVX2/FMA and AVX-512F kernels for tanh_amd64.go.

// Constants of tanhAVX2, each repeated in the four lanes of a YMM so that
// it can be a memory operand. The exponential's polynomial is ExpShift's:
// the Taylor series of exp to degree 13, whose truncation error on
// |r| ≤ ln2/2 is below 5e-18. P and Q are math.Tanh's (Cephes).
#define TANHC(off, bits) DATA tanhc<>+(off)(SB)/8, $bits; DATA tanhc<>+(off+8)(SB)/8, $bits; DATA tanhc<>+(off+16)(SB)/8, $bits; DATA tanhc<>+(off+24)(SB)/8, $bits

TANHC(0, 0x7fffffffffffffff)   // mask of all but the sign bit
TANHC(32, 0x3fe4000000000000)  // 0.625: below it, the rational function
TANHC(64, 0x4046000000000000)  // 44: 2|x| is clamped to it, tanh(22) rounds to 1
TANHC(96, 0x3ff71547652b82fe)  // log2(e)
TANHC(128, 0x3fe62e42fee00000) // ln2 hi, as in math.Exp
TANHC(160, 0x3dea39ef35793c76) // ln2 lo
TANHC(192, 0x43380000000003ff) // 0x1.8p52 + 1023: n + this has n+1023 in its low bits
TANHC(224, 0x3de6124613a86d09) // 1/13!
TANHC(256, 0x3e21eed8eff8d898) // 1/12!
TANHC(288, 0x3e5ae64567f544e4) // 1/11!
TANHC(320, 0x3e927e4fb7789f5c) // 1/10!
TANHC(352, 0x3ec71de3a556c734) // 1/9!
TANHC(384, 0x3efa01a01a01a01a) // 1/8!
TANHC(416, 0x3f2a01a01a01a01a) // 1/7!
TANHC(448, 0x3f56c16c16c16c17) // 1/6!
TANHC(480, 0x3f81111111111111) // 1/5!
TANHC(512, 0x3fa5555555555555) // 1/4!
TANHC(544, 0x3fc5555555555555) // 1/3!
TANHC(576, 0x3fe0000000000000) // 1/2!, and 0.5
TANHC(608, 0x3ff0000000000000) // 1
TANHC(640, 0x4000000000000000) // 2
TANHC(672, 0xbfeedc5baafd6f4b) // P0 -9.64399179425052238628e-1
TANHC(704, 0xc058d26a0e26682d) // P1 -9.92877231001918586564e1
TANHC(736, 0xc0993ac030580563) // P2 -1.61468768441708447952e3
TANHC(768, 0x405c33f28a581b86) // Q0 1.12811678491632931402e2
TANHC(800, 0x40a176fa0e5535fa) // Q1 2.23548839060100448583e3
TANHC(832, 0x40b2ec102442040c) // Q2 4.84406305325125486048e3

// Lane masks for the last 1 to 3 elements: k lanes from tanhc<>+864+8*(4-k).
DATA tanhc<>+864(SB)/8, $-1
DATA tanhc<>+872(SB)/8, $-1
DATA tanhc<>+880(SB)/8, $-1
DATA tanhc<>+888(SB)/8, $-1
DATA tanhc<>+896(SB)/8, $0
DATA tanhc<>+904(SB)/8, $0
DATA tanhc<>+912(SB)/8, $0
DATA tanhc<>+920(SB)/8, $0
GLOBL tanhc<>(SB), RODATA|NOPTR, $928

// TANH computes Y13 = tanh(Y0) lane-wise, clobbering Y1 to Y14. It
// expects Y15 = 44.
//
// With a = |x|, s = a²:
//   a < 0.625:  num = a·s·P(s), den = Q(s), tanh a = a + num/den.
//   otherwise:  T = min(2a, 44) (NaN goes through: VMINPD returns its
//               second source, T, when that is NaN), k = round(T·log2 e),
//               r = T − k·ln2 (Cody-Waite), p = e^r − 1 = r + r²·s(r);
//               e^T + 1 = 2^k·w exactly, w = (1+2^−k) + p, w_err its
//               rounding error (Fast2Sum, 1+2^−k ≥ 1 > |p|);
//               num = 2, den = d = 2^k·w, q = num/den,
//               q' = q + (2 − q·d − q·2^k·w_err)·q/2 (FMA residual),
//               tanh a = 1 − q', the rounding error of 1 − q added back.
// The sign of x is ored back in.
#define TANH \
	VANDPD       tanhc<>+0(SB), Y0, Y1; \
	VXORPD       Y1, Y0, Y2; \
	VCMPPD       $1, tanhc<>+32(SB), Y1, Y3; \
	VMULPD       Y1, Y1, Y4; \
	VMOVUPD      tanhc<>+672(SB), Y5; \
	VFMADD213PD  tanhc<>+704(SB), Y4, Y5; \
	VFMADD213PD  tanhc<>+736(SB), Y4, Y5; \
	VMULPD       Y4, Y5, Y5; \
	VMULPD       Y1, Y5, Y5; \
	VADDPD       tanhc<>+768(SB), Y4, Y6; \
	VFMADD213PD  tanhc<>+800(SB), Y4, Y6; \
	VFMADD213PD  tanhc<>+832(SB), Y4, Y6; \
	VADDPD       Y1, Y1, Y7; \
	VMINPD       Y7, Y15, Y7; \
	VMULPD       tanhc<>+96(SB), Y7, Y8; \
	VROUNDPD     $0, Y8, Y8; \
	VFNMADD231PD tanhc<>+128(SB), Y8, Y7; \
	VFNMADD231PD tanhc<>+160(SB), Y8, Y7; \
	VMOVUPD      tanhc<>+224(SB), Y9; \
	VMULPD       Y7, Y7, Y10; \
	VFMADD213PD  tanhc<>+256(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+288(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+320(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+352(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+384(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+416(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+448(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+480(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+512(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+544(SB), Y7, Y9; \
	VFMADD213PD  tanhc<>+576(SB), Y7, Y9; \
	VFMADD213PD  Y7, Y10, Y9; \
	VADDPD       tanhc<>+192(SB), Y8, Y10; \
	VPSLLQ       $52, Y10, Y10; \
	VMOVUPD      tanhc<>+192(SB), Y11; \
	VSUBPD       Y8, Y11, Y11; \
	VPSLLQ       $52, Y11, Y11; \
	VADDPD       tanhc<>+608(SB), Y11, Y11; \
	VADDPD       Y9, Y11, Y12; \
	VSUBPD       Y12, Y11, Y11; \
	VADDPD       Y9, Y11, Y11; \
	VMULPD       Y10, Y12, Y12; \
	VMULPD       Y10, Y11, Y11; \
	VMOVUPD      tanhc<>+640(SB), Y7; \
	VBLENDVPD    Y3, Y5, Y7, Y7; \
	VBLENDVPD    Y3, Y6, Y12, Y8; \
	VDIVPD       Y8, Y7, Y9; \
	VMOVAPD      Y7, Y10; \
	VFNMADD231PD Y9, Y8, Y10; \
	VFNMADD231PD Y9, Y11, Y10; \
	VMULPD       tanhc<>+576(SB), Y9, Y12; \
	VMULPD       Y12, Y10, Y10; \
	VMOVUPD      tanhc<>+608(SB), Y12; \
	VSUBPD       Y9, Y12, Y13; \
	VSUBPD       Y13, Y12, Y12; \
	VSUBPD       Y9, Y12, Y12; \
	VSUBPD       Y10, Y12, Y12; \
	VADDPD       Y12, Y13, Y13; \
	VADDPD       Y9, Y1, Y14; \
	VBLENDVPD    Y3, Y14, Y13, Y13; \
	VORPD        Y2, Y13, Y13

// func tanhAVX2(dst, x []float64)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-48
	MOVQ    dst_base+0(FP), DI
	MOVQ    x_base+24(FP), SI
	MOVQ    x_len+32(FP), CX
	VMOVUPD tanhc<>+64(SB), Y15

th_loop4:
	CMPQ    CX, $4
	JLT     th_tail
	VMOVUPD (SI), Y0
	TANH
	VMOVUPD Y13, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, CX
	JMP     th_loop4

th_tail:
	TESTQ      CX, CX
	JEQ        th_done
	LEAQ       tanhc<>+864(SB), AX
	MOVQ       $4, DX
	SUBQ       CX, DX
	VMOVUPD    (AX)(DX*8), Y14
	VMASKMOVPD (SI), Y14, Y0
	TANH
	VMOVUPD    (AX)(DX*8), Y14
	VMASKMOVPD Y13, Y14, (DI)

th_done:
	VZEROUPPER
	RET

// func tanhGradAVX2(d, y []float64)
//
// d = d * (1 - y*y), each operation rounded, as tanhGradGo.
TEXT ·tanhGradAVX2(SB), NOSPLIT, $0-48
	MOVQ         d_base+0(FP), DI
	MOVQ         d_len+8(FP), CX
	MOVQ         y_base+24(FP), SI
	VBROADCASTSD tanhc<>+608(SB), Y15

tg_loop16:
	CMPQ    CX, $16
	JLT     tg_loop4
	VMOVUPD (SI), Y1
	VMOVUPD 32(SI), Y2
	VMOVUPD 64(SI), Y3
	VMOVUPD 96(SI), Y4
	VMULPD  Y1, Y1, Y1
	VMULPD  Y2, Y2, Y2
	VMULPD  Y3, Y3, Y3
	VMULPD  Y4, Y4, Y4
	VSUBPD  Y1, Y15, Y1
	VSUBPD  Y2, Y15, Y2
	VSUBPD  Y3, Y15, Y3
	VSUBPD  Y4, Y15, Y4
	VMULPD  (DI), Y1, Y1
	VMULPD  32(DI), Y2, Y2
	VMULPD  64(DI), Y3, Y3
	VMULPD  96(DI), Y4, Y4
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	VMOVUPD Y3, 64(DI)
	VMOVUPD Y4, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $16, CX
	JMP     tg_loop16

tg_loop4:
	CMPQ    CX, $4
	JLT     tg_tail
	VMOVUPD (SI), Y1
	VMULPD  Y1, Y1, Y1
	VSUBPD  Y1, Y15, Y1
	VMULPD  (DI), Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, CX
	JMP     tg_loop4

tg_tail:
	TESTQ CX, CX
	JEQ   tg_done

tg_tail1:
	VMOVSD (SI), X1
	VMULSD X1, X1, X1
	VSUBSD X1, X15, X1
	VMULSD (DI), X1, X1
	VMOVSD X1, (DI)
	ADDQ   $8, SI
	ADDQ   $8, DI
	DECQ   CX
	JNE    tg_tail1

tg_done:
	VZEROUPPER
	RET

// TANH512 is TANH on eight lanes with AVX-512F, in registers R0 to R14 and
// mask register KM: R13 = tanh(R0). It expects Z15 = 44. The operations
// are TANH's, in the same order, so each lane gets the same bits.
#define TANH512(R0, R1, R2, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13, R14, KM) \
	VPANDQ.BCST       tanhc<>+0(SB), R0, R1; \
	VPXORQ            R1, R0, R2; \
	VCMPPD.BCST       $1, tanhc<>+32(SB), R1, KM; \
	VMULPD            R1, R1, R4; \
	VBROADCASTSD      tanhc<>+672(SB), R5; \
	VFMADD213PD.BCST  tanhc<>+704(SB), R4, R5; \
	VFMADD213PD.BCST  tanhc<>+736(SB), R4, R5; \
	VMULPD            R4, R5, R5; \
	VMULPD            R1, R5, R5; \
	VADDPD.BCST       tanhc<>+768(SB), R4, R6; \
	VFMADD213PD.BCST  tanhc<>+800(SB), R4, R6; \
	VFMADD213PD.BCST  tanhc<>+832(SB), R4, R6; \
	VADDPD            R1, R1, R7; \
	VMINPD            R7, Z15, R7; \
	VMULPD.BCST       tanhc<>+96(SB), R7, R8; \
	VRNDSCALEPD       $0, R8, R8; \
	VFNMADD231PD.BCST tanhc<>+128(SB), R8, R7; \
	VFNMADD231PD.BCST tanhc<>+160(SB), R8, R7; \
	VBROADCASTSD      tanhc<>+224(SB), R9; \
	VMULPD            R7, R7, R10; \
	VFMADD213PD.BCST  tanhc<>+256(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+288(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+320(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+352(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+384(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+416(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+448(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+480(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+512(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+544(SB), R7, R9; \
	VFMADD213PD.BCST  tanhc<>+576(SB), R7, R9; \
	VFMADD213PD       R7, R10, R9; \
	VADDPD.BCST       tanhc<>+192(SB), R8, R10; \
	VPSLLQ            $52, R10, R10; \
	VBROADCASTSD      tanhc<>+192(SB), R11; \
	VSUBPD            R8, R11, R11; \
	VPSLLQ            $52, R11, R11; \
	VADDPD.BCST       tanhc<>+608(SB), R11, R11; \
	VADDPD            R9, R11, R12; \
	VSUBPD            R12, R11, R11; \
	VADDPD            R9, R11, R11; \
	VMULPD            R10, R12, R12; \
	VMULPD            R10, R11, R11; \
	VBROADCASTSD      tanhc<>+640(SB), R7; \
	VBLENDMPD         R5, R7, KM, R7; \
	VBLENDMPD         R6, R12, KM, R8; \
	VDIVPD            R8, R7, R9; \
	VMOVAPD           R7, R10; \
	VFNMADD231PD      R9, R8, R10; \
	VFNMADD231PD      R9, R11, R10; \
	VMULPD.BCST       tanhc<>+576(SB), R9, R12; \
	VMULPD            R12, R10, R10; \
	VBROADCASTSD      tanhc<>+608(SB), R12; \
	VSUBPD            R9, R12, R13; \
	VSUBPD            R13, R12, R12; \
	VSUBPD            R9, R12, R12; \
	VSUBPD            R10, R12, R12; \
	VADDPD            R12, R13, R13; \
	VADDPD            R9, R1, R14; \
	VBLENDMPD         R14, R13, KM, R13; \
	VPORQ             R2, R13, R13

// func tanhAVX512(dst, x []float64)
//
// Sixteen elements per iteration in two independent chains (Z0-Z14 and
// Z16-Z30), then eight, then the last 1 to 7 under a mask.
TEXT ·tanhAVX512(SB), NOSPLIT, $0-48
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSD tanhc<>+64(SB), Z15

t5_loop16:
	CMPQ    CX, $16
	JLT     t5_loop8
	VMOVUPD (SI), Z0
	VMOVUPD 64(SI), Z16
	TANH512(Z0, Z1, Z2, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, K1)
	TANH512(Z16, Z17, Z18, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, K2)
	VMOVUPD Z13, (DI)
	VMOVUPD Z29, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $16, CX
	JMP     t5_loop16

t5_loop8:
	CMPQ    CX, $8
	JLT     t5_tail
	VMOVUPD (SI), Z0
	TANH512(Z0, Z1, Z2, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, K1)
	VMOVUPD Z13, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX

t5_tail:
	TESTQ     CX, CX
	JEQ       t5_done
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K3
	VMOVUPD.Z (SI), K3, Z0
	TANH512(Z0, Z1, Z2, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, K1)
	VMOVUPD   Z13, K3, (DI)

t5_done:
	VZEROUPPER
	RET
