/* Shape rules of the index primitives (rows in prims.def). */
#include "prims.h"
