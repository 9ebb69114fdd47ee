/* fuzz_npy: .npy bytes → npy_read_header and npy_read (through a memfd, as
 * they take a path); an array read is written back with npy_write and
 * must read back the same (dtype, shape and bytes). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "fuzz.h"

/* A memory file holding data; *path receives its /proc name. */
static int memfile(const uint8_t *data, size_t size, char *path, size_t pathsize) {
  int fd = memfd_create("fuzz.npy", 0);
  if (fd < 0) abort();
  if (size && write(fd, data, size) != (ssize_t)size) abort();
  snprintf(path, pathsize, "/proc/self/fd/%d", fd);
  return fd;
}

static int same_array(const tj_array *a, const tj_array *b) {
  if (a->dtype != b->dtype || a->rank != b->rank || a->size != b->size) return 0;
  for (int d = 0; d < a->rank; d++)
    if (a->dims[d] != b->dims[d]) return 0;
  return memcmp(a->data, b->data, (size_t)a->size * dtype_size(a->dtype)) == 0;
}

static void round_trip(const tj_array *a) {
  char path[64], err[512];
  int fd = memfile(NULL, 0, path, sizeof path);
  if (!npy_write(path, a, err, sizeof err)) fprintf(stderr, "%s\n", err), fuzz_finding(NULL, "npy_write failed");
  tj_array *back = NULL;
  if (!npy_read(path, &back, err, sizeof err)) fprintf(stderr, "%s\n", err), fuzz_finding(NULL, "npy_write wrote what npy_read refuses");
  if (!same_array(a, back)) fuzz_finding(NULL, "npy_write then npy_read changed the array");
  array_free(back);
  close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64], err[512];
  int fd = memfile(data, size, path, sizeof path);
  tj_aval header;
  bool header_ok = npy_read_header(path, &header, err, sizeof err);
  tj_array *a = NULL;
  bool read_ok = npy_read(path, &a, err, sizeof err);
  close(fd);
  if (read_ok != header_ok) fuzz_finding(NULL, "npy_read and npy_read_header disagree");
  if (read_ok) {
    tj_aval av = array_aval(a, false);
    if (av.dtype != header.dtype || av.rank != header.rank || aval_size(&av) != aval_size(&header))
      fuzz_finding(NULL, "npy_read's array is not npy_read_header's aval");
    round_trip(a);
    array_free(a);
  }
  return 0;
}
