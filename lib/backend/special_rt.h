/* lax.erf_inv's scalar form for the generated code (elem.def's row calls
 * it, cg_fns.def lists it): lib/base/erf_inv.h's functions, the
 * evaluator's and the block kernels' text, so all three agree bit for
 * bit. A call per element where libtcc compiles the loop; big blocks go
 * through the kernels (tjk_erf_inv_f32/_f64). */
#ifndef TJ_SPECIAL_RT_H
#define TJ_SPECIAL_RT_H

float tj_rt_erfinvf(float x);
double tj_rt_erfinv(double x);

#endif
