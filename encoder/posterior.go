package encoder

import (
	"math"
	"math/rand/v2"

	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/internal/par"
	"github.com/amvi/amvi/internal/scratch"
)

// posteriorGrain is the fewest factors worth a core of their own (about
// 25 µs of exponentials and logarithms).
const posteriorGrain = 1024

// Posterior holds, for a minibatch's logits, the per-factor quantities that
// sampling and scoring its codes need: q(z_j = 1) = σ(a_j) and both log
// probabilities, each computed once (one exponential and one logarithm per
// factor) however many codes are drawn. LogQ and KL give the same bits as
// the functions of those names; Sample draws from the same distribution as
// the function Sample, from different random numbers.
type Posterior struct {
	K       int
	P       []float64 // σ(a)
	LogProb [][2]float64

	logits []float64 // a copy of the last Set's a

	priorLogs []float64 // KL's scratch: log α_j, log(1-α_j)
	thr       []uint64  // Sample's scratch: ⌈P·2⁵³⌉
}

// Set computes the quantities for the logits a (rows×k).
// It panics if len(a) is not a multiple of k.
func (q *Posterior) Set(a []float64, k int) {
	if k < 1 || len(a)%k != 0 {
		panic("encoder: Posterior.Set logits are not rows of k")
	}
	q.K = k
	q.logits = append(q.logits[:0], a...)
	q.P = scratch.Grow(q.P, len(a))
	q.LogProb = scratch.Grow(q.LogProb, len(a))
	set := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			// LogProb[i][z] is log q(z_i = z).
			q.P[i], q.LogProb[i][1], q.LogProb[i][0] = mathx.SigmoidParts(a[i])
		}
	}
	if len(a) < 2*posteriorGrain {
		set(0, len(a)) // one document's factors: no goroutine, no allocation
		return
	}
	par.For(len(a), posteriorGrain, set)
}

// Of reports whether a holds, bit for bit, the logits of q's last Set, so
// that q holds a's quantities: a may be another copy of them (a float32
// network's logits widened twice, by the step and by its surrogate head).
func (q *Posterior) Of(a []float64) bool {
	if len(a) == 0 || len(a) != len(q.logits) {
		return false
	}
	for i, v := range a {
		if math.Float64bits(v) != math.Float64bits(q.logits[i]) {
			return false
		}
	}
	return true
}

// Sample draws S codes per row into z (rows·S×K, row r·S+s for sample s of
// row r), z_j = 1 with probability P_j. It takes one number from rng and
// draws each row's codes from a PCG stream of its own, seeded by that
// number and the row's index, so that rows are drawn in parallel and the
// codes depend on rng's state alone, not on the number of cores.
// It panics if len(z) != S·len(P).
func (q *Posterior) Sample(z []float64, samples int, rng *rand.Rand) {
	if len(z) != samples*len(q.P) {
		panic("encoder: Posterior.Sample buffer has the wrong length")
	}
	k := q.K
	seed := rng.Uint64()
	// z_j = 1 when u < P_j for u = m·2⁻⁵³ uniform on [0, 1), m the top 53
	// bits of a draw: when m < ⌈P_j·2⁵³⌉ (P_j·2⁵³ is exact), which is when
	// m − ⌈P_j·2⁵³⌉ wraps around, both being at most 2⁵³. No branch.
	q.thr = scratch.Grow(q.thr, len(q.P))
	draw := func(lo, hi int) {
		var src rand.PCG
		for r := lo; r < hi; r++ {
			src.Seed(seed, splitmix64(uint64(r)))
			thr := q.thr[r*k : (r+1)*k]
			for j, pj := range q.P[r*k : (r+1)*k] {
				thr[j] = 0 // a NaN P_j gives zeros, as u < P_j would
				if pj > 0 {
					thr[j] = uint64(math.Ceil(pj * 0x1p53))
				}
			}
			for s := 0; s < samples; s++ {
				zr := z[(r*samples+s)*k : (r*samples+s+1)*k]
				for j, t := range thr {
					zr[j] = float64((src.Uint64()>>11 - t) >> 63)
				}
			}
		}
	}
	rows := len(q.P) / k
	if len(z) < 2*sampleGrain {
		draw(0, rows)
		return
	}
	par.For(rows, max(1, sampleGrain/(samples*k)), draw)
}

// sampleGrain is the fewest code entries worth a core of their own.
const sampleGrain = 4096

// splitmix64 scrambles x (Steele, Lea and Flood's SplitMix64 finaliser), so
// that neighbouring rows seed unrelated streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// LogQ writes log q(z|x) of every code in z (as Sample writes them) into
// dst.
// It panics if len(z) != S·len(P) or len(dst) != len(z)/K.
func (q *Posterior) LogQ(dst, z []float64, samples int) {
	k := q.K
	if len(z) != samples*len(q.P) || len(dst)*k != len(z) {
		panic("encoder: Posterior.LogQ buffers have the wrong lengths")
	}
	for i := range dst {
		lp := q.LogProb[(i/samples)*k : (i/samples+1)*k]
		sum := 0.0
		for j, v := range z[i*k : (i+1)*k] {
			sum += lp[j][int(v)] // v is 0 or 1: no branch to mispredict
		}
		dst[i] = sum
	}
}

// KL writes the closed-form KL(q(z|x) || p(z)) of every row into dst.
// It panics if len(dst) != len(P)/K or the prior's K differs.
func (q *Posterior) KL(dst []float64, prior *Prior) {
	k := q.K
	if len(dst)*k != len(q.P) || prior.K() != k {
		panic("encoder: Posterior.KL buffer has the wrong length")
	}
	q.priorLogs = scratch.Grow(q.priorLogs, 2*k)
	la, l1a := q.priorLogs[:k], q.priorLogs[k:]
	prior.logs(la, l1a)
	for r := range dst {
		s := 0.0
		for j := 0; j < k; j++ {
			i := r*k + j
			s += klTerm(q.P[i], q.LogProb[i][1], q.LogProb[i][0], la[j], l1a[j])
		}
		dst[r] = s
	}
}
