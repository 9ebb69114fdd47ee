/* A progress line on a terminal (see progress.h). A ticker thread wakes
 * every 250 ms on a condition variable (so that the end stops it at once)
 * and, once a second has passed, rewrites the line; every field it shares
 * is read and written under the lock, and the end joins it. The work
 * itself, such as Graphviz's layout, goes on untouched in the caller's
 * thread: nothing has to report to the ticker but a new description. */
#include "progress.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  PROGRESS_DELAY_MS = 1000, /* silent before this: most work is done by then */
  PROGRESS_TICK_MS = 250,   /* how often the ticker looks */
};

struct cmd_progress {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  struct timespec start;  /* CLOCK_MONOTONIC */
  const char *command;
  char what[160];         /* lock held */
  bool stop;              /* lock held */
  bool shown;             /* the line is on the terminal (the ticker's, then the end's after join) */
  bool changed;           /* what changed since the line was shown (lock held) */
  long long shown_s;      /* the seconds the line shows (the ticker's) */
};

static long long ms_since(const struct timespec *t0) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t0->tv_sec) * 1000LL + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* CLOCK_MONOTONIC now plus ms, for pthread_cond_timedwait. */
static struct timespec deadline_in(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  t.tv_nsec += ms * 1000000L;
  t.tv_sec += t.tv_nsec / 1000000000L;
  t.tv_nsec %= 1000000000L;
  return t;
}

/* "\r" and erase-line, then the line; one write, so it never interleaves. */
static void show(struct cmd_progress *p, long long ms) {
  char line[256];
  int n = snprintf(line, sizeof line, "\r\33[Ktjit %s: %s... %lld s", p->command, p->what, ms / 1000);
  if (n > 0) fwrite(line, 1, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, stderr);
  p->shown = true;
  p->changed = false;
  p->shown_s = ms / 1000;
}

static void *tick(void *arg) {
  struct cmd_progress *p = arg;
  pthread_mutex_lock(&p->lock);
  while (!p->stop) {
    struct timespec until = deadline_in(PROGRESS_TICK_MS);
    pthread_cond_timedwait(&p->wake, &p->lock, &until);
    long long ms = ms_since(&p->start);
    if (!p->stop && ms >= PROGRESS_DELAY_MS && (!p->shown || p->changed || ms / 1000 != p->shown_s)) show(p, ms);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

struct cmd_progress *cmd_progress_start(const char *command, const char *what) {
  if (!isatty(STDERR_FILENO)) return NULL;
  struct cmd_progress *p = calloc(1, sizeof *p);
  pthread_condattr_t attr;
  if (!p) return NULL;
  p->command = command;
  snprintf(p->what, sizeof p->what, "%s", what);
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  pthread_mutex_init(&p->lock, NULL);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&p->wake, &attr);
  pthread_condattr_destroy(&attr);
  if (pthread_create(&p->thread, NULL, tick, p) == 0) return p;
  pthread_cond_destroy(&p->wake); /* no ticker: the work goes on without a line */
  pthread_mutex_destroy(&p->lock);
  free(p);
  return NULL;
}

void cmd_progress_say(struct cmd_progress *p, const char *what) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  snprintf(p->what, sizeof p->what, "%s", what);
  p->changed = true;
  pthread_mutex_unlock(&p->lock);
}

void cmd_progress_end(struct cmd_progress *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->stop = true;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  if (p->shown) fputs("\r\33[K", stderr); /* the ticker is gone: the line is the end's to erase */
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p);
}
