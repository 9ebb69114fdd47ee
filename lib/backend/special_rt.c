/* The generated code's erf_inv (special_rt.h). */
#include "special_rt.h"

#include "erf_inv.h"

float tj_rt_erfinvf(float x) { return tj_erfinvf(x); }
double tj_rt_erfinv(double x) { return tj_erfinv(x); }
