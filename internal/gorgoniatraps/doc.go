// Package gorgoniatraps pins down the known misbehaviours of Gorgonia
// (gorgonia.org/gorgonia v0.9.18 with gorgonia.org/tensor v0.9.24) on Go 1.26
// that amvi works around, so that an upgrade which changes any of them is
// noticed. The package holds no code, only tests: each test asserts the
// current, buggy behaviour and fails with "behaviour changed: revisit the
// workaround in ..." when it no longer holds. A failure is then good news to
// act on, not a regression to silence: check whether amvi's workaround is
// still needed, then update or delete the test.
//
// The traps (see the project's shared gorgonia-notes.md for the measurements):
//
//   - Start-up panic. tensor v0.9.24 requires an assume-no-moving-gc from 2022
//     whose init panics on any Go newer than 1.19 (gorgonia#523, #531,
//     tensor#128). amvi requires go4.org/unsafe/assume-no-moving-gc
//     v0.0.0-20231121144256-b99613f794b6 in go.mod; TestStartupDoesNotPanic
//     builds and runs a real binary so that losing that pin is caught.
//   - gorgonia.LogSumExp adds the maximum inside the logarithm instead of
//     outside it: LogSumExp([1,2,3]) = log(Σexp(x-3) + 3) = 1.5048, not
//     3.4076. amvi writes its own stable log-sum-exp (max + log Σ exp(x-max)).
//   - SoftMax(x) and LogSoftMax(x) hash alike (the op's hash leaves out
//     isLog), so building both on one node returns the node built first:
//     LogSoftMax silently yields probabilities (or SoftMax log-probabilities).
//     amvi never builds both on one node and tests log-softmax output against
//     a reference.
//   - Intermediate values are overwritten by the backward pass (gorgonia#569):
//     once gradients are in the graph, Tanh's and Sigmoid's output registers
//     are reused in place for their derivatives, so after RunAll y.Value()
//     holds 1-tanh² or σ(1-σ). amvi's output layers are heads
//     (ops.LogLik, ops.Surrogate) that write the values they need, such as the per-sample
//     log-likelihoods, into buffers they own; gorgonia.Read into a Value one
//     owns also works, and the test checks it.
//   - Initialisers (GlorotN, GlorotU, Gaussian, Uniform, Gaussian64, ...) and
//     random ops seed a fresh generator from time.Now().UnixNano() on every
//     call: nothing is reproducible. amvi initialises weights and draws noise
//     from caller-seeded math/rand/v2 sources and feeds uniforms into the
//     graph as input nodes.
//   - There is no stop-gradient op, and gorgonia.Grad only accepts input
//     nodes as the nodes to differentiate with respect to. Gradient flows
//     through every differentiable op, so a quantity that must be treated as
//     a constant (the advantages of the score-function surrogate) is computed
//     outside the graph and held as a constant by the head that uses it
//     (encoder.Surrogate through ops.Surrogate), never as a node; an input node
//     that is not among the Grad targets works too. Comparison ops (Gt, ...) are not differentiable: used as
//     a multiplicative mask they pass no gradient, but a cost that depends
//     on the target only through them makes Grad fail.
//   - AdamSolver keeps its state (step count, per-parameter moments) in
//     unexported fields, so it cannot be checkpointed, and it clones four
//     tensors per parameter per step. amvi uses an in-place Adam of its own
//     with exported state. Solver.Step returns errors that are easy to drop
//     (gorgonia#402): amvi checks every one.
//   - Sharing one TapeMachine (or one graph) between goroutines causes data
//     races and nil-pointer panics. amvi gives each goroutine its own graph
//     and machine and sums or averages their gradients. There is no test for
//     this trap: a racy test would fail under -race by construction.
//   - Building two graphs at the same time races too, even with nothing
//     shared between them: Grad and AddNode write lazily cached hashes into
//     package-level constant nodes that every graph uses (found by the race
//     detector in amvi's data-parallel training). Package model builds
//     graphs under a package-wide mutex; running them concurrently is fine
//     (a step runs the encoder's and the decoder's backward halves at once).
//   - A tape machine can only be rerun after Reset, which also drops every
//     register, so each run reallocates and zeroes all intermediate values
//     (17 MB per training step at S=8). ops.Machine (and internal/gg)
//     run the machine's program with its Run (in the caller's goroutine)
//     instead and keep the registers; gg.TestRerunKeepsRegisters notices
//     if that stops working.
//   - RunAll runs the program on a goroutine of its own while the caller
//     waits locked to its OS thread: two hand-offs between OS threads a
//     run, each waiting for the woken thread to be scheduled (up to
//     hundreds of microseconds on a loaded machine). Run, which
//     ops.Machine uses, executes the same instructions in the caller's
//     goroutine.
//   - Elementwise operations (Add, Mul, Tanh, …) overwrite an input whose
//     last use they are, in the register plan of the machine that runs
//     them. ops.Machine's Backward recomputes, rather than holds from
//     Forward, any output of amvi's operations that such an operation reads.
//   - Compiling the whole graph, NewTapeMachine(g), also runs the gradient
//     nodes Grad created for inputs that were not asked for (for a product
//     x×W, the dense dX), which nobody can read since x.Grad() reports no
//     gradient. amvi compiles only what the cost and the wanted gradients
//     need: NewTapeMachine(g.SubgraphRoots(cost, grads...)).
package gorgoniatraps
