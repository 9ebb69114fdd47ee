/* tj_library_versions: the libraries libtjit uses and their versions
 * (tjit --version). Each is asked at run time where it has a function
 * for it; libtcc (linked in from Debian's libtcc.a, which exposes no
 * version) and an OpenBLAS not loaded yet (it is loaded only when
 * compiled code first multiplies matrices, and loading it starts its
 * threads) say the version the Makefile found at build time:
 * TJ_LIBTCC_VERSION (dpkg-query of libtcc-dev) and TJ_OPENBLAS_VERSION
 * (pkg-config openblas). */
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <sodium.h>
#include <xxhash.h>

#include "graph.h"
#include "jit.h"
#include "tjit.h"
#include "util.h"

#ifndef TJ_LIBTCC_VERSION
#define TJ_LIBTCC_VERSION ""
#endif
#ifndef TJ_OPENBLAS_VERSION
#define TJ_OPENBLAS_VERSION ""
#endif

static const char *known(const char *version) { return version && *version ? version : "unknown"; }

/* OpenBLAS's own words (openblas_get_config: "OpenBLAS 0.3.21
 * DYNAMIC_ARCH ...") when the process has loaded it; else the build's
 * version and that it is not loaded. RTLD_NOLOAD never loads it. */
static void put_openblas(tj_buf *b) {
  void *h = dlopen(JIT_OPENBLAS, RTLD_LAZY | RTLD_NOLOAD);
  char *(*config)(void) = NULL;
  if (h) *(void **)&config = dlsym(h, "openblas_get_config");
  if (config) buf_printf(b, "%s\n", config());
  else buf_printf(b, "OpenBLAS %s (not loaded; the version at build time)\n", known(TJ_OPENBLAS_VERSION));
  if (h) dlclose(h);
}

char *tj_library_versions(void) {
  tj_buf b = {0};
  unsigned xxh = XXH_versionNumber();
  buf_printf(&b, "libtcc %s (Debian's libtcc-dev at build time, linked in)\n", known(TJ_LIBTCC_VERSION));
  buf_printf(&b, "Graphviz %s\n", known(graph_graphviz_version()));
  put_openblas(&b);
  buf_printf(&b, "cJSON %s\n", known(cJSON_Version()));
  buf_printf(&b, "xxHash %u.%u.%u\n", xxh / 10000, xxh / 100 % 100, xxh % 100);
  buf_printf(&b, "libsodium %s\n", known(sodium_version_string()));
  return buf_detach(&b);
}
