/* The disk cache's directory: where it is, whether it can be trusted,
 * reading and atomically replacing entries, the hit/miss counters, stats
 * and clear (the entry format is diskcache_entry.c's, the key
 * diskcache_key.c's). Every file is reached relative to the directory's
 * checked descriptor, never by a path that could lead elsewhere meanwhile.
 * Nothing here may make a run fail: a directory that cannot be written
 * turns the cache's writes off, one found untrusted the whole cache, with
 * one warning for the caller to show. */
#define _DEFAULT_SOURCE /* O_NOFOLLOW, O_CLOEXEC with strict POSIX headers */
#include "diskcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"

#define STATS_FILE "tjit-stats"
#define TEMP_PREFIX ".tmp-"

struct tj_cache {
  char *dir;
  int fd;                  /* the directory, opened and checked (open_trusted); -1 until it exists */
  dc_key key;              /* the user's: entries sealed with another are never loaded */
  bool refused;            /* the directory turned out not to be trusted: no reads, writes or counters */
  bool writes_off;         /* after a failed write: the run goes on uncached */
  char *warning;           /* why */
  bool warned;             /* tj_cache_warning handed it out */
  long long hits, misses;  /* this process's, added to STATS_FILE on close */
};

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *s = malloc(n);
  if (!s) TJ_OOM();
  snprintf(s, n, "%s%s%s", a, *a && a[strlen(a) - 1] == '/' ? "" : "/", b);
  return s;
}

/* A copy of dir without trailing slashes ("/" stays). */
static char *dir_copy(const char *dir) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  char *s = malloc(n + 1);
  if (!s) TJ_OOM();
  memcpy(s, dir, n);
  s[n] = '\0';
  return s;
}

char *tj_cache_default_dir(void) {
  const char *dir = getenv("TJIT_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (dir && *dir) return dir_copy(dir);
  if (xdg && *xdg == '/') return join(xdg, "tjit"); /* the XDG spec ignores a relative path */
  if (home && *home) return join(home, ".cache/tjit");
  return NULL;
}

/* ---- the directory: the user's own, or not used at all ---- */

typedef enum dir_state {
  DIR_OK,        /* open, and trusted */
  DIR_ABSENT,    /* not there (yet) */
  DIR_NOT_DIR,   /* something else is */
  DIR_UNTRUSTED, /* there, but someone else could have put code in it: why says how */
  DIR_ERROR,     /* cannot be opened: errno */
} dir_state;

/* Opens path as the cache directory, without following a symbolic link
 * in its last component, and checks the directory it opened (not the
 * name, which could be swapped in between): the code loaded from it runs
 * as the user, so it must be the user's and writable by nobody else (the
 * checks ssh makes of ~/.ssh). Every file of the cache is then reached
 * relative to *fd. */
static dir_state open_trusted(const char *path, int *fd, char *why, size_t whysize) {
  struct stat st;
  *fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*fd < 0) {
    int error = errno;
    if (error == ENOENT) return DIR_ABSENT;
    if ((error == ELOOP || error == ENOTDIR) && lstat(path, &st) == 0) {
      if (S_ISLNK(st.st_mode)) return snprintf(why, whysize, "is a symbolic link"), DIR_UNTRUSTED;
      if (!S_ISDIR(st.st_mode)) return DIR_NOT_DIR;
    }
    errno = error;
    return DIR_ERROR;
  }
  if (fstat(*fd, &st) != 0) snprintf(why, whysize, "cannot be examined: %s", strerror(errno));
  else if (st.st_uid != geteuid()) snprintf(why, whysize, "is owned by another user (uid %lu)", (unsigned long)st.st_uid);
  else if (st.st_mode & (S_IWGRP | S_IWOTH))
    snprintf(why, whysize, "is writable by group or others (mode %04o)", (unsigned)(st.st_mode & 07777));
  else return DIR_OK;
  close(*fd);
  *fd = -1;
  return DIR_UNTRUSTED;
}

/* Whether the file at path lies in the directory open as dir, at any
 * depth (walking up from its directory; by device and inode, so no
 * spelling of either path hides it). */
static bool inside(const char *path, int dir) {
  struct stat target, st, up_st;
  char *parent = dir_copy(path), *slash = strrchr(parent, '/');
  if (!slash) strcpy(parent, ".");
  else slash[slash == parent] = '\0'; /* "/key": "/" */
  int fd = fstat(dir, &target) == 0 ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  bool found = false;
  while (fd >= 0 && !found && fstat(fd, &st) == 0) {
    found = st.st_dev == target.st_dev && st.st_ino == target.st_ino;
    int up = found ? -1 : openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(fd);
    fd = up;
    if (up >= 0 && fstat(up, &up_st) == 0 && up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino) break; /* "/" */
  }
  if (fd >= 0) close(fd);
  free(parent);
  return found;
}

/* Opens the cache: the user's key into c->key (made on first use; first,
 * since making it can make the directory, to be refused then), then the
 * directory, which must not hold the key: a cache restored from
 * elsewhere would bring the key its entries are sealed with. */
static bool open_cache(tj_cache *c, const diag_at *at) {
  char *key = dc_key_default_path(), why[128];
  bool ok = key && dc_key_load(at, key, &c->key);
  if (!key) diag_error_at(at, "no cache key file (set TJIT_CACHE_KEY, XDG_CONFIG_HOME or HOME)");
  dir_state state = ok ? open_trusted(c->dir, &c->fd, why, sizeof why) : DIR_ERROR;
  if (ok && (state == DIR_NOT_DIR || state == DIR_UNTRUSTED)) { /* absent or unreadable: the first write says why */
    diag_error_at(at, "the cache directory '%s' %s", c->dir, state == DIR_NOT_DIR ? "is not a directory" : why);
    ok = false;
  } else if (ok && c->fd >= 0 && inside(key, c->fd)) {
    diag_error_at(at, "the cache key file '%s' is inside the cache directory '%s'", key, c->dir);
    ok = false;
  }
  free(key);
  return ok;
}

tj_cache *tj_cache_open(tj_ctx *ctx, const char *dir) {
  diag_at at = {&ctx->diags, NULL, span_make(0, 0), NULL};
  char *path = dir ? dir_copy(dir) : tj_cache_default_dir();
  if (!path) {
    diag_error_at(&at, "no cache directory (set TJIT_CACHE_DIR, XDG_CACHE_HOME or HOME)");
    return NULL;
  }
  tj_cache *c = calloc(1, sizeof *c);
  if (!c) TJ_OOM();
  c->dir = path;
  c->fd = -1;
  if (!open_cache(c, &at)) {
    tj_cache_close(c);
    return NULL;
  }
  return c;
}

const char *tj_cache_dir(const tj_cache *c) { return c->dir; }

const dc_key *dc_cache_key(const tj_cache *c) { return &c->key; }

const char *tj_cache_warning(tj_cache *c) {
  if (!c || !c->warning || c->warned) return NULL;
  c->warned = true;
  return c->warning;
}

/* Turns writes off and keeps the first reason as the warning. */
static bool writes_fail(tj_cache *c, const char *what, const char *path) {
  if (c->writes_off) return false;
  c->writes_off = true;
  tj_buf b = {0};
  buf_printf(&b, "cannot %s '%s': %s; running without the disk cache", what, path, strerror(errno));
  c->warning = buf_detach(&b);
  return false;
}

/* A directory found untrusted after the cache was opened (made by
 * someone else meanwhile): the cache is not used at all from now on. */
static int refuse(tj_cache *c, const char *why) {
  c->refused = c->writes_off = true;
  if (!c->warning) {
    tj_buf b = {0};
    buf_printf(&b, "the cache directory '%s' %s; running without the disk cache", c->dir, why);
    c->warning = buf_detach(&b);
  }
  return -1;
}

/* mkdir -p, private to the user. A directory that is there already,
 * whoever made it, is fine here: open_trusted checks the one the cache
 * uses afterwards. */
static bool make_dir(tj_cache *c) {
  char *p = dir_copy(c->dir);
  for (char *s = p + 1; ; s++) {
    if (*s != '/' && *s) continue;
    char saved = *s;
    *s = '\0';
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
      writes_fail(c, "create the cache directory", p);
      free(p);
      return false;
    }
    *s = saved;
    if (!saved || !s[1]) break;
  }
  free(p);
  return true;
}

/* The directory's descriptor, opened and checked on first need (and
 * made first when create); -1: not there, or not to be used. */
static int dir_fd(tj_cache *c, bool create) {
  char why[128];
  if (c->fd >= 0 || c->refused) return c->fd;
  if (create && (c->writes_off || !make_dir(c))) return -1;
  switch (open_trusted(c->dir, &c->fd, why, sizeof why)) {
  case DIR_OK: return c->fd;
  case DIR_UNTRUSTED: return refuse(c, why);
  case DIR_NOT_DIR: errno = ENOTDIR; break;
  case DIR_ABSENT: if (!create) return -1; break;
  case DIR_ERROR: break;
  }
  if (create) writes_fail(c, "use the cache directory", c->dir);
  return -1;
}

/* Opens a file of the cache by name, relative to the directory, without
 * following a symbolic link or blocking: O_NONBLOCK so that a FIFO (or
 * device) put there cannot hang the open, and the caller checks with
 * fstat that it is a regular file before reading. The flag is taken off
 * again for the reads and locks of a regular file. */
static int open_own(int dir, const char *name, int flags) {
  int fd = openat(dir, name, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

/* Why an entry's file may not be read, or NULL: it must be a regular file
 * of the user's that nobody else can write (whatever its MAC says: the MAC
 * is the second lock, not the only one). */
static const char *entry_untrusted(const struct stat *st, char *why, size_t whysize) {
  if (!S_ISREG(st->st_mode)) snprintf(why, whysize, "not a regular file");
  else if (st->st_uid != geteuid()) snprintf(why, whysize, "owned by another user (uid %lu)", (unsigned long)st->st_uid);
  else if (st->st_mode & (S_IWGRP | S_IWOTH))
    snprintf(why, whysize, "writable by group or others (mode %04o)", (unsigned)(st->st_mode & 07777));
  else if (st->st_size > DC_MAX_ENTRY_BYTES) snprintf(why, whysize, "larger than %u bytes", DC_MAX_ENTRY_BYTES);
  else return NULL;
  return why;
}

/* Reads the entry name in dir whole into data; false with why. */
static bool read_entry(int dir, const char *name, tj_buf *data, char *why, size_t whysize) {
  int fd = open_own(dir, name, O_RDONLY);
  struct stat st;
  if (fd < 0) return snprintf(why, whysize, "%s", errno == ELOOP ? "a symbolic link" : strerror(errno)), false;
  bool ok = fstat(fd, &st) == 0 ? !entry_untrusted(&st, why, whysize)
                                 : (snprintf(why, whysize, "%s", strerror(errno)), false);
  if (ok) {
    data->len = 0;
    char *room = buf_room(data, (size_t)st.st_size);
    size_t got = 0;
    ssize_t n = 1;
    while (got < (size_t)st.st_size && (n = read(fd, room + got, (size_t)st.st_size - got)) > 0) got += (size_t)n;
    /* shorter: replaced under us; the MAC catches the rest */
    if (!(ok = got == (size_t)st.st_size)) snprintf(why, whysize, "shorter than it was");
  }
  close(fd);
  return ok;
}

bool dc_read(tj_cache *c, cache_digest key, tj_buf *data) {
  char hex[33], why[128];
  int dir = dir_fd(c, false);
  if (dir < 0) return false;
  cache_digest_hex(key, hex);
  return read_entry(dir, hex, data, why, sizeof why);
}

/* Creates a temporary file for the entry hex in dir (mkstemp's names,
 * but relative to the directory's descriptor); its name in name. */
static int make_temp(int dir, const char *hex, char name[64]) {
  static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; attempt++) {
    char suffix[7];
    for (int i = 0; i < 6; i++) suffix[i] = letters[randombytes_uniform(sizeof letters - 1)];
    suffix[6] = '\0';
    snprintf(name, 64, TEMP_PREFIX "%s-%s", hex, suffix);
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

bool dc_write(tj_cache *c, cache_digest key, const tj_buf *data) {
  int dir = c->writes_off ? -1 : dir_fd(c, true);
  if (dir < 0) return false;
  char hex[33], name[64];
  cache_digest_hex(key, hex);
  int fd = make_temp(dir, hex, name);
  if (fd < 0) return writes_fail(c, "write in the cache directory", c->dir);
  bool ok = write_all(fd, data->data, data->len);
  if (close(fd) != 0) ok = false;
  if (!ok) {
    char *temp = join(c->dir, name);
    writes_fail(c, "write", temp);
    free(temp);
  } else if (renameat(dir, name, dir, hex) != 0) {
    /* ENOENT: `tjit cache clear` took the temporary file; no harm done */
    char *path = join(c->dir, hex);
    ok = errno == ENOENT ? false : writes_fail(c, "write", path);
    free(path);
  }
  if (!ok) unlinkat(dir, name, 0);
  return ok;
}

void dc_count(tj_cache *c, bool hit) {
  if (hit) c->hits++;
  else c->misses++;
}

/* ---- the counters: one small text file, updated under a lock ---- */

static void parse_counters(const char *text, long long *hits, long long *misses) {
  if (sscanf(text, "tjit-cache-stats 1\nhits %lld\nmisses %lld\n", hits, misses) != 2 || *hits < 0 || *misses < 0)
    *hits = *misses = 0; /* a damaged file starts again from zero */
}

/* Opens the counters locked (exclusive to write); -1 when there are none,
 * -2 when STATS_FILE is there but no regular file (a FIFO would block the
 * read forever): a run then keeps no counters, `cache stats` says so. */
static int open_counters(int dir, bool write, long long *hits, long long *misses) {
  char text[128] = "";
  int fd = open_own(dir, STATS_FILE, write ? O_RDWR | O_CREAT : O_RDONLY);
  *hits = *misses = 0;
  struct flock lock = {.l_type = write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET};
  struct stat st;
  if (fd < 0) return -1;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -2;
  }
  if (fcntl(fd, F_SETLKW, &lock) != 0) {
    close(fd);
    return -1;
  }
  ssize_t n = pread(fd, text, sizeof text - 1, 0);
  text[n > 0 ? n : 0] = '\0';
  parse_counters(text, hits, misses);
  return fd;
}

static void add_counters(tj_cache *c) {
  long long hits, misses;
  if (c->hits + c->misses == 0) return;
  int dir = dir_fd(c, false); /* never make the directory for them */
  int fd = dir < 0 ? -1 : open_counters(dir, true, &hits, &misses);
  if (fd < 0) return;
  char text[128];
  int n = snprintf(text, sizeof text, "tjit-cache-stats 1\nhits %lld\nmisses %lld\n", hits + c->hits, misses + c->misses);
  if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) == n) c->hits = c->misses = 0;
  close(fd); /* and the lock with it */
}

void tj_cache_close(tj_cache *c) {
  if (!c) return;
  add_counters(c);
  if (c->fd >= 0) close(c->fd);
  sodium_memzero(&c->key, sizeof c->key);
  free(c->warning);
  free(c->dir);
  free(c);
}

/* ---- stats and clear ---- */

static bool is_hex_name(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  return true;
}

static bool is_entry_name(const char *name) { return strlen(name) == 32 && is_hex_name(name, 32); }

bool dc_own_file(const char *name) {
  size_t n = strlen(name), p = strlen(TEMP_PREFIX);
  if (is_entry_name(name) || strcmp(name, STATS_FILE) == 0) return true;
  return n == p + 32 + 7 && strncmp(name, TEMP_PREFIX, p) == 0 && is_hex_name(name + p, 32) && name[p + 32] == '-';
}

/* The directory for stats and clear, checked as a run checks it: -1 when
 * there is none yet (an empty cache), -2 after a diagnostic. */
static int open_for_command(tj_ctx *ctx, const char *dir) {
  char why[128];
  int fd;
  diag_set_kind(&ctx->diags, DIAG_KIND_IO);
  switch (open_trusted(dir, &fd, why, sizeof why)) {
  case DIR_OK: return fd;
  case DIR_ABSENT: return -1;
  case DIR_UNTRUSTED:
    diag_error(&ctx->diags, NULL, span_make(0, 0), "the cache directory '%s' %s", dir, why);
    return -2;
  case DIR_NOT_DIR: errno = ENOTDIR; break;
  case DIR_ERROR: break;
  }
  diag_error(&ctx->diags, NULL, span_make(0, 0), "cannot read the cache directory '%s': %s", dir, strerror(errno));
  return -2;
}

/* Calls visit for each of the cache's own regular files in the directory
 * open as fd; false with a diagnostic when it cannot be read. */
static bool each_own_file(tj_ctx *ctx, const char *path, int fd,
                          void (*visit)(int dir, const char *name, const struct stat *st, void *arg), void *arg) {
  int copy = dup(fd); /* closedir closes it */
  DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
  if (!d) {
    if (copy >= 0) close(copy);
    return diag_error(&ctx->diags, NULL, span_make(0, 0), "cannot read the cache directory '%s': %s", path,
                      strerror(errno));
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    struct stat st;
    if (dc_own_file(e->d_name) && fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      visit(fd, e->d_name, &st, arg);
  }
  closedir(d);
  return true;
}

static void count_entry(int dir, const char *name, const struct stat *st, void *arg) {
  tj_cache_stats *s = arg;
  (void)dir;
  if (!is_entry_name(name)) return;
  s->entries++;
  s->bytes += st->st_size;
}

tj_status tj_cache_stats_read(tj_ctx *ctx, const char *dir, tj_cache_stats *out) {
  memset(out, 0, sizeof *out);
  int fd = open_for_command(ctx, dir);
  if (fd == -1) return TJ_OK;
  if (fd < 0 || !each_own_file(ctx, dir, fd, count_entry, out)) {
    if (fd >= 0) close(fd);
    return TJ_ERR_USAGE;
  }
  int counters = open_counters(fd, false, &out->hits, &out->misses);
  close(fd);
  if (counters == -2) {
    char *path = join(dir, STATS_FILE);
    diag_error(&ctx->diags, NULL, span_make(0, 0), "the cache's counters file '%s' is not a regular file", path);
    free(path);
    return TJ_ERR_USAGE;
  }
  if (counters >= 0) close(counters);
  return TJ_OK;
}

typedef struct clearing {
  tj_ctx *ctx;
  const char *dir;
  long long removed;
  bool failed;
} clearing;

static void remove_file(int dir, const char *name, const struct stat *st, void *arg) {
  clearing *c = arg;
  (void)st;
  if (unlinkat(dir, name, 0) == 0) c->removed += is_entry_name(name);
  else if (errno != ENOENT && !c->failed) { /* ENOENT: another process got there first */
    char *path = join(c->dir, name);
    c->failed = !diag_error(&c->ctx->diags, NULL, span_make(0, 0), "cannot remove '%s': %s", path, strerror(errno));
    free(path);
  }
}

tj_status tj_cache_clear(tj_ctx *ctx, const char *dir, long long *removed) {
  clearing c = {ctx, dir, 0, false};
  *removed = 0;
  int fd = open_for_command(ctx, dir);
  if (fd == -1) return TJ_OK;
  if (fd < 0) return TJ_ERR_USAGE;
  bool ok = each_own_file(ctx, dir, fd, remove_file, &c);
  close(fd);
  *removed = c.removed;
  return ok && !c.failed ? TJ_OK : TJ_ERR_USAGE;
}

/* ---- verify ---- */

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The entries' names in the directory open as fd, sorted (malloc'd). */
static char **entry_names(int fd, size_t *n) {
  int copy = dup(fd);
  DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
  char **names = NULL;
  size_t cap = 0;
  *n = 0;
  if (!d) {
    if (copy >= 0) close(copy);
    return NULL;
  }
  for (struct dirent *e; (e = readdir(d));) {
    if (!is_entry_name(e->d_name)) continue;
    if (*n == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *names))) TJ_OOM();
    if (!(names[(*n)++] = strdup(e->d_name))) TJ_OOM();
  }
  closedir(d);
  if (*n) qsort(names, *n, sizeof *names, compare_names);
  return names;
}

/* The call key an entry's name is the hex digest of (cache_digest_hex). */
static cache_digest name_digest(const char *name) {
  char half[17];
  cache_digest d;
  memcpy(half, name, 16), half[16] = '\0';
  d.hi = strtoull(half, NULL, 16);
  memcpy(half, name + 16, 16);
  d.lo = strtoull(half, NULL, 16);
  return d;
}

tj_status tj_cache_verify(tj_ctx *ctx, const char *dir, tj_cache_verdict report, void *arg) {
  char why[128];
  int fd = open_for_command(ctx, dir); /* its diagnostics, as stats and clear give them */
  if (fd == -1) return TJ_OK;
  if (fd < 0) return TJ_ERR_USAGE;
  close(fd);
  tj_cache *c = tj_cache_open(ctx, dir); /* and the key, as a run opens them */
  if (!c || c->fd < 0) {
    if (c) diag_error(&ctx->diags, NULL, span_make(0, 0), "the cache directory vanished");
    tj_cache_close(c);
    return TJ_ERR_USAGE;
  }
  size_t n;
  char **names = entry_names(c->fd, &n);
  tj_buf data = {0};
  for (size_t i = 0; i < n; i++) {
    dc_entry e;
    bool usable = read_entry(c->fd, names[i], &data, why, sizeof why) &&
                  dc_decode(name_digest(names[i]), &c->key, data.data, data.len, &e, why, sizeof why);
    if (usable) dc_entry_free(&e);
    report(names[i], usable ? NULL : why, arg);
    free(names[i]);
  }
  free(names);
  buf_free(&data);
  tj_cache_close(c);
  return TJ_OK;
}
