/* -o FILE, --output FILE: a command's printed result into FILE instead of
 * standard output (see output.h). The command keeps writing to stdout:
 * cmd_parse points file descriptor 1 at a temporary file beside FILE,
 * and the end of main renames it onto FILE, so a reader never sees FILE
 * half written and a failed command leaves it as it was, as gcc leaves
 * no output file on an error. The one pending output is the program's
 * (never the library's) state, as getopt's globals are. */
#define _XOPEN_SOURCE 700 /* realpath with strict POSIX headers */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static struct {
  const char *command; /* "trace", for messages */
  const char *file;    /* FILE; NULL: stdout is standard output */
  char *target;        /* what is replaced: FILE, or the file a symbolic link FILE names */
  char *temp;          /* TARGET.XXXXXX, renamed onto TARGET at the end; NULL: FILE itself (not a
                          regular file) */
  bool machine;        /* a --format other than text: a failure's document is a whole result */
  bool whole;          /* cmd_output_whole: the result is whole though the command fails */
} pending;
/* Whether a signal's handler may unlink pending.temp: from the moment
 * mkstemp made it (make_temp) until cmd_output_finish or drop_temp takes
 * it over. */
static volatile sig_atomic_t temp_armed;

/* Ctrl-C, a kill or a closed terminal while the command runs: the
 * temporary file is removed (unlink is async-signal-safe) and the signal
 * then ends the program as it would have. */
static void remove_temp_and_die(int sig) {
  if (temp_armed) unlink(pending.temp);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* The signals that end a command and would leave the temporary file. */
static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NENDING (sizeof ending_signals / sizeof ending_signals[0])

static void remove_temp_on_signals(void) {
  struct sigaction sa = {.sa_handler = remove_temp_and_die};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < NENDING; i++) {
    struct sigaction old;
    /* a signal the shell ignores (nohup, a background job's SIGINT) stays ignored */
    if (sigaction(ending_signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
      sigaction(ending_signals[i], &sa, NULL);
  }
}

/* mkstemp with the signals' handler armed for the file at once: a signal
 * between the two (they are blocked meanwhile) would leave it behind. */
static int make_temp(void) {
  sigset_t block, old;
  sigemptyset(&block);
  for (size_t i = 0; i < NENDING; i++) sigaddset(&block, ending_signals[i]);
  remove_temp_on_signals();
  sigprocmask(SIG_BLOCK, &block, &old);
  int fd = mkstemp(pending.temp);
  temp_armed = fd >= 0;
  sigprocmask(SIG_SETMASK, &old, NULL);
  return fd;
}

/* The permissions FILE gets: an existing file's own (replacing it keeps
 * them, as writing into it would), else what a new file gets under the
 * umask. */
static mode_t file_mode(const struct stat *st, bool exists) {
  if (exists) return st->st_mode & 07777;
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

/* Forgets the temporary file, removing it when unlink_it. */
static void drop_temp(bool unlink_it) {
  temp_armed = 0; /* before the name is freed: a signal's handler reads it */
  if (pending.temp && unlink_it) unlink(pending.temp);
  free(pending.temp), free(pending.target);
  pending.temp = pending.target = NULL;
}

/* What FILE's new contents replace (malloc'd): the file a symbolic link
 * names, so the link stays a link (as writing through it would keep it);
 * else FILE (a dangling link is replaced). NULL when out of memory. */
static char *replaced_path(const char *file) {
  struct stat st;
  char *resolved = lstat(file, &st) == 0 && S_ISLNK(st.st_mode) ? realpath(file, NULL) : NULL;
  if (resolved) return resolved;
  char *copy = malloc(strlen(file) + 1);
  return copy ? strcpy(copy, file) : NULL;
}

/* A descriptor to write FILE's new contents to: a temporary file in the
 * replaced file's directory (the same file system, so rename is atomic),
 * or FILE itself when it exists and is not a regular file (/dev/null, a
 * FIFO, a terminal: nothing to replace, and its directory is not ours to
 * write). -1 with errno set on failure. */
static int open_output(const char *file) {
  struct stat st;
  bool exists = stat(file, &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) return open(file, O_WRONLY | O_TRUNC); /* a directory: EISDIR */
  if (!(pending.target = replaced_path(file))) return errno = ENOMEM, -1;
  size_t n = strlen(pending.target);
  if (!(pending.temp = malloc(n + sizeof ".XXXXXX"))) return drop_temp(false), errno = ENOMEM, -1;
  memcpy(pending.temp, pending.target, n);
  memcpy(pending.temp + n, ".XXXXXX", sizeof ".XXXXXX");
  int fd = make_temp();
  if (fd >= 0 && fchmod(fd, file_mode(&st, exists)) == 0) return fd;
  int err = errno;
  if (fd >= 0) close(fd);
  drop_temp(fd >= 0);
  errno = err;
  return -1;
}

int cmd_output_begin(const struct cmd_info *info, const struct cmd_opts *opts) {
  if (!opts->output || strcmp(opts->output, "-") == 0) return -1;
  int fd = open_output(opts->output);
  if (fd < 0) {
    fprintf(stderr, "tjit %s: error: cannot write '%s': %s\n", info->name, opts->output, strerror(errno));
    return TJ_ERR_USAGE;
  }
  fflush(stdout); /* nothing is buffered yet; to be sure it lands on the old stdout */
  if (dup2(fd, STDOUT_FILENO) < 0) {
    int err = errno;
    close(fd);
    drop_temp(true);
    fprintf(stderr, "tjit %s: error: cannot write '%s': %s\n", info->name, opts->output, strerror(err));
    return TJ_ERR_INTERNAL;
  }
  close(fd);
  pending.command = info->name;
  pending.file = opts->output;
  pending.machine = opts->format != FORMAT_TEXT;
  return -1;
}

void cmd_output_whole(void) { pending.whole = true; }

/* Whether FILE gets what the command printed (output.h): success; a
 * failure described by a machine-readable document; a whole result whose
 * verdict is a failure. */
static bool keep_output(int status) {
  struct stat st;
  if (status == TJ_OK || pending.whole) return true;
  return pending.machine && fstat(STDOUT_FILENO, &st) == 0 && st.st_size > 0;
}

static int output_error(int err) {
  fprintf(stderr, "tjit %s: error: cannot write '%s': %s\n", pending.command, pending.file, strerror(err));
  if (pending.temp) unlink(pending.temp);
  return TJ_ERR_INTERNAL;
}

bool cmd_output_pending(void) { return pending.file != NULL; }

int cmd_output_finish(int status, bool written, int err) {
  temp_armed = 0;
  if (!written) return output_error(err ? err : EIO);
  bool keep = keep_output(status);
  if (close(STDOUT_FILENO) != 0) return output_error(errno); /* a write error found only now (NFS) */
  if (pending.temp && keep && rename(pending.temp, pending.target) != 0) return output_error(errno);
  drop_temp(!keep);
  return status;
}
