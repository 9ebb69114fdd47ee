/* NumPy's .npy files (numpy/lib/_format_impl.py): the magic "\x93NUMPY",
 * version bytes, a little-endian header length (2 bytes in 1.0, 4 in 2.0),
 * a Python dict literal padded with spaces and ended by "\n" so the data
 * starts at a multiple of 64 bytes, then the elements, C order. Reading
 * treats the file as hostile: every length is checked before it is used. */
#include "array.h"
#include "spec.h"
#include "alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
  NPY_ALIGN = 64,          /* numpy's ARRAY_ALIGN */
  NPY_GROWTH_DIGITS = 21,  /* numpy's GROWTH_AXIS_MAX_DIGITS */
  NPY_MAX_HEADER = 1 << 16 /* numpy's own default limit is 10000 */
};

static const struct {
  const char *descr;
  tj_dtype t;
} descrs[] = {{"|b1", DT_BOOL}, {"|i1", DT_I8},  {"<i2", DT_I16},
              {"<i4", DT_I32},  {"<i8", DT_I64}, {"|u1", DT_U8},
              {"<u4", DT_U32},  {"<f4", DT_F32}, {"<f8", DT_F64},
              {"<u2", DT_U16},  {"<u8", DT_U64}, {"<f2", DT_F16},
              /* numpy has no bfloat16: np.save of an ml_dtypes bfloat16 array
               * writes its dtype.str, '<V2' (kind 'V', byteorder '='), and
               * jnp.load reads any 2-byte void back as bfloat16; ml_dtypes has
               * no other 2-byte type. Written as '<V2' (the last row wins). */
              {"|V2", DT_BF16}, {"<V2", DT_BF16}};

static bool host_big_endian(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 0;
}

/* Reverses each element's bytes: the file is little-endian. */
static void swap_elements(tj_array *a) {
  int w = dtype_size(a->dtype);
  uint8_t *p = a->data;
  for (int64_t i = 0; w > 1 && i < a->size; i++, p += w)
    for (int j = 0; j < w / 2; j++) {
      uint8_t t = p[j];
      p[j] = p[w - 1 - j];
      p[w - 1 - j] = t;
    }
}

/* ---- the header dict ---------------------------------------------------- */

typedef struct hscan {
  const char *s;
  size_t n, i;
} hscan;

static void h_space(hscan *h) {
  while (h->i < h->n && (h->s[h->i] == ' ' || h->s[h->i] == '\n')) h->i++;
}

static bool h_char(hscan *h, char c) {
  h_space(h);
  if (h->i >= h->n || h->s[h->i] != c) return false;
  h->i++;
  return true;
}

/* 'text' or "text", without escapes (numpy writes none); at most 32 bytes. */
static bool h_string(hscan *h, char *out, size_t outsize) {
  char q = '\'';
  if (!h_char(h, q) && !h_char(h, q = '"')) return false;
  size_t start = h->i;
  while (h->i < h->n && h->s[h->i] != q && h->s[h->i] != '\\') h->i++;
  if (h->i >= h->n || h->s[h->i] != q || h->i - start >= outsize) return false;
  memcpy(out, h->s + start, h->i - start);
  out[h->i - start] = 0;
  h->i++;
  return true;
}

static bool h_word(hscan *h, const char *w) {
  size_t n = strlen(w);
  h_space(h);
  if (h->n - h->i < n || memcmp(h->s + h->i, w, n) != 0) return false;
  h->i += n;
  return true;
}

/* A Python tuple of ints: (), (3,), (3, 4) or (3, 4,). */
static const char *h_shape(hscan *h, tj_aval *shape) {
  if (!h_char(h, '(')) return "'shape' is not a tuple";
  shape->rank = 0;
  bool comma = false;
  while (!h_char(h, ')')) {
    if (shape->rank == TJ_MAX_RANK) return "too many dimensions (limit is 8)";
    h_space(h);
    int64_t v = 0;
    size_t start = h->i;
    while (h->i < h->n && h->s[h->i] >= '0' && h->s[h->i] <= '9') {
      v = v * 10 + (h->s[h->i++] - '0');
      if (v > TJ_MAX_ELEMENTS) return "too many elements (limit is 2147483648)";
    }
    if (h->i == start) return "'shape' is not a tuple of non-negative integers";
    shape->dims[shape->rank++] = v;
    if ((comma = h_char(h, ','))) continue;
    if (!h_char(h, ')')) return "'shape' is not a tuple";
    break;
  }
  if (shape->rank == 1 && !comma) return "'shape' is not a tuple";
  return NULL;
}

static const char *h_descr(const char *descr, tj_dtype *t) {
  for (size_t k = 0; k < TJ_COUNT(descrs); k++)
    if (strcmp(descr, descrs[k].descr) == 0) {
      *t = descrs[k].t;
      return NULL;
    }
  if (descr[0] == '>') return "big-endian data is not supported";
  return "unsupported dtype (tjit reads |b1 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 <f2 <f4 <f8, and <V2 as bfloat16)";
}

/* {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }: exactly these
 * three keys, in any order, as numpy requires. NULL or what is wrong. */
static const char *parse_dict(hscan *h, tj_aval *out) {
  enum { DESCR = 1, FORTRAN = 2, SHAPE = 4 };
  unsigned seen = 0;
  char key[32], descr[32];
  if (!h_char(h, '{')) return "the header is not a dict";
  while (!h_char(h, '}')) {
    if (!h_string(h, key, sizeof key) || !h_char(h, ':')) return "malformed header";
    unsigned bit = !strcmp(key, "descr") ? DESCR : !strcmp(key, "fortran_order") ? FORTRAN
                 : !strcmp(key, "shape") ? SHAPE : 0;
    if (!bit || (seen & bit)) return "the header does not hold exactly 'descr', "
                                     "'fortran_order' and 'shape'";
    seen |= bit;
    const char *why = NULL;
    if (bit == DESCR) why = h_string(h, descr, sizeof descr) ? h_descr(descr, &out->dtype)
                                                          : "'descr' is not a simple type string";
    else if (bit == SHAPE) why = h_shape(h, out);
    else if (h_word(h, "True")) why = "Fortran-ordered arrays are not supported";
    else if (!h_word(h, "False")) why = "'fortran_order' is not True or False";
    if (why) return why;
    if (h_char(h, ',')) continue;
    if (h_char(h, '}')) break;
    return "malformed header";
  }
  h_space(h);
  if (h->i != h->n) return "malformed header (text after the dict)";
  if (seen != (DESCR | FORTRAN | SHAPE))
    return "the header does not hold exactly 'descr', 'fortran_order' and 'shape'";
  return NULL;
}

/* ---- reading ------------------------------------------------------------ */

static size_t read_exact(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  return got;
}

/* The header from fd: its aval and the offset where the data starts. */
static const char *read_header(int fd, tj_aval *out, uint64_t *data_at) {
  unsigned char pre[12];
  if (read_exact(fd, pre, 10) < 10 || memcmp(pre, "\x93NUMPY", 6) != 0)
    return "not an .npy file";
  if ((pre[6] != 1 && pre[6] != 2) || pre[7] != 0)
    return "unsupported .npy version (tjit reads 1.0 and 2.0)";
  size_t at = 10, hlen = pre[8] | (size_t)pre[9] << 8;
  if (pre[6] == 2) {
    if (read_exact(fd, pre + 10, 2) < 2) return "truncated header";
    hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    at = 12;
  }
  if (hlen > NPY_MAX_HEADER) return "header too large";
  char *text = malloc(hlen + 1);
  if (!text) TJ_OOM();
  const char *why = NULL;
  if (read_exact(fd, text, hlen) < hlen) why = "truncated header";
  else if (memchr(text, 0, hlen)) why = "malformed header";
  if (!why) {
    hscan h = {text, hlen, 0};
    memset(out, 0, sizeof *out);
    why = parse_dict(&h, out);
  }
  free(text);
  *data_at = at + hlen;
  return why;
}

/* Reads fd's header (path names it in messages): the header is valid, and
 * the data that follows has exactly the size the header says. */
static bool check_npy(const diag_at *at, int fd, const char *path, tj_aval *av) {
  struct stat st;
  uint64_t data_at = 0;
  const char *why = fstat(fd, &st) != 0 ? strerror(errno) : read_header(fd, av, &data_at);
  if (!why && !aval_within_limits(av)) why = "too many elements (limit is 2147483648)";
  if (why) return diag_error_at(at, "'%s': %s", path, why);
  uint64_t need = (uint64_t)aval_size(av) * (uint64_t)dtype_size(av->dtype);
  uint64_t have = (uint64_t)st.st_size > data_at ? (uint64_t)st.st_size - data_at : 0;
  if (have == need) return true;
  char desc[160];
  aval_format_long(av, desc, sizeof desc);
  return diag_error_at(at, "'%s': %s: %s needs %llu bytes of data, the file has %llu", path,
                       have < need ? "truncated" : "the header does not match the file size", desc,
                       (unsigned long long)need, (unsigned long long)have);
}

static bool open_npy(const diag_at *at, const char *path, int *fd) {
  *fd = open_regular(path); /* a FIFO could block, a procfs file is made up */
  if (*fd >= 0) return true;
  return diag_error_at(at, "cannot read '%s': %s", path,
                       errno == EINVAL ? "not a regular file" : strerror(errno));
}

bool npy_read_header_fd(const diag_at *at, int fd, const char *path, tj_aval *out) {
  return check_npy(at, fd, path, out);
}

bool npy_read_header(const diag_at *at, const char *path, tj_aval *out) {
  int fd;
  if (!open_npy(at, path, &fd)) return false;
  bool ok = check_npy(at, fd, path, out);
  close(fd);
  return ok;
}

bool npy_read(const diag_at *at, const char *path, tj_array **out) {
  int fd;
  *out = NULL;
  if (!open_npy(at, path, &fd)) return false;
  bool ok = npy_read_fd(at, fd, path, out);
  close(fd);
  return ok;
}

bool npy_read_fd(const diag_at *at, int fd, const char *path, tj_array **out) {
  tj_aval av;
  *out = NULL;
  if (!check_npy(at, fd, path, &av)) return false;
  tj_array *a = array_new(&av);
  if (!a) {
    if (aval_size(&av) <= TJ_MAX_ELEMENTS) return diag_out_of_memory(at->d, TJ_NOMEM_FMT "'%s'", array_bytes(&av), path);
    return diag_error_at(at, "'%s': too many elements (limit is %lld)", path, (long long)TJ_MAX_ELEMENTS);
  }
  size_t need = (size_t)a->size * (size_t)dtype_size(a->dtype);
  if (read_exact(fd, a->data, need) != need) {
    array_free(a);
    return diag_error_at(at, "'%s': the file shrank while it was read", path);
  }
  if (host_big_endian()) swap_elements(a);
  if (a->dtype == DT_BOOL) /* any nonzero byte is True, as in numpy */
    for (int64_t i = 0; i < a->size; i++) ((uint8_t *)a->data)[i] = ((uint8_t *)a->data)[i] != 0;
  *out = a;
  return true;
}

/* ---- writing ------------------------------------------------------------ */

/* The header exactly as numpy's _write_array_header and _wrap_header write
 * it for version 1.0 (our headers are far below its 65535-byte limit): the
 * dict's keys sorted, repr of the shape tuple, 21 - len(repr(shape[0]))
 * spaces of room to grow, then spaces and "\n" up to a multiple of 64. */
static void npy_header(const tj_array *a, tj_buf *b) {
  const char *descr = "";
  for (size_t k = 0; k < TJ_COUNT(descrs); k++)
    if (descrs[k].t == a->dtype) descr = descrs[k].descr;
  tj_buf dict = {0};
  buf_printf(&dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < a->rank; i++)
    buf_printf(&dict, i ? ", %lld" : "%lld", (long long)a->dims[i]);
  buf_puts(&dict, a->rank == 1 ? ",), }" : "), }");
  if (a->rank > 0) {
    int digits = snprintf(NULL, 0, "%lld", (long long)a->dims[0]);
    for (int i = digits; i < NPY_GROWTH_DIGITS; i++) buf_putc(&dict, ' ');
  }
  size_t hlen = dict.len + 1;
  size_t pad = NPY_ALIGN - (10 + hlen) % NPY_ALIGN;
  size_t total = hlen + pad;
  buf_putn(b, "\x93NUMPY\x01\x00", 8);
  buf_putc(b, (char)(total & 0xff));
  buf_putc(b, (char)(total >> 8));
  buf_putn(b, dict.data, dict.len);
  for (size_t i = 0; i < pad; i++) buf_putc(b, ' ');
  buf_putc(b, '\n');
  buf_free(&dict);
}

/* A temporary file beside the destination, in directory dirfd: created
 * with O_EXCL and O_NOFOLLOW under a random name (mkstemp's rule, but
 * relative to dirfd and with the usual 0644 before the umask). */
static int create_temp(int dirfd, char *name, size_t size) {
  for (int attempt = 0; attempt < 64; attempt++) {
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r ^= (uint64_t)getpid() << 32 ^ (uint64_t)attempt;
    snprintf(name, size, ".tjit-%016llx.npy.tmp", (unsigned long long)r);
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

/* The header and the elements, little-endian. */
static bool write_npy_fd(int fd, const tj_array *a) {
  tj_buf head = {0};
  npy_header(a, &head);
  size_t bytes = (size_t)a->size * (size_t)dtype_size(a->dtype);
  bool ok = write_all(fd, head.data, head.len);
  buf_free(&head);
  if (ok && host_big_endian()) {
    tj_array *c = array_copy(a);
    if (!c) TJ_OOM();
    swap_elements(c);
    ok = write_all(fd, c->data, bytes);
    array_free(c);
  } else if (ok) {
    ok = write_all(fd, a->data, bytes);
  }
  return ok;
}

/* Written to a temporary file in path's directory, then renamed over path:
 * a symbolic link at path is replaced, never followed (nor is a file it
 * points to truncated), and a failed write leaves any old file whole. The
 * directory itself is followed as the caller named it. */
bool npy_write(const diag_at *at, const char *path, const tj_array *a) {
  tj_array words;
  if (a->dtype == DT_KEY) { /* a PRNG key array as its key data, uint32[..., 2] (jax.random.key_data) */
    words = *a;
    words.dtype = DT_U32, words.dims[words.rank++] = 2, words.size *= 2;
    a = &words;
  }
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  if (!dir) TJ_OOM();
  int dirfd = *base ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  int werr = *base ? errno : EISDIR;
  free(dir);
  char temp[64];
  int fd = dirfd >= 0 ? create_temp(dirfd, temp, sizeof temp) : -1;
  if (dirfd >= 0) werr = errno;
  bool ok = fd >= 0 && write_npy_fd(fd, a);
  if (fd >= 0 && !ok) werr = errno;
  if (fd >= 0 && close(fd) != 0 && ok) ok = false, werr = errno;
  if (ok && renameat(dirfd, temp, dirfd, base) != 0) ok = false, werr = errno;
  if (fd >= 0 && !ok) unlinkat(dirfd, temp, 0);
  if (dirfd >= 0) close(dirfd);
  if (!ok) return diag_error_at(at, "cannot write '%s': %s", path, strerror(werr));
  return true;
}
