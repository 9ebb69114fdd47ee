/* The user's cache key (tjit-cache(1), TRUST MODEL): the secret the disk
 * cache's entries are sealed with, so that an entry someone else wrote
 * (anyone who could write a file in the directory, a cache restored from
 * elsewhere) is never loaded as code. It lives outside the cache
 * directory, in a file only the user can read, made on first use. */
#define _DEFAULT_SOURCE /* O_NOFOLLOW, O_CLOEXEC with strict POSIX headers */
#include "diskcache.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_HEX (2 * DC_KEY_BYTES)

/* a, then b after a slash; b NULL: a copy of a. */
static char *path_join(const char *a, const char *b) {
  size_t n = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
  char *s = malloc(n);
  if (!s) TJ_OOM();
  snprintf(s, n, "%s%s%s", a, !b || (*a && a[strlen(a) - 1] == '/') ? "" : "/", b ? b : "");
  return s;
}

char *dc_key_default_path(void) {
  const char *file = getenv("TJIT_CACHE_KEY"), *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
  if (file && *file) return path_join(file, NULL);
  if (xdg && *xdg == '/') return path_join(xdg, "tjit/cache.key"); /* the XDG spec ignores a relative path */
  if (home && *home) return path_join(home, ".config/tjit/cache.key");
  return NULL;
}

/* mkdir -p of path's directory, private to the user; existing ones are
 * left as they are (the key file's own checks are what matter). */
static void make_parents(const char *path) {
  char *p = path_join(path, NULL);
  char *slash = strrchr(p, '/');
  if (slash && slash != p) {
    *slash = '\0';
    for (char *s = p + 1; *s; s++)
      if (*s == '/') {
        *s = '\0';
        mkdir(p, 0700);
        *s = '/';
      }
    mkdir(p, 0700);
  }
  free(p);
}

/* Makes the key file with a new random key: written whole to a temporary
 * file, then linked to its name, which fails if another process made it
 * first (its key wins: both then read it), so no reader sees half a key. */
static bool create_key(const diag_at *at, const char *path) {
  unsigned char key[DC_KEY_BYTES];
  char hex[KEY_HEX + 2];
  randombytes_buf(key, sizeof key);
  sodium_bin2hex(hex, sizeof hex, key, sizeof key);
  sodium_memzero(key, sizeof key);
  hex[KEY_HEX] = '\n';
  make_parents(path);
  size_t n = strlen(path) + 8;
  char *temp = malloc(n);
  if (!temp) TJ_OOM();
  snprintf(temp, n, "%s.XXXXXX", path);
  int fd = mkstemp(temp); /* mode 0600 */
  bool ok = fd >= 0 && write_all(fd, hex, KEY_HEX + 1) && fsync(fd) == 0;
  int error = errno;
  if (fd >= 0 && close(fd) != 0 && ok) ok = false, error = errno;
  if (ok && link(temp, path) != 0 && errno != EEXIST) ok = false, error = errno;
  if (!ok) diag_error_at(at, "cannot create the cache key file '%s': %s", path, strerror(error));
  if (fd >= 0) unlink(temp);
  sodium_memzero(hex, sizeof hex);
  free(temp);
  return ok;
}

/* Why the key file open as fd cannot be trusted, or NULL: the checks ssh
 * makes of a private key. */
static const char *untrusted(int fd, char *why, size_t whysize) {
  struct stat st;
  if (fstat(fd, &st) != 0) snprintf(why, whysize, "cannot be examined: %s", strerror(errno));
  else if (!S_ISREG(st.st_mode)) snprintf(why, whysize, "is not a regular file");
  else if (st.st_uid != geteuid()) snprintf(why, whysize, "is owned by another user (uid %lu)", (unsigned long)st.st_uid);
  else if (st.st_mode & 077)
    snprintf(why, whysize, "can be read or written by others (mode %04o); it must be 0600",
             (unsigned)(st.st_mode & 07777));
  else return NULL;
  return why;
}

/* Opens the key file without following a symbolic link or blocking on a
 * FIFO; -1 with errno (ENOENT: there is none). */
static int open_key(const char *path) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

/* The key in the file open as fd: 64 hexadecimal digits and a newline. */
static bool read_key(int fd, dc_key *key) {
  char text[KEY_HEX + 3];
  size_t got = 0, hexlen = 0;
  ssize_t n;
  while (got < sizeof text && (n = read(fd, text + got, sizeof text - got)) > 0) got += (size_t)n;
  bool ok = (got == KEY_HEX || (got == KEY_HEX + 1 && text[KEY_HEX] == '\n')) &&
            sodium_hex2bin(key->bytes, DC_KEY_BYTES, text, KEY_HEX, NULL, &hexlen, NULL) == 0 &&
            hexlen == DC_KEY_BYTES;
  sodium_memzero(text, sizeof text);
  return ok;
}

bool dc_key_load(const diag_at *at, const char *path, dc_key *key) {
  char why[128];
  if (sodium_init() < 0) return diag_error_at(at, "cannot initialize libsodium");
  int fd = open_key(path);
  if (fd < 0 && errno == ENOENT) {
    if (!create_key(at, path)) return false;
    fd = open_key(path);
  }
  if (fd < 0 && errno == ELOOP) return diag_error_at(at, "the cache key file '%s' is a symbolic link", path);
  if (fd < 0) return diag_error_at(at, "cannot read the cache key file '%s': %s", path, strerror(errno));
  bool ok = !untrusted(fd, why, sizeof why);
  if (!ok) diag_error_at(at, "the cache key file '%s' %s", path, why);
  else if (!(ok = read_key(fd, key)))
    diag_error_at(at, "the cache key file '%s' does not hold a key (64 hexadecimal digits)", path);
  close(fd);
  return ok;
}
