/* worker.c — a thread that runs the jobs handed to it, one at a time, and says when each is done. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "interim/worker.h"

/*
 * How many times each side looks for the other's hand-over before it sleeps (about 30 us
 * on the project's machine): a refresh's parts end close together, and a thread woken
 * from sleep takes tens of microseconds to run on a virtual machine.
 */
#define SPINS 2000

/*
 * Where a job is: IDLE → GIVEN (worker_run) → RUNNING (the worker took it) → DONE (it
 * returned) → IDLE (worker_wait).  A job still GIVEN when the caller waits goes back to
 * IDLE and runs on the caller's thread: a worker that has no processor yet never holds
 * the caller up.
 */
enum { IDLE, GIVEN, RUNNING, DONE };

struct Worker {
        pthread_t thread;
        int (*job)(void *arg);
        void *arg;
        int result;
        atomic_int state;
        pthread_mutex_t lock; /* guards what follows, and the sleeps on the conditions */
        pthread_cond_t wake;  /* to the worker: a job was given, or it should stop */
        pthread_cond_t done;  /* to the caller: the job returned */
        bool worker_sleeps, caller_sleeps, stop;
};

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
}

/* Whether w's state becomes `want` within SPINS looks. */
static bool spin_for(Worker *w, int want) {
        for (int i = 0; i < SPINS; i++) {
                if (atomic_load_explicit(&w->state, memory_order_acquire) == want)
                        return true;
                relax();
        }
        return false;
}

/*
 * Sleeps on cond until w's state is `want` (or, for the worker, until it should stop),
 * with *sleeps set meanwhile so that the other side knows to signal.  Returns whether
 * the state is `want`.
 */
static bool sleep_for(Worker *w, int want, pthread_cond_t *cond, bool *sleeps) {
        pthread_mutex_lock(&w->lock);
        *sleeps = true;
        while (atomic_load_explicit(&w->state, memory_order_acquire) != want && !(want == GIVEN && w->stop))
                pthread_cond_wait(cond, &w->lock);
        *sleeps = false;
        bool ready = atomic_load_explicit(&w->state, memory_order_acquire) == want;
        pthread_mutex_unlock(&w->lock);
        return ready;
}

/* Sets w's state and wakes the other side if it sleeps on cond. */
static void hand_over(Worker *w, int state, pthread_cond_t *cond, const bool *sleeps) {
        atomic_store_explicit(&w->state, state, memory_order_release);
        pthread_mutex_lock(&w->lock);
        if (*sleeps)
                pthread_cond_signal(cond);
        pthread_mutex_unlock(&w->lock);
}

/* Whether w's state was `from` and is now `to`. */
static bool move(Worker *w, int from, int to) {
        return atomic_compare_exchange_strong_explicit(&w->state, &from, to, memory_order_acq_rel,
                                                       memory_order_acquire);
}

static void *loop(void *arg) {
        Worker *w = arg;
        while (spin_for(w, GIVEN) || sleep_for(w, GIVEN, &w->wake, &w->worker_sleeps)) {
                if (!move(w, GIVEN, RUNNING))
                        continue; /* the caller took it back */
                w->result = w->job(w->arg);
                hand_over(w, DONE, &w->done, &w->caller_sleeps);
        }
        return NULL;
}

int worker_new(Worker **ret) {
        Worker *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        atomic_init(&w->state, IDLE);
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        pthread_cond_init(&w->done, NULL);
        int r = pthread_create(&w->thread, NULL, loop, w);
        if (r != 0) {
                pthread_cond_destroy(&w->done);
                pthread_cond_destroy(&w->wake);
                pthread_mutex_destroy(&w->lock);
                free(w);
                return -r;
        }
        *ret = w;
        return 0;
}

void worker_free(Worker *w) {
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->done);
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

void worker_run(Worker *w, int (*job)(void *arg), void *arg) {
        w->job = job;
        w->arg = arg;
        hand_over(w, GIVEN, &w->wake, &w->worker_sleeps);
}

int worker_wait(Worker *w) {
        if (move(w, GIVEN, IDLE))
                return w->job(w->arg);
        if (!spin_for(w, DONE))
                sleep_for(w, DONE, &w->done, &w->caller_sleeps);
        atomic_store_explicit(&w->state, IDLE, memory_order_relaxed);
        return w->result;
}
