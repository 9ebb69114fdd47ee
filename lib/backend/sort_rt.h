/* The sort runtime the generated C calls (cg_sort.c emits the call,
 * cg_fns.def lists it). */
#ifndef TJ_SORT_RT_H
#define TJ_SORT_RT_H

/* Sorts nops buffers of outer * n * inner elements along the middle axis
 * (length n) into outs, by the first nkeys in XLA's total order, stably.
 * dtypes are tj_dtype values; scratch holds 32 * n bytes. outs may not
 * alias ins. */
void tj_rt_sort(const void *const *ins, void *const *outs, const int *dtypes, int nops, int nkeys, long outer,
                long n, long inner, void *scratch);

#endif
