/* Shape rules of the control primitives (rows in prims.def). */
#include "prims.h"
