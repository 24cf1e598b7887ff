package vec

// AddMatMul adds to dst, rows of n, the product of a, rows of m, and the
// first n columns of src, a row-major matrix of m rows with the given
// stride:
//
//	dst[r*n+i] += Σ_k a[r*m+k] * src[k*stride+i]   for every row r and i < n,
//
// each product rounded before it is added, the terms added in k order, so
// that each row of dst is bit-for-bit that of AddScaledRows over rows 0 to
// m−1 of src with the row's m values of a as the scales. src may be a
// matrix's backing array resliced at a column offset, as for
// AddScaledRows. dst must not overlap src or a.
//
// It panics if n or m is below 1, len(dst) is not a multiple of n,
// len(a) is not len(dst)/n rows of m, stride < n or src holds fewer than
// (m−1)·stride + n elements.
//
// The AVX-512 kernel holds a block of up to 56 columns of four rows of dst
// in registers while it adds the products of every row of src to them, so
// it reads src from memory once for four rows of dst; the AVX2 kernel does
// the same with blocks of 12 columns (a shorter last block under a lane
// mask); without AVX2 it is AddScaledRows row by row.
func AddMatMul(dst []float64, n int, a []float64, m int, src []float64, stride int) {
	if checkMatMul("AddMatMul", len(dst), n, len(a), m, len(src), stride) {
		addMatMul(dst, n, a, m, src, stride)
	}
}

// checkMatMul panics, naming the function, if the shapes are not as
// AddMatMul needs them, and reports whether dst is not empty.
func checkMatMul(name string, lenDst, n, lenA, m, lenSrc, stride int) bool {
	if n < 1 || m < 1 || lenDst%n != 0 || lenA != lenDst/n*m || stride < n || lenSrc < (m-1)*stride+n {
		panic("vec: " + name + " shapes do not match")
	}
	return lenDst > 0
}

// identity is 0, 1, …, len−1: the rows argument with which AddScaledRows
// adds consecutive rows.
var identity = func() (s [256]int) {
	for i := range s {
		s[i] = i
	}
	return s
}()

// addMatMulRows is AddMatMul (or AddMatMul32) as AddScaledRows row by row,
// up to 256 rows of src a call, with addRows, the dispatch of the
// AddScaledRows kernels. The caller has checked the shapes.
func addMatMulRows[T float](dst []T, n int, a []T, m int, src []T, stride int,
	addRows func(dst, src []T, stride int, rows []int, scales []T)) {
	for r := range len(dst) / n {
		d := dst[r*n : (r+1)*n]
		for k0 := 0; k0 < m; k0 += len(identity) {
			k1 := min(k0+len(identity), m)
			addRows(d, src[k0*stride:], stride, identity[:k1-k0], a[r*m+k0:r*m+k1])
		}
	}
}
