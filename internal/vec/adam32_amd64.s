//go:build !purego

#include "textflag.h"

// Adam32 kernels for adam32_amd64.go: adamAVX2 and adamAVX512 with the
// moments widened from float32 by VCVTPS2PD (exact) and narrowed back by
// VCVTPD2PS (rounded to nearest under Go's MXCSR, as Go's float32
// conversion). Only separately rounded VMULPD/VADDPD/VSUBPD/VDIVPD/VSQRTPD,
// in the order of adam32Go, so the results are bit-identical to it.

// func adam32AVX2(p, g []float64, m, v []float32, b1, nb1, b2, nb2, step, ic2, eps float64)
//
// Per element, as adam32Go:
//	mm = b1*m + nb1*g;  m = float32(mm)
//	vv = b2*v + (nb2*g)*g;  v = float32(vv)
//	p = p - (step*mm) / (sqrt(vv*ic2) + eps)
// with nb1 = 1-b1, nb2 = 1-b2 and ic2 = 1/c2 rounded by the caller.
// Eight elements at a time, then four, then one by one.
TEXT ·adam32AVX2(SB), NOSPLIT, $0-152
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

a32_loop8:
	CMPQ       CX, $8
	JLT        a32_loop4
	VMOVUPD    (SI), Y7
	VMOVUPD    32(SI), Y11
	VCVTPS2PD  (R8), Y8
	VCVTPS2PD  16(R8), Y12
	VCVTPS2PD  (R9), Y9
	VCVTPS2PD  16(R9), Y13
	VMULPD     Y8, Y0, Y8
	VMULPD     Y12, Y0, Y12
	VMULPD     Y7, Y1, Y10
	VMULPD     Y11, Y1, Y14
	VADDPD     Y10, Y8, Y8
	VADDPD     Y14, Y12, Y12
	VCVTPD2PSY Y8, X10
	VCVTPD2PSY Y12, X14
	VMOVUPS    X10, (R8)
	VMOVUPS    X14, 16(R8)
	VMULPD     Y7, Y3, Y10
	VMULPD     Y11, Y3, Y14
	VMULPD     Y7, Y10, Y10
	VMULPD     Y11, Y14, Y14
	VMULPD     Y9, Y2, Y9
	VMULPD     Y13, Y2, Y13
	VADDPD     Y10, Y9, Y9
	VADDPD     Y14, Y13, Y13
	VCVTPD2PSY Y9, X10
	VCVTPD2PSY Y13, X14
	VMOVUPS    X10, (R9)
	VMOVUPS    X14, 16(R9)
	VMULPD     Y5, Y9, Y9
	VMULPD     Y5, Y13, Y13
	VSQRTPD    Y9, Y9
	VSQRTPD    Y13, Y13
	VADDPD     Y6, Y9, Y9
	VADDPD     Y6, Y13, Y13
	VMULPD     Y8, Y4, Y8
	VMULPD     Y12, Y4, Y12
	VDIVPD     Y9, Y8, Y8
	VDIVPD     Y13, Y12, Y12
	VMOVUPD    (DI), Y7
	VMOVUPD    32(DI), Y11
	VSUBPD     Y8, Y7, Y7
	VSUBPD     Y12, Y11, Y11
	VMOVUPD    Y7, (DI)
	VMOVUPD    Y11, 32(DI)
	ADDQ       $64, SI
	ADDQ       $64, DI
	ADDQ       $32, R8
	ADDQ       $32, R9
	SUBQ       $8, CX
	JMP        a32_loop8

a32_loop4:
	CMPQ       CX, $4
	JLT        a32_tail
	VMOVUPD    (SI), Y7
	VCVTPS2PD  (R8), Y8
	VCVTPS2PD  (R9), Y9
	VMULPD     Y8, Y0, Y8
	VMULPD     Y7, Y1, Y10
	VADDPD     Y10, Y8, Y8
	VCVTPD2PSY Y8, X10
	VMOVUPS    X10, (R8)
	VMULPD     Y7, Y3, Y10
	VMULPD     Y7, Y10, Y10
	VMULPD     Y9, Y2, Y9
	VADDPD     Y10, Y9, Y9
	VCVTPD2PSY Y9, X10
	VMOVUPS    X10, (R9)
	VMULPD     Y5, Y9, Y9
	VSQRTPD    Y9, Y9
	VADDPD     Y6, Y9, Y9
	VMULPD     Y8, Y4, Y8
	VDIVPD     Y9, Y8, Y8
	VMOVUPD    (DI), Y7
	VSUBPD     Y8, Y7, Y7
	VMOVUPD    Y7, (DI)
	ADDQ       $32, SI
	ADDQ       $32, DI
	ADDQ       $16, R8
	ADDQ       $16, R9
	SUBQ       $4, CX

a32_tail:
	TESTQ    CX, CX
	JEQ      a32_done

a32_tail1:
	VMOVSD   (SI), X7
	VMOVSS   (R8), X8
	VMOVSS   (R9), X9
	VCVTSS2SD X8, X8, X8
	VCVTSS2SD X9, X9, X9
	VMULSD   X8, X0, X8
	VMULSD   X7, X1, X10
	VADDSD   X10, X8, X8
	VCVTSD2SS X8, X8, X10
	VMOVSS   X10, (R8)
	VMULSD   X7, X3, X10
	VMULSD   X7, X10, X10
	VMULSD   X9, X2, X9
	VADDSD   X10, X9, X9
	VCVTSD2SS X9, X9, X10
	VMOVSS   X10, (R9)
	VMULSD   X5, X9, X9
	VSQRTSD  X9, X9, X9
	VADDSD   X6, X9, X9
	VMULSD   X8, X4, X8
	VDIVSD   X9, X8, X8
	VMOVSD   (DI), X7
	VSUBSD   X8, X7, X7
	VMOVSD   X7, (DI)
	ADDQ     $8, SI
	ADDQ     $8, DI
	ADDQ     $4, R8
	ADDQ     $4, R9
	DECQ     CX
	JNE      a32_tail1

a32_done:
	VZEROUPPER
	RET

// func adam32AVX512(p, g []float64, m, v []float32, b1, nb1, b2, nb2, step, ic2, eps float64)
//
// As adam32AVX2, sixteen elements at a time, then eight, then a masked
// block (K1) of the last 1 to 7: its loads are masked (no access past the
// ends), its masked-off lanes compute on zeros and are not stored. AVX-512F
// only: the float32 halves live in the low 256 bits of Z registers.
TEXT ·adam32AVX512(SB), NOSPLIT, $0-152
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

z32_loop16:
	CMPQ      CX, $16
	JLT       z32_loop8
	VMOVUPD   (SI), Z7
	VMOVUPD   64(SI), Z11
	VCVTPS2PD (R8), Z8
	VCVTPS2PD 32(R8), Z12
	VCVTPS2PD (R9), Z9
	VCVTPS2PD 32(R9), Z13
	VMULPD    Z8, Z0, Z8
	VMULPD    Z12, Z0, Z12
	VMULPD    Z7, Z1, Z10
	VMULPD    Z11, Z1, Z14
	VADDPD    Z10, Z8, Z8
	VADDPD    Z14, Z12, Z12
	VCVTPD2PS Z8, Y10
	VCVTPD2PS Z12, Y14
	VMOVUPS   Y10, (R8)
	VMOVUPS   Y14, 32(R8)
	VMULPD    Z7, Z3, Z10
	VMULPD    Z11, Z3, Z14
	VMULPD    Z7, Z10, Z10
	VMULPD    Z11, Z14, Z14
	VMULPD    Z9, Z2, Z9
	VMULPD    Z13, Z2, Z13
	VADDPD    Z10, Z9, Z9
	VADDPD    Z14, Z13, Z13
	VCVTPD2PS Z9, Y10
	VCVTPD2PS Z13, Y14
	VMOVUPS   Y10, (R9)
	VMOVUPS   Y14, 32(R9)
	VMULPD    Z5, Z9, Z9
	VMULPD    Z5, Z13, Z13
	VSQRTPD   Z9, Z9
	VSQRTPD   Z13, Z13
	VADDPD    Z6, Z9, Z9
	VADDPD    Z6, Z13, Z13
	VMULPD    Z8, Z4, Z8
	VMULPD    Z12, Z4, Z12
	VDIVPD    Z9, Z8, Z8
	VDIVPD    Z13, Z12, Z12
	VMOVUPD   (DI), Z7
	VMOVUPD   64(DI), Z11
	VSUBPD    Z8, Z7, Z7
	VSUBPD    Z12, Z11, Z11
	VMOVUPD   Z7, (DI)
	VMOVUPD   Z11, 64(DI)
	ADDQ      $128, SI
	ADDQ      $128, DI
	ADDQ      $64, R8
	ADDQ      $64, R9
	SUBQ      $16, CX
	JMP       z32_loop16

z32_loop8:
	CMPQ  CX, $8
	JLT   z32_tail
	MOVL  $0xff, DX
	JMP   z32_last

z32_tail:
	TESTQ CX, CX
	JEQ   z32_done
	MOVL  $1, DX
	SHLL  CX, DX
	DECL  DX

z32_last:
	KMOVW       DX, K1
	VMOVUPD.Z   (SI), K1, Z7
	VCVTPS2PD.Z (R8), K1, Z8
	VCVTPS2PD.Z (R9), K1, Z9
	VMULPD      Z8, Z0, Z8
	VMULPD      Z7, Z1, Z10
	VADDPD      Z10, Z8, Z8
	VCVTPD2PS   Z8, Y10
	VMOVUPS     Z10, K1, (R8)
	VMULPD      Z7, Z3, Z10
	VMULPD      Z7, Z10, Z10
	VMULPD      Z9, Z2, Z9
	VADDPD      Z10, Z9, Z9
	VCVTPD2PS   Z9, Y10
	VMOVUPS     Z10, K1, (R9)
	VMULPD      Z5, Z9, Z9
	VSQRTPD     Z9, Z9
	VADDPD      Z6, Z9, Z9
	VMULPD      Z8, Z4, Z8
	VDIVPD      Z9, Z8, Z8
	VMOVUPD.Z   (DI), K1, Z7
	VSUBPD      Z8, Z7, Z7
	VMOVUPD     Z7, K1, (DI)
	CMPQ        CX, $8
	JLT         z32_done
	ADDQ        $64, SI
	ADDQ        $64, DI
	ADDQ        $32, R8
	ADDQ        $32, R9
	SUBQ        $8, CX
	JMP         z32_tail

z32_done:
	VZEROUPPER
	RET
