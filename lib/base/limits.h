/* Input limits, in one place. Each is checked where the structure grows and
 * reported as "too many X (limit is N) in Y" rather than a crash or a hang. */
#ifndef TJ_LIMITS_H
#define TJ_LIMITS_H

#define TJ_MAX_RANK          8          /* dimensions of one array */
#define TJ_MAX_SORT_OPERANDS 8          /* operands of one lax_sort (sort_p) */
/* operands of one jnp.einsum: opt_einsum's auto path is followed up to its
 * branch_1 search (12 or more would take set_difference's copying branch,
 * 15 or more greedy, which einsum_branch.c does not reproduce) */
#define TJ_MAX_EINSUM_OPERANDS 11
/* Operands of one concatenate jnp.pad's 'wrap' mode makes: a padding many
 * times the axis' size repeats the whole array that many times. */
#define TJ_PAD_MAX_PARTS     64
#define TJ_MAX_ELEMENTS      (1LL << 31) /* elements of one array (2^31) */
/* The three budgets of work (TJ_MAX_EQNS, TJ_MAX_STEPS and TJ_MAX_WORK,
 * each under an #ifndef) can be lowered at build time: the fuzzing build
 * (Makefile, FUZZ_LIMITS) does, so that an input reaching one ends within libFuzzer's
 * 10 s timeout under the sanitizers instead of being taken for a hang. */
#ifndef TJ_MAX_EQNS
#define TJ_MAX_EQNS          1000000    /* equations recorded in one trace */
#endif
#define TJ_MAX_CALL_DEPTH    100        /* nested user-function calls while tracing */
/* Sub-jaxprs (jit, cond branches, loop bodies) nested below the top-level
 * jaxpr. The tracer refuses more; the evaluator, the C generator and the
 * scatter-jaxpr search then never meet more, so a traced program is never
 * refused by a later stage. */
#define TJ_MAX_JAXPR_NEST    100
#define TJ_MAX_EVAL_DEPTH    3000       /* nested expression/statement evaluation (C stack) */
#define TJ_MAX_NEST          256        /* parser nesting of expressions/statements */
/* Nesting of one param value (tuples, lists, records) read in a jaxpr
 * listing (jaxpr_read.c; JAX's deepest, dot_general's dimension numbers,
 * is 3); its sub-jaxprs nest up to TJ_MAX_JAXPR_NEST. */
#define TJ_MAX_LISTING_NEST  64
#define TJ_MAX_SOURCE_BYTES  (16 << 20) /* function source text */
/* Tokens of one source (some 30,000 lines): a syntax node costs ~400 bytes,
 * so this bounds the parser's memory (~250 MB) where the byte limit alone
 * would allow several GB. */
#define TJ_MAX_TOKENS        (1 << 19)
#define TJ_MAX_SPEC_BYTES    (64 << 20) /* spec file */
#define TJ_MAX_JSON_NEST     200        /* nesting of the spec's JSON values */
#define TJ_MAX_PARAMS        64         /* parameters of one function */
/* The flattened leaves of one call's traced arguments (pytrees), i.e. the
 * jaxpr's inputs: the runner keeps one array per input in arrays of
 * this size. */
#define TJ_MAX_INPUTS        64
#define TJ_MAX_TUPLE         4096       /* elements of one static tuple */
/* Array constants (array((1, 2, 3))): elements of one, and of all those
 * one trace makes. Each becomes numbers in the generated C (some 10 bytes
 * an element), so the total keeps that text well below TJ_MAX_C_BYTES. */
#define TJ_MAX_CONST_ELEMENTS (1LL << 20)
#define TJ_MAX_CONST_TOTAL    (1LL << 22)
#ifndef TJ_MAX_STEPS
#define TJ_MAX_STEPS         10000000   /* statements executed while tracing */
#endif
/* Work one run of a call may do (tjit-run(1) --max-work), in elements
 * read and written (lib/ir/work.h says what is charged): a loop that never
 * ends, or 9,000,000 iterations over a million floats, stops with an
 * error instead of running for hours, in compiled code (about 1-5 s to
 * reach it) as in the evaluator (scalar loops: about 10^7 iterations).
 * Lowered by the fuzzing build (above). */
#ifndef TJ_MAX_WORK
#define TJ_MAX_WORK          10000000000LL
#endif
/* The work of any equation and of any loop iteration besides its
 * elements: a scalar step is not free (the evaluator's costs about as
 * much as 50 elements). */
#define TJ_WORK_PER_EQN      256
/* Where work sums stop growing, and the most --max-work may be: the
 * running total stays below 2^63. */
#define TJ_WORK_SATURATED    (1LL << 62)
/* Zero bytes after every buffer compiled code writes (its own and the
 * outputs): a write past a buffer's end that lands there is caught as a
 * bug of the C generator rather than corrupting memory unseen. */
#define TJ_BUFFER_GUARD      64
/* C the backend generates for one program: libtcc compiles it in memory
 * at some 10 MB a second, so more is refused rather than compiled for
 * minutes. One function per jit sub-jaxpr keeps nested calls linear. */
#define TJ_MAX_C_BYTES       (64LL << 20)
/* Stack the generated code needs on its deepest chain of calls: libtcc
 * gives every local of a function its own slot (blocks do not share), so
 * the estimate adds all of a function's locals. Half of the usual 8 MB
 * stack, the rest left to tjit and libc. */
#define TJ_MAX_STACK_BYTES   (4LL << 20)
/* A run's default memory limit (tjit-run(1) --max-memory): this share of
 * physical memory. The estimate is an upper bound of what compiled code
 * holds, so 3/4 leaves the rest of the machine its quarter. */
#define TJ_MEMORY_SHARE_NUM  3
#define TJ_MEMORY_SHARE_DEN  4

/* Large buffers a compiled program keeps from one run for the next
 * (jit.c's pool), so that repeated runs do not fault fresh pages in: at
 * most this many, each of this many bytes or more. */
#define TJ_POOL_BUFFERS      8
#define TJ_POOL_MIN_BYTES    ((size_t)1 << 20)

/* outputs of one split (split_p): jnp.split's sections */
#define TJ_MAX_SPLIT_OUTPUTS 256

/* results of one jnp helper's jit (jnp.linalg.svd's u, s, vh) */
#define TJ_MAX_JIT_RESULTS   8

#endif
