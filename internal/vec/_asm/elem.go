package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// elem is the element type of a kernel, float64 or float32: its size and
// the instructions that differ by it, so that one generator writes the
// kernel for both.
type elem struct {
	size  int // bytes
	shift int // log2(size)
	mul   func(ops ...Op)
	add   func(ops ...Op)
	movu  func(ops ...Op)
	bcast func(ops ...Op)
	mulZ  func(mxyz, xyz, k, xyz1 Op)
	movuZ func(mxyz, k, mxyz1 Op)
	mask  func(mxy, xy, mxy1 Op) // VMASKMOVPD, VMASKMOVPS
	sub   func(ops ...Op)

	// The scalar forms, on the lowest element: VMOVSD, VADDSD, VSUBSD and
	// VMULSD, or their SS forms.
	movs, adds, subs, muls func(ops ...Op)
}

var (
	f64 = elem{8, 3, VMULPD, VADDPD, VMOVUPD, VBROADCASTSD, VMULPD_Z, VMOVUPD_Z, VMASKMOVPD, VSUBPD,
		VMOVSD, VADDSD, VSUBSD, VMULSD}
	f32 = elem{4, 2, VMULPS, VADDPS, VMOVUPS, VBROADCASTSS, VMULPS_Z, VMOVUPS_Z, VMASKMOVPS, VSUBPS,
		VMOVSS, VADDSS, VSUBSS, VMULSS}
)
