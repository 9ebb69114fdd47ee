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
/* The bytes of an array of aval (within TJ_MAX_ELEMENTS): what an
 * out-of-memory diagnostic names. */
size_t array_bytes(const tj_aval *aval);
void array_free(tj_array *a);
tj_array *array_copy(const tj_array *a);
tj_aval array_aval(const tj_array *a, bool weak);

/* Element i as a double / as an int64 (bool 0/1, floats truncated), and
 * stores that convert to the array's dtype with C's conversions. */
double array_get_f(const tj_array *a, int64_t i);
int64_t array_get_i(const tj_array *a, int64_t i);
/* Element i of an integer index array: array_get_i, except that a u64
 * past INT64_MAX reads as INT64_MAX (out of bounds all the same) rather
 * than as its negative bits. */
int64_t array_get_index(const tj_array *a, int64_t i);
void array_set_f(tj_array *a, int64_t i, double v);
void array_set_i(tj_array *a, int64_t i, int64_t v);

/* Whether got matches want (same dtype and shape): integers and bools
 * exactly; floats bit for bit, both NaN, within 16 ulp, or within 1e-4
 * (float32) / 1e-12 (float64) of the largest magnitude in want (regrouped
 * sums); f16 and bf16 within 2 ulps of the format or one ulp of the
 * format at that largest magnitude (a float32 dot or convolution summed
 * in another order, rounded to the format). Otherwise writes the first difference into why. */
bool array_agree(const tj_array *got, const tj_array *want, char *why, int whysize);

/* The rest is written in values.c and npy.c: */
struct tj_spec;
struct sjson;
/* The array of a traced argument's spec value (a weak scalar, a nested
 * array, or a {"dtype", "shape"} object with data/fill/iota/random/npy), of
 * the aval spec_value_aval gave it. An abstract value without data is an
 * error (it can be traced but not run). */
bool spec_value_array(diag_list *d, const struct tj_spec *spec, const struct sjson *v, const tj_aval *aval,
                      tj_array **out);
/* Whether v is an abstract {"dtype", "shape"} object with no values. */
bool spec_value_is_abstract(const struct sjson *v);
/* Fills a as the spec's "random": {"seed": seed} does (uniform). */
void array_fill_random(tj_array *a, uint64_t seed);
/* NumPy's .npy format, little-endian, C order (versions 1.0 and 2.0).
 * Errors go to at (an allocation that fails is an out-of-memory error of
 * kind budget); path names the file in them. */
bool npy_read(const diag_at *at, const char *path, tj_array **out);
/* The dtype and shape of an .npy file, checked as npy_read checks them,
 * without reading the data. */
bool npy_read_header(const diag_at *at, const char *path, tj_aval *out);
/* The same from fd, open at its start. */
bool npy_read_fd(const diag_at *at, int fd, const char *path, tj_array **out);
bool npy_read_header_fd(const diag_at *at, int fd, const char *path, tj_aval *out);
bool npy_write(const diag_at *at, const char *path, const tj_array *a);
/* {"dtype": "f32", "shape": [3], "data": [1.0, 2.0, 3.0]} (nested data). */
void array_format_json(const tj_array *a, tj_buf *out);
/* As numpy prints an array: Array([1., 2., 3.], dtype=float32). */
void array_format_text(const tj_array *a, tj_buf *out);
/* The same with JAX's ", weak_type=True" after the dtype when weak. */
void array_format_text_weak(const tj_array *a, bool weak, tj_buf *out);

#endif
