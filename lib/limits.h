/* Input limits, in one place. Each is checked where the structure grows and
 * reported as "too many X (limit is N) in Y" rather than a crash or a hang. */
#ifndef TJ_LIMITS_H
#define TJ_LIMITS_H

#define TJ_MAX_RANK          8          /* dimensions of one array */
#define TJ_MAX_ELEMENTS      (1LL << 31) /* elements of one array (2^31) */
/* The three budgets of work (equations, traced statements, loop
 * iterations) can be lowered at build time: the fuzzing build (Makefile,
 * FUZZ_LIMITS) does, so that an input reaching one ends within libFuzzer's
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
#define TJ_MAX_SOURCE_BYTES  (16 << 20) /* function source text */
/* Tokens of one source (some 30,000 lines): a syntax node costs ~400 bytes,
 * so this bounds the parser's memory (~250 MB) where the byte limit alone
 * would allow several GB. */
#define TJ_MAX_TOKENS        (1 << 19)
#define TJ_MAX_SPEC_BYTES    (64 << 20) /* spec file */
#define TJ_MAX_JSON_NEST     200        /* nesting of the spec's JSON values */
#define TJ_MAX_PARAMS        64         /* parameters of one function */
#define TJ_MAX_TUPLE         4096       /* elements of one static tuple */
#ifndef TJ_MAX_STEPS
#define TJ_MAX_STEPS         10000000   /* statements executed while tracing */
#endif
/* Loop iterations one run of a call may take in total (while and scan,
 * compiled or evaluated), so a traced `while (true)` ends with an error
 * instead of hanging. */
#ifndef TJ_MAX_EVAL_STEPS
#define TJ_MAX_EVAL_STEPS    10000000LL
#endif
/* Zero bytes after every buffer compiled code writes (its own and the
 * outputs): a write past a buffer's end that lands there is caught as a
 * bug of the C generator rather than corrupting memory unseen. */
#define TJ_BUFFER_GUARD      64
/* A run's default memory limit (tjit-run(1) --max-memory): this share of
 * physical memory. The estimate is an upper bound of what compiled code
 * holds, so 3/4 leaves the rest of the machine its quarter. */
#define TJ_MEMORY_SHARE_NUM  3
#define TJ_MEMORY_SHARE_DEN  4

#endif
