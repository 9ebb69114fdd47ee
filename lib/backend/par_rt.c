/* The worker threads of par_rt.h. One loop runs at a time: the caller
 * publishes it under the lock with a new generation number, wakes the
 * workers, runs part 0 itself and waits until the workers have run
 * theirs. Workers sleep on a condition variable between loops (a loop is
 * only handed here when it is long enough for the wake-up to pay). */
#include "par_rt.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

struct tj_par {
  int nthreads;            /* wanted, the caller's included */
  int nworkers;            /* started (nthreads - 1 once they run) */
  bool tried;              /* workers were started, or failed to */
  pthread_t *workers;
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  unsigned long generation; /* of the current loop */
  int pending;              /* workers still running it */
  bool quit;
  par_body body;            /* the current loop */
  void *const *ctx;
  long n, grain;
  int parts;
  int most_parts;           /* the most parts of a loop since par_most_parts */
};

typedef struct {
  tj_par *p;
  int part;
} worker_arg;

/* Part i of parts of [0, n) in whole grains. */
static void part_range(long n, long grain, int parts, int i, long *lo, long *hi) {
  long grains = (n + grain - 1) / grain;
  *lo = grains * i / parts * grain;
  *hi = grains * (i + 1) / parts * grain;
  if (*hi > n) *hi = n;
}

static void run_part(const tj_par *p, int i) {
  long lo, hi;
  part_range(p->n, p->grain, p->parts, i, &lo, &hi);
  if (lo < hi) p->body(p->ctx, lo, hi);
}

static void *worker_main(void *opaque) {
  worker_arg *w = opaque;
  tj_par *p = w->p;
  unsigned long seen = 0;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (p->generation == seen && !p->quit) pthread_cond_wait(&p->wake, &p->lock);
    if (p->quit) break;
    seen = p->generation;
    if (w->part < p->parts) { /* the loop's fields stay put until pending is 0 */
      pthread_mutex_unlock(&p->lock);
      run_part(p, w->part);
      pthread_mutex_lock(&p->lock);
    }
    if (--p->pending == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->lock);
  free(w);
  return NULL;
}

tj_par *par_new(int nthreads) {
  tj_par *p = calloc(1, sizeof *p);
  if (!p) TJ_OOM();
  p->nthreads = nthreads < 1 ? 1 : nthreads;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  pthread_cond_init(&p->done, NULL);
  return p;
}

/* The workers, once: as many as can be started. */
static void start_workers(tj_par *p) {
  p->tried = true;
  if (!(p->workers = calloc((size_t)p->nthreads, sizeof *p->workers))) TJ_OOM();
  for (int i = 1; i < p->nthreads; i++) {
    worker_arg *w = malloc(sizeof *w);
    if (!w) TJ_OOM();
    *w = (worker_arg){p, i};
    if (pthread_create(&p->workers[p->nworkers], NULL, worker_main, w) != 0) {
      free(w);
      break;
    }
    p->nworkers++;
  }
}

void par_free(tj_par *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->quit = true;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->nworkers; i++) pthread_join(p->workers[i], NULL);
  free(p->workers);
  pthread_cond_destroy(&p->wake);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

int par_threads(const tj_par *p) { return p ? p->nthreads : 1; }

int par_most_parts(tj_par *p) {
  if (!p) return 1;
  int n = p->most_parts ? p->most_parts : 1;
  p->most_parts = 0;
  return n;
}

void par_run(tj_par *p, par_body body, void *const *ctx, long n, long grain) {
  if (grain < 1) grain = 1;
  if (p && p->nthreads > 1 && !p->tried && n > grain) start_workers(p);
  long grains = (n + grain - 1) / grain;
  int parts = !p || grains < 2 ? 1 : 1 + p->nworkers;
  if (parts > grains) parts = (int)grains;
  if (parts <= 1) {
    if (n > 0) body(ctx, 0, n);
    return;
  }
  if (parts > p->most_parts) p->most_parts = parts;
  pthread_mutex_lock(&p->lock);
  p->body = body, p->ctx = ctx, p->n = n, p->grain = grain, p->parts = parts;
  p->pending = p->nworkers;
  p->generation++;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  run_part(p, 0);
  pthread_mutex_lock(&p->lock);
  while (p->pending > 0) pthread_cond_wait(&p->done, &p->lock);
  pthread_mutex_unlock(&p->lock);
}

int par_online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}
