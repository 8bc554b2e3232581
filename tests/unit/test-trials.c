/* test-trials.c — the daemon's trials rebuilt from a store: a whole replay, a reload's partial one, a row that contradicts its Event, a store that fails. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "config.h"
#include "harness.h"
#include "interim/date.h"
#include "interim/trial.h"
#include "store.h"
#include "trials.h"

static const char config_text[] =
        "[daemon]\n"
        "state_dir = %s\n"
        "ingest = ipc://%s/ingest\n"
        "[trial GBSG]\n"
        "arms = control, hormone\n"
        "strata = g1, g2\n" /* the harness enrolls in GBSG's g1 */
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[trial SOLO]\n"
        "arms = a, b\n"
        "[endpoint SOLO os]\n"
        "events = death\n"
        "%s";

typedef struct Fixture {
        Harness h;
        Store *store;
        uint64_t seq;
} Fixture;

static Config *config_with(Fixture *f, const char *extra) {
        FILE *c = fopen(f->h.config, "w");
        assert_non_null(c);
        fprintf(c, config_text, f->h.state, f->h.dir, extra);
        fclose(c);
        Config *config = NULL;
        char *error = NULL;
        assert_int_equal(config_load(&config, f->h.config, &error), 0);
        return config;
}

/* Stores one event of trial `trial` (its Event), with `column` in the row's trial column. */
static void put(Fixture *f, const char *trial, const char *column, const char *patient, const char *kind,
                const char *arm) {
        char date[11];
        uint8_t payload[256];
        date_format((int32_t)(time(NULL) / 86400) - 10, date);
        SiteEvent ev = { .trial = trial, .site = "site-1", .seq = ++f->seq, .patient = patient, .date = date,
                         .kind = kind, .arm = arm };
        size_t len = harness_encode(&ev, payload, sizeof(payload));
        assert_true(len > 0);
        StoreEvent row = { .server_time = (int64_t)time(NULL) * 1000000, .sender = "test", .trial = column,
                           .site = "site-1", .site_seq = (int64_t)f->seq, .patient = patient, .kind = kind,
                           .date = date, .payload = payload, .payload_len = len };
        int64_t store_seq;
        assert_int_equal(store_begin(f->store), 0);
        assert_int_equal(store_append_event(f->store, &row, &store_seq), 0);
        assert_int_equal(store_commit(f->store), 0);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        assert_int_equal(harness_init(&f->h, "test-trials", NULL), 0);
        char *error = NULL;
        assert_int_equal(store_open(&f->store, f->h.state, &error), 0);
        put(f, "GBSG", "GBSG", "P1", "enroll", "control");
        put(f, "SOLO", "SOLO", "P2", "enroll", "a");
        put(f, "GBSG", "GBSG", "P3", "enroll", "hormone");
        put(f, "GBSG", "GBSG", "P1", "death", NULL);
        put(f, "SOLO", "SOLO", "P4", "enroll", "b");
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        store_free(f->store);
        harness_cleanup(&f->h);
        free(f);
        return 0;
}

/* The trials of configuration c, the whole store replayed into them; the events replayed in *ret_n. */
static Trials *replayed(Fixture *f, const Config *c, size_t *ret_n) {
        Trials *ts = NULL;
        char *error = NULL;
        assert_int_equal(trials_new(&ts, c), 0);
        assert_int_equal(trials_replay(ts, f->store, ret_n, &error), 0);
        return ts;
}

static void test_replay(void **state) {
        Fixture *f = *state;
        Config *c = config_with(f, "");
        size_t n = 0;
        Trials *ts = replayed(f, c, &n);
        assert_int_equal(n, 5);
        assert_int_equal(trial_enrolled(ts->trial[0], SURV_ALL), 2);
        assert_int_equal(trial_enrolled(ts->trial[1], SURV_ALL), 2);
        trials_free(ts);
        config_free(c);
}

/* A reload that gives SOLO an endpoint rebuilds SOLO from its events alone and keeps GBSG as it runs. */
static void test_reload(void **state) {
        Fixture *f = *state;
        Config *c = config_with(f, "");
        Trials *next = NULL;
        size_t n = 0;
        char *error = NULL;
        Trials *running = replayed(f, c, &n);
        Config *more = config_with(f, "[endpoint SOLO pfs]\nevents = progression, death\n[trial NEW]\narms = x, y\n"
                                      "[endpoint NEW os]\nevents = death\n");
        assert_int_equal(trials_reload(&next, running, more, f->store, &n, &error), 0);
        assert_null(error);
        assert_int_equal(n, 2); /* SOLO's two enrollments, none of GBSG's */
        assert_int_equal(next->n, 3);
        assert_true(next->kept[0] && next->trial[0] == running->trial[0]);
        assert_false(next->kept[1]);
        assert_ptr_not_equal(next->trial[1], running->trial[1]);
        assert_int_equal(trial_enrolled(next->trial[1], SURV_ALL), 2);
        assert_false(next->kept[2]);
        assert_int_equal(trial_enrolled(next->trial[2], SURV_ALL), 0);
        /* The kept trial was given nothing twice. */
        assert_int_equal(trial_enrolled(next->trial[0], SURV_ALL), 2);
        trials_adopt(next, running);
        assert_null(running->trial[0]);
        trials_free(next);
        trials_free(running);
        config_free(more);
        config_free(c);
}

/* A row whose trial column is not its Event's trial stops the replay, which names it. */
static void test_column_contradicts_event(void **state) {
        Fixture *f = *state;
        put(f, "GBSG", "SOLO", "P5", "enroll", "control");
        Config *c = config_with(f, "");
        Trials *ts = NULL;
        size_t n = 0;
        char *error = NULL;
        assert_int_equal(trials_new(&ts, c), 0);
        assert_int_equal(trials_replay(ts, f->store, &n, &error), -EBADMSG);
        assert_string_equal(error, "event 6 (site site-1, site_seq 6): its trial column (SOLO) is not its Event's trial (GBSG)");
        free(error);
        trials_free(ts);
        config_free(c);
}

/* A store that fails under a reload's replay refuses the reload, in SQLite's own words. */
static void test_store_fails(void **state) {
        Fixture *f = *state;
        Config *c = config_with(f, "");
        Trials *next = NULL;
        size_t n = 0;
        char *error = NULL, path[4200];
        Trials *running = replayed(f, c, &n);
        sqlite3 *db;
        snprintf(path, sizeof(path), "%s/interimd.db", f->h.state);
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "ALTER TABLE events RENAME TO gone", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        Config *more = config_with(f, "[endpoint SOLO pfs]\nevents = progression, death\n");
        assert_int_equal(trials_reload(&next, running, more, f->store, &n, &error), -EIO);
        assert_null(next);
        assert_string_equal(error, "Input/output error (store: no such table: events)");
        free(error);
        trials_free(running);
        config_free(more);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
                cmocka_unit_test_setup_teardown(test_column_contradicts_event, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_fails, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
