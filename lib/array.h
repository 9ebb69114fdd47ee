/* Dense arrays: the runtime values of `tjit run` (arguments, results,
 * intermediates of the reference evaluator). Row-major, one malloc'd buffer
 * each; element access by flat index through the dtype. */
#ifndef TJ_ARRAY_H
#define TJ_ARRAY_H
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "dtype.h"
#include "util.h"

typedef struct tj_array {
  tj_dtype dtype;
  uint8_t rank;
  int64_t dims[TJ_MAX_RANK];
  int64_t size;            /* number of elements */
  void *data;              /* size * dtype_size(dtype) bytes, zeroed when new */
} tj_array;

/* A zeroed array of aval's dtype and shape; NULL (no allocation) when its
 * element count exceeds TJ_MAX_ELEMENTS or memory runs out. */
tj_array *array_new(const tj_aval *aval);
void array_free(tj_array *a);
tj_array *array_copy(const tj_array *a);
tj_aval array_aval(const tj_array *a, bool weak);

/* Element i as a double / as an int64 (bool 0/1, floats truncated), and
 * stores that convert to the array's dtype with C's conversions. */
double array_get_f(const tj_array *a, int64_t i);
int64_t array_get_i(const tj_array *a, int64_t i);
void array_set_f(tj_array *a, int64_t i, double v);
void array_set_i(tj_array *a, int64_t i, int64_t v);

#endif
