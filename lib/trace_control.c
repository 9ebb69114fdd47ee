/* Builtins of structured control flow (cond, switch, fori_loop,
 * while_loop, scan). */
#include "prims.h"
#include "trace.h"

const builtin_def builtins_control[] = {
    {NULL, NULL, 0, 0, NULL, 0},
};
