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

/* The k largest of each slice along the middle axis (length n) in XLA's
 * total order, ties lower index first, into vals and idx (int32); scratch
 * holds 16 * k bytes. */
void tj_rt_top_k(const void *in, void *vals, int *idx, int dtype, long outer, long n, long inner, long k,
                 void *scratch);

#endif
