/* fuzz_npy: .npy bytes → npy_read_header and npy_read (through a file, as
 * they take a path); an array read is written back with npy_write and
 * must read back the same (dtype, shape and bytes). The files live in a
 * directory of the harness's own: npy_write renames a temporary file into
 * place beside its destination, so the destination must be in a real
 * directory (a memfd's /proc/self/fd name is not one). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fuzz.h"

static char dir[64]; /* the harness's directory, made on first use */

static void remove_dir(void) {
  char path[96];
  snprintf(path, sizeof path, "%s/in.npy", dir), unlink(path);
  snprintf(path, sizeof path, "%s/out.npy", dir), unlink(path);
  rmdir(dir);
}

/* dir/name holding data (when data is not NULL); its path in path. */
static void file_in_dir(const char *name, const uint8_t *data, size_t size, char *path, size_t pathsize) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "%s/tjit-fuzz-npy-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir)) abort();
    atexit(remove_dir);
  }
  snprintf(path, pathsize, "%s/%s", dir, name);
  if (!data) return;
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) abort();
}

static int same_array(const tj_array *a, const tj_array *b) {
  if (a->dtype != b->dtype || a->rank != b->rank || a->size != b->size) return 0;
  for (int d = 0; d < a->rank; d++)
    if (a->dims[d] != b->dims[d]) return 0;
  return memcmp(a->data, b->data, (size_t)a->size * dtype_size(a->dtype)) == 0;
}

/* The last error's message, for a finding's report. */
static const char *last_error(const diag_at *at) { return at->d->tail ? at->d->tail->msg : ""; }

static void round_trip(const diag_at *at, const tj_array *a) {
  char path[96];
  file_in_dir("out.npy", NULL, 0, path, sizeof path);
  if (!npy_write(at, path, a)) fprintf(stderr, "%s\n", last_error(at)), fuzz_finding(NULL, "npy_write failed");
  tj_array *back = NULL;
  if (!npy_read(at, path, &back))
    fprintf(stderr, "%s\n", last_error(at)), fuzz_finding(NULL, "npy_write wrote what npy_read refuses");
  if (!same_array(a, back)) fuzz_finding(NULL, "npy_write then npy_read changed the array");
  array_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[96];
  file_in_dir("in.npy", data, size, path, sizeof path);
  tj_arena arena = {0};
  diag_list diags = {.arena = &arena};
  diag_at at = {&diags, NULL, {0, 0}, NULL};
  tj_aval header;
  bool header_ok = npy_read_header(&at, path, &header);
  tj_array *a = NULL;
  bool read_ok = npy_read(&at, path, &a);
  if (read_ok != header_ok) fuzz_finding(NULL, "npy_read and npy_read_header disagree");
  if (read_ok) {
    tj_aval av = array_aval(a, false);
    if (av.dtype != header.dtype || av.rank != header.rank || aval_size(&av) != aval_size(&header))
      fuzz_finding(NULL, "npy_read's array is not npy_read_header's aval");
    round_trip(&at, a);
    array_free(a);
  }
  arena_free(&arena);
  return 0;
}
