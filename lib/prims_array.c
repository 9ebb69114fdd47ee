/* Shape rules of the array primitives (rows in prims.def). */
#include "prims.h"
