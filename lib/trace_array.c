/* Builtins of the array vocabulary (reductions, dot, shape manipulation,
 * constructors). */
#include "prims.h"
#include "trace.h"

const builtin_def builtins_array[] = {
    {NULL, NULL, 0, 0, NULL, 0},
};
