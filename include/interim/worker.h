/* worker.h — a second thread to which a computation hands one job while it goes on with another. */
#pragma once

/* A thread waiting for jobs, one at a time. */
typedef struct Worker Worker;

/* Starts a worker thread.  Returns 0, or a negative errno. */
int worker_new(Worker **ret);

/* Stops the thread (after its job, if it has one) and frees it; accepts NULL. */
void worker_free(Worker *w);

/* Has the worker run job(arg).  The caller then calls worker_wait() before anything else on w. */
void worker_run(Worker *w, int (*job)(void *arg), void *arg);

/*
 * Waits for the job given by worker_run() to end and returns what it returned.  A job
 * the worker has not started yet runs here instead, on the caller's thread.
 */
int worker_wait(Worker *w);
