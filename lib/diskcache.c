/* The disk cache's directory: where it is, reading and atomically
 * replacing entries, the hit/miss counters, stats and clear (the entry
 * format is diskcache_entry.c's). Nothing here may make a run fail: a
 * directory that cannot be written turns the cache's writes off with one
 * warning for the caller to show. */
#define _DEFAULT_SOURCE /* O_NOFOLLOW, O_CLOEXEC with strict POSIX headers */
#include "diskcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
  bool dir_made;           /* created (or found) by this process */
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

tj_cache *tj_cache_open(const char *dir, char *err, size_t errsize) {
  char *path = dir ? dir_copy(dir) : tj_cache_default_dir();
  struct stat st;
  if (!path) {
    snprintf(err, errsize, "no cache directory (set TJIT_CACHE_DIR, XDG_CACHE_HOME or HOME)");
    return NULL;
  }
  if (stat(path, &st) == 0 && (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())) {
    /* the code in it will run as us: it must be ours */
    snprintf(err, errsize, "the cache directory '%s' is %s", path,
             S_ISDIR(st.st_mode) ? "owned by another user" : "not a directory");
    free(path);
    return NULL;
  }
  tj_cache *c = calloc(1, sizeof *c);
  if (!c) TJ_OOM();
  c->dir = path;
  return c;
}

const char *tj_cache_dir(const tj_cache *c) { return c->dir; }

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

/* mkdir -p, private to the user; another process making it first is fine. */
static bool make_dir(tj_cache *c) {
  if (c->dir_made) return true;
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
  struct stat st;
  errno = EEXIST;
  bool ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
  if (!ok) {
    if (errno == EEXIST) errno = ENOTDIR;
    writes_fail(c, "use the cache directory", p);
  }
  free(p);
  return c->dir_made = ok;
}

static char *entry_path(const tj_cache *c, cache_digest key) {
  char hex[33];
  cache_digest_hex(key, hex);
  return join(c->dir, hex);
}

/* Opens a file of the cache by name without blocking: O_NONBLOCK so that a
 * FIFO (or device) put there cannot hang the open, and the caller checks
 * with fstat that it is a regular file before reading. The flag is taken
 * off again for the reads and locks of a regular file. */
static int open_own(const char *path, int flags) {
  int fd = open(path, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

bool dc_read(tj_cache *c, cache_digest key, tj_buf *data) {
  char *path = entry_path(c, key);
  int fd = open_own(path, O_RDONLY);
  free(path);
  struct stat st;
  bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= DC_MAX_ENTRY_BYTES;
  if (ok) {
    data->len = 0;
    char *room = buf_room(data, (size_t)st.st_size);
    size_t got = 0;
    ssize_t n = 1;
    while (got < (size_t)st.st_size && (n = read(fd, room + got, (size_t)st.st_size - got)) > 0) got += (size_t)n;
    ok = got == (size_t)st.st_size; /* shorter: replaced under us; the checksum catches the rest */
  }
  if (fd >= 0) close(fd);
  return ok;
}

static bool write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w, n -= (size_t)w;
  }
  return true;
}

bool dc_write(tj_cache *c, cache_digest key, const tj_buf *data) {
  if (c->writes_off || !make_dir(c)) return false;
  char hex[33], name[64];
  cache_digest_hex(key, hex);
  snprintf(name, sizeof name, TEMP_PREFIX "%s-XXXXXX", hex);
  char *temp = join(c->dir, name), *path = join(c->dir, hex);
  int fd = mkstemp(temp);
  bool ok = fd >= 0;
  if (!ok) writes_fail(c, "write in the cache directory", c->dir);
  else if (!write_all(fd, data->data, data->len) || close(fd) != 0) {
    ok = writes_fail(c, "write", temp);
    unlink(temp);
  } else if (rename(temp, path) != 0) {
    /* ENOENT: `tjit cache clear` took the temporary file; no harm done */
    ok = errno == ENOENT ? false : writes_fail(c, "write", path);
    unlink(temp);
  }
  free(temp);
  free(path);
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
static int open_counters(const char *dir, bool write, long long *hits, long long *misses) {
  char *path = join(dir, STATS_FILE), text[128] = "";
  int fd = open_own(path, write ? O_RDWR | O_CREAT : O_RDONLY);
  free(path);
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
  struct stat st;
  if (c->hits + c->misses == 0 || stat(c->dir, &st) != 0) return; /* never make the directory for them */
  int fd = open_counters(c->dir, true, &hits, &misses);
  if (fd < 0) return;
  char text[128];
  int n = snprintf(text, sizeof text, "tjit-cache-stats 1\nhits %lld\nmisses %lld\n", hits + c->hits, misses + c->misses);
  if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) == n) c->hits = c->misses = 0;
  close(fd); /* and the lock with it */
}

void tj_cache_close(tj_cache *c) {
  if (!c) return;
  add_counters(c);
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

/* Calls visit for each of the cache's own regular files in dir; false with
 * a diagnostic when dir exists but cannot be read. */
static bool each_own_file(tj_ctx *ctx, const char *dir, void (*visit)(const char *path, const char *name,
                                                                        const struct stat *st, void *arg), void *arg) {
  DIR *d = opendir(dir);
  diag_set_kind(&ctx->diags, DIAG_KIND_IO);
  if (!d && errno == ENOENT) return true; /* no cache yet: nothing in it */
  if (!d) return diag_error(&ctx->diags, NULL, span_make(0, 0), "cannot read the cache directory '%s': %s", dir,
                            strerror(errno));
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!dc_own_file(e->d_name)) continue;
    char *path = join(dir, e->d_name);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) visit(path, e->d_name, &st, arg);
    free(path);
  }
  closedir(d);
  return true;
}

static void count_entry(const char *path, const char *name, const struct stat *st, void *arg) {
  tj_cache_stats *s = arg;
  (void)path;
  if (!is_entry_name(name)) return;
  s->entries++;
  s->bytes += st->st_size;
}

tj_status tj_cache_stats_read(tj_ctx *ctx, const char *dir, tj_cache_stats *out) {
  memset(out, 0, sizeof *out);
  if (!each_own_file(ctx, dir, count_entry, out)) return TJ_ERR_USAGE;
  int fd = open_counters(dir, false, &out->hits, &out->misses);
  if (fd == -2) {
    char *path = join(dir, STATS_FILE);
    diag_error(&ctx->diags, NULL, span_make(0, 0), "the cache's counters file '%s' is not a regular file", path);
    free(path);
    return TJ_ERR_USAGE;
  }
  if (fd >= 0) close(fd);
  return TJ_OK;
}

typedef struct clearing {
  tj_ctx *ctx;
  long long removed;
  bool failed;
} clearing;

static void remove_file(const char *path, const char *name, const struct stat *st, void *arg) {
  clearing *c = arg;
  (void)st;
  if (unlink(path) == 0) c->removed += is_entry_name(name);
  else if (errno != ENOENT && !c->failed) /* ENOENT: another process got there first */
    c->failed = !diag_error(&c->ctx->diags, NULL, span_make(0, 0), "cannot remove '%s': %s", path, strerror(errno));
}

tj_status tj_cache_clear(tj_ctx *ctx, const char *dir, long long *removed) {
  clearing c = {ctx, 0, false};
  bool ok = each_own_file(ctx, dir, remove_file, &c);
  *removed = c.removed;
  return ok && !c.failed ? TJ_OK : TJ_ERR_USAGE;
}
