/* test-worker.c — jobs handed to a worker run once each, on it or taken back by the caller, and say what they returned. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "interim/worker.h"

typedef struct Job {
        pthread_t ran_on;
        atomic_int runs;
        int result;
} Job;

static int job(void *arg) {
        Job *j = arg;
        j->ran_on = pthread_self();
        atomic_fetch_add(&j->runs, 1);
        return j->result;
}

/* A job the worker has started runs to its end there, and worker_wait() returns its result. */
static void test_on_worker(void **state) {
        Worker *w;
        assert_int_equal(worker_new(&w), 0);
        pthread_t first = pthread_self();
        for (int i = 0; i < 20; i++) {
                Job j = { .result = i % 7 - 3 };
                worker_run(w, job, &j);
                while (atomic_load(&j.runs) == 0)
                        ; /* only the worker can start it: this thread is here */
                assert_int_equal(worker_wait(w), i % 7 - 3);
                assert_int_equal(atomic_load(&j.runs), 1);
                assert_false(pthread_equal(j.ran_on, pthread_self()));
                if (i == 0)
                        first = j.ran_on;
                assert_true(pthread_equal(j.ran_on, first)); /* one thread runs them all */
        }
        worker_free(w);
}

/* Waited for at once, each job runs exactly once, on whichever thread got it first. */
static void test_at_once(void **state) {
        Worker *w;
        assert_int_equal(worker_new(&w), 0);
        for (int i = 0; i < 2000; i++) {
                Job j = { .result = i };
                worker_run(w, job, &j);
                assert_int_equal(worker_wait(w), i);
                assert_int_equal(atomic_load(&j.runs), 1);
        }
        worker_free(w);
}

/* A worker freed with its last job done, or before it ever had one, stops cleanly. */
static void test_stop(void **state) {
        Worker *w;
        assert_int_equal(worker_new(&w), 0);
        worker_free(w);
        assert_int_equal(worker_new(&w), 0);
        Job j = { .result = 5 };
        worker_run(w, job, &j);
        assert_int_equal(worker_wait(w), 5);
        worker_free(w);
        assert_int_equal(atomic_load(&j.runs), 1);
        worker_free(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_on_worker),
                cmocka_unit_test(test_at_once),
                cmocka_unit_test(test_stop),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
