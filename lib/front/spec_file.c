/* The files a spec names ("source_file", "npy"): found relative to the
 * spec's directory and, when the spec is confined (tj_ctx_confine), only
 * beneath it. See tjit-spec(5), TRUST MODEL. */
#define _DEFAULT_SOURCE /* syscall(), O_NOFOLLOW and O_DIRECTORY with strict POSIX headers */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#if defined(SYS_openat2) && __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2 1
#endif

/* procfs and sysfs files call themselves regular but are generated on
 * reading (/proc/self/environ holds the process's secrets): not data. */
enum { PROC_FS_MAGIC = 0x9fa0, SYS_FS_MAGIC = 0x62656572 };

int regular_file_check(int fd) {
  struct stat st;
  struct statfs fs;
  if (fstat(fd, &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EISDIR;
  if (!S_ISREG(st.st_mode)) return EINVAL;
  if (fstatfs(fd, &fs) == 0 && (fs.f_type == PROC_FS_MAGIC || fs.f_type == SYS_FS_MAGIC)) return EINVAL;
  return 0;
}

int keep_if_regular(int fd) {
  if (fd < 0) return -1;
  int err = regular_file_check(fd);
  if (!err) return fd;
  close(fd);
  errno = err;
  return -1;
}

int open_regular(const char *path) {
  return keep_if_regular(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
}

int open_beneath_walk(int dirfd, const char *name) {
  if (name[0] == '/') return errno = EXDEV, -1;
  int at = dup(dirfd);
  const char *p = name;
  while (at >= 0) {
    size_t len = strcspn(p, "/");
    char part[256]; /* NAME_MAX of Linux file systems, plus the NUL */
    if (len >= sizeof part) return close(at), errno = ENAMETOOLONG, -1;
    memcpy(part, p, len);
    part[len] = '\0';
    if (strcmp(part, "..") == 0) return close(at), errno = EXDEV, -1;
    bool last = p[len] == '\0';
    int next = len == 0 || strcmp(part, ".") == 0 ? dup(at)
               : openat(at, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY));
    int err = errno;
    struct stat st; /* O_DIRECTORY on a symbolic link fails with ENOTDIR */
    if (next < 0 && err == ENOTDIR && fstatat(at, part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
      err = ELOOP;
    close(at);
    if (next < 0) return errno = err == ELOOP ? EXDEV : err, -1;
    if (last) return next;
    at = next;
    p += len + 1;
  }
  return -1;
}

/* name beneath dirfd: openat2's RESOLVE_BENEATH where the kernel has it
 * (symbolic links that stay beneath are followed), else the walk above. */
static int open_beneath(int dirfd, const char *name) {
#ifdef HAVE_OPENAT2
  struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return (int)fd;
#endif
  return open_beneath_walk(dirfd, name);
}

int spec_open_file(tj_arena *a, const tj_spec *spec, const char *name, const char **shown) {
  const char *dir = spec && spec->dir ? spec->dir : ".";
  bool here = strcmp(dir, ".") == 0;
  *shown = here || name[0] == '/' ? name
                                  : arena_printf(a, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
  if (!spec || !spec->confined) return open_regular(*shown);
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return -1;
  int fd = open_beneath(dirfd, name);
  int err = errno;
  close(dirfd);
  errno = err;
  return keep_if_regular(fd);
}

const char *spec_open_error(int err) {
  if (err == EINVAL) return "not a regular file";
  if (err == EXDEV) return "not beneath the spec's directory (the spec is confined)";
  return strerror(err);
}
