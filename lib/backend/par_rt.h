/* Both cores (issue 17 item 5): a few worker threads that run the chunks
 * of one loop at a time. The generated C outlines a large loop into a
 * function of (ctx, lo, hi) and calls tj_rt_par (jit.c), which runs it
 * here over [0, n) cut into one part per thread.
 *
 * Every loop handed here computes each of its elements (or rows) by the
 * same operations in the same order whoever runs it, and parts are
 * disjoint: a run's results are the same bits for any number of threads.
 * A reduction across parts would not be, so none is ever split. */
#ifndef TJ_PAR_RT_H
#define TJ_PAR_RT_H

typedef struct tj_par tj_par;

/* The body of an outlined loop: elements (or rows) lo .. hi - 1. */
typedef void (*par_body)(void *const *ctx, long lo, long hi);

/* A pool of nthreads threads in all (the caller's included; 1 or less:
 * every loop runs in the caller). Workers start at the first loop that
 * needs them; if they cannot be started, loops run with fewer. */
tj_par *par_new(int nthreads);
void par_free(tj_par *p); /* joins the workers; NULL is fine */
int par_threads(const tj_par *p);
/* The most threads one loop ran on since the last call (1: none split). */
int par_most_parts(tj_par *p);

/* body over [0, n): parts cut at multiples of grain (each part but the
 * last a whole number of grains), as many parts as threads but no more
 * than grains, part 0 run by the caller; returns when all are done. */
void par_run(tj_par *p, par_body body, void *const *ctx, long n, long grain);

/* The number of online CPUs (1 when it cannot be known). */
int par_online_cpus(void);

#endif
