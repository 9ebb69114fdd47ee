/* The spec file (tjit-spec(5)): JSON read by json_scan.c into sjson
 * values that keep their position, with integers distinct from floats
 * (`5` is a weak int, `5.0` a weak float). */
#ifndef TJ_SPEC_H
#define TJ_SPEC_H
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "dtype.h"

/* A JSON value with its kind as written and its place in the text. */
typedef enum { SJ_NULL, SJ_BOOL, SJ_INT, SJ_FLOAT, SJ_STRING, SJ_ARRAY, SJ_OBJECT } sjson_kind;

typedef struct sjson sjson;
struct sjson {
  sjson_kind kind;
  bool b;                  /* SJ_BOOL */
  int64_t i;               /* SJ_INT (integers outside int64 are an error, but big) */
  bool big;                /* SJ_INT above INT64_MAX (u64 data only): i holds its uint64 bits */
  double f;                /* SJ_FLOAT, and SJ_INT's value as a double */
  const char *s;           /* SJ_STRING: decoded bytes (may hold NUL) */
  uint32_t slen;
  sjson **items;           /* SJ_ARRAY elements / SJ_OBJECT values */
  const char **keys;       /* SJ_OBJECT keys, in document order */
  uint32_t n;
  const tj_source *src;    /* the text it was read from */
  tj_span span;            /* the value's text */
  const char *path;        /* JSON path for messages: "calls[2].x" */
};

/* Where argument element values come from (values matter from issue 4 on;
 * tracing needs only the aval). */
typedef enum { DATA_NONE, DATA_LIST, DATA_FILL, DATA_IOTA, DATA_RANDOM, DATA_NPY } data_kind;

/* One call: positional (a JSON array) or by keyword (a JSON object). */
typedef struct spec_call {
  bool by_keyword;
  sjson **values;          /* in the order written */
  const char **names;      /* by_keyword: parameter names; else NULL */
  tj_span *name_spans;
  uint32_t n;
  const sjson *json;       /* the whole call */
} spec_call;

typedef struct tj_spec {
  tj_source file;          /* the spec's own text */
  tj_source code;          /* the function source */
  const sjson *root;
  const char *function;    /* NULL: the only function in the source */
  const sjson *function_json;
  const sjson *static_argnums;   /* SJ_ARRAY of SJ_INT, or NULL */
  const sjson *static_argnames;  /* SJ_ARRAY of SJ_STRING, or NULL */
  bool has_args;
  spec_call args;
  spec_call *calls;
  uint32_t ncalls;
  const sjson *calls_json;
  bool autograph;          /* options.autograph */
  const char *dir;         /* directory of the spec, for source_file and npy */
  bool confined;           /* those files only beneath dir (tj_ctx_confine) */
  struct ast_program *program;   /* the parsed source (set by the API layer) */
  /* A jaxpr listing (lib/api_listing.c): code holds its text (file the
   * same); no program, calls, function or statics. */
  bool listing;
} tj_spec;

/* Reads a spec from text (path names it in messages; "-" for stdin). Every
 * error is reported as `path:LINE:COL: error: JSONPATH: message`. */
bool spec_load(tj_arena *a, diag_list *d, const char *path, const char *text,
               uint32_t len, bool confined, tj_spec *out);

/* Whether text is meant as a spec, for a directory walk that meets JSON
 * files of every kind: 1 for a JSON object with a "tjit", "source",
 * "source_file" or "function" member (its errors are then the loader's);
 * else 0, with *why saying what it is instead. */
int spec_sniff(tj_arena *a, const char *path, const char *text, uint32_t len, const char **why);

/* Parses one call from JSON text given on the command line (--args), named
 * by name in messages. */
bool spec_parse_call(tj_arena *a, diag_list *d, const char *name,
                     const char *text, uint32_t len, spec_call *out);

/* Interprets v as a traced array argument (weak scalar, nested array, or a
 * {"dtype", "shape", ...} object), checking data against shape. */
bool spec_value_aval(diag_list *d, const tj_spec *spec, const sjson *v,
                     tj_aval *out);

/* ---- spec_tree.c: pytree arguments of traced parameters ----
 * A traced argument is a pytree: null is None (an empty subtree), a JSON
 * array holding an object or null (at any depth) a Python list, an object
 * with a "dtype" or "npy" key an array, any other object a dict (string
 * keys); numbers, booleans, nested arrays of them and array objects are
 * leaves. A string is no leaf (ST_BAD). */
typedef enum { ST_LEAF, ST_NONE, ST_LIST, ST_DICT, ST_BAD } spec_tree_kind;
spec_tree_kind spec_tree_kind_of(const sjson *v);
/* order[i]: the index of obj's i-th key in sorted order (jax.tree_util
 * flattens a dict's values in that order); order holds obj->n. */
void spec_tree_dict_order(const sjson *obj, uint32_t *order);
/* The index of key s in object obj, or -1. */
int spec_tree_find_key(const sjson *obj, const char *s, uint32_t slen);
/* Whether two objects have the same keys (in any order). */
bool spec_tree_same_keys(const sjson *a, const sjson *b);
/* PyTreeDef equality: the same node types, list lengths and dict keys. */
bool spec_tree_same(const sjson *a, const sjson *b);

/* ---- spec_file.c: the files a spec names ---- */

/* Opens the file name (as the spec writes it) for reading: relative to the
 * spec's directory, and when spec->confined only beneath it (openat2's
 * RESOLVE_BENEATH, or open_beneath_walk where the kernel lacks it). Sets
 * *shown to the path to name in messages. Returns a descriptor of a
 * regular file, or -1 with errno set (spec_open_error words it). */
int spec_open_file(tj_arena *a, const tj_spec *spec, const char *name, const char **shown);
/* strerror, with EINVAL for "not a regular file" and EXDEV for a path
 * that leaves the directory of a confined spec. */
const char *spec_open_error(int err);
/* 0 when fd is a regular file (not one of procfs or sysfs, made up on
 * reading), else EISDIR, EINVAL or fstat's errno. */
int regular_file_check(int fd);
/* fd when it is a regular file (regular_file_check), else closes it and
 * returns -1 with errno set; -1 stays -1. */
int keep_if_regular(int fd);
/* Opens path for reading, without blocking on a FIFO: a regular file or
 * -1 with errno set (EINVAL: "not a regular file"). */
int open_regular(const char *path);
/* The fallback of confinement: name relative to dirfd, refusing an
 * absolute path, any ".." and any symbolic link (EXDEV). */
int open_beneath_walk(int dirfd, const char *name);

#endif
