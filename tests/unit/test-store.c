/* test-store.c — the append-only SQLite store: appends, answers, batches, replay, append-only triggers, the hash chain. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "checkpoint.h"
#include "store.h"

typedef struct Fixture {
        char dir[64];
        char db[96];
        Store *store;
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->db, sizeof(f->db), "%s/interimd.db", f->dir);
        char *error = NULL;
        assert_int_equal(store_open(&f->store, f->dir, &error), 0);
        assert_null(error);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        store_free(f->store);
        const char *names[] = { "interimd.db", "interimd.db-wal", "interimd.db-shm", "interimd.lock" };
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
                char path[128];
                snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
                unlink(path);
        }
        rmdir(f->dir);
        free(f);
        return 0;
}

static void reopen(Fixture *f) {
        store_free(f->store);
        f->store = NULL;
        char *error = NULL;
        assert_int_equal(store_open(&f->store, f->dir, &error), 0);
        assert_null(error);
}

static const uint8_t payload[] = { 0x0a, 0x04, 'G', 'B', 'S', 'G', 0x00, 0xff };

static StoreEvent event(const char *site, int64_t site_seq, const char *patient, const char *kind, int64_t retracts) {
        return (StoreEvent){
                .server_time = 1700000000000000 + site_seq,
                .sender = "site-a-key",
                .trial = "GBSG",
                .site = site,
                .site_seq = site_seq,
                .patient = patient,
                .kind = kind,
                .date = retracts ? NULL : "2024-03-01",
                .payload = payload,
                .payload_len = sizeof(payload),
                .retracts = retracts,
        };
}

static int64_t append(Store *s, StoreEvent e) {
        int64_t seq = 0;
        assert_int_equal(store_append_event(s, &e, &seq), 0);
        return seq;
}

static StoreRejection rejection(const char *site, int64_t site_seq, int reason, const char *text) {
        return (StoreRejection){
                .server_time = 1700000000000000,
                .sender = "site-a-key",
                .trial = site ? "GBSG" : NULL,
                .site = site,
                .site_seq = site_seq,
                .reason = reason,
                .text = text,
                .raw = payload,
                .raw_len = site ? sizeof(payload) : 0,
        };
}

/* Keeps copies of the rows a walk hands out. */
typedef struct Rows {
        size_t n;
        int64_t store_seq[8], site_seq[8], retracts[8], server_time[8];
        bool retracted[8], patient_null[8], date_null[8];
        char kind[8][32];
        size_t payload_len[8];
        uint8_t payload[8][16];
} Rows;

static int collect(const StoreEvent *e, void *userdata) {
        Rows *r = userdata;
        assert_true(r->n < 8);
        r->store_seq[r->n] = e->store_seq;
        r->site_seq[r->n] = e->site_seq;
        r->retracts[r->n] = e->retracts;
        r->server_time[r->n] = e->server_time;
        r->retracted[r->n] = e->retracted;
        r->patient_null[r->n] = e->patient == NULL;
        r->date_null[r->n] = e->date == NULL;
        snprintf(r->kind[r->n], sizeof(r->kind[0]), "%s", e->kind);
        assert_string_equal(e->trial, "GBSG");
        assert_string_equal(e->sender, "site-a-key");
        r->payload_len[r->n] = e->payload_len;
        memcpy(r->payload[r->n], e->payload, e->payload_len);
        r->n++;
        return 0;
}

static void test_append_and_answer(void **state) {
        Fixture *f = *state;
        Store *s = f->store;
        assert_int_equal(store_begin(s), 0);
        assert_int_equal(append(s, event("a", 1, "P1", "enroll", 0)), 1);
        assert_int_equal(append(s, event("a", 2, "P1", "contact", 0)), 2);
        StoreRejection j = rejection("a", 3, 9, "date in the future");
        assert_int_equal(store_append_rejection(s, &j), 0);
        /* Attempts without a usable key are all kept. */
        j = rejection(NULL, 0, 32, "malformed");
        assert_int_equal(store_append_rejection(s, &j), 0);
        assert_int_equal(store_append_rejection(s, &j), 0);

        /* The batch sees its own rows. */
        StoreAnswer a;
        assert_int_equal(store_answer(s, "a", 2, &a), 1);
        assert_true(a.accepted);
        assert_int_equal(a.store_seq, 2);
        assert_int_equal(store_commit(s), 0);

        assert_int_equal(store_answer(s, "a", 3, &a), 1);
        assert_false(a.accepted);
        assert_int_equal(a.reason, 9);
        assert_string_equal(a.text, "date in the future");
        assert_int_equal(store_answer(s, "a", 4, &a), 0);
        assert_int_equal(store_answer(s, "b", 1, &a), 0);

        /* A key is answered once, in one table or the other; a failed append leaves the batch usable. */
        assert_int_equal(store_begin(s), 0);
        StoreEvent e = event("a", 1, "P2", "enroll", 0);
        int64_t seq;
        assert_int_equal(store_append_event(s, &e, &seq), -EEXIST);
        e = event("a", 3, "P2", "enroll", 0);
        assert_int_equal(store_append_event(s, &e, &seq), -EEXIST);
        j = rejection("a", 2, 5, "patient already enrolled");
        assert_int_equal(store_append_rejection(s, &j), -EEXIST);
        assert_int_equal(append(s, event("b", 1, "P2", "enroll", 0)), 3);
        assert_int_equal(store_commit(s), 0);

        Rows rows = { 0 };
        assert_int_equal(store_find(s, "a", 2, collect, &rows), 1);
        assert_int_equal(rows.n, 1);
        assert_int_equal(rows.store_seq[0], 2);
        assert_string_equal(rows.kind[0], "contact");
        assert_int_equal(rows.payload_len[0], sizeof(payload));
        assert_memory_equal(rows.payload[0], payload, sizeof(payload));
        assert_int_equal(store_find(s, "a", 3, collect, &rows), 0); /* rejected, not an event */
        assert_int_equal(store_get(s, 3, collect, &rows), 1);
        assert_int_equal(rows.site_seq[1], 1);
        assert_int_equal(store_get(s, 4, collect, &rows), 0);

        int64_t head;
        uint8_t hash[STORE_HASH_BYTES], zero[STORE_HASH_BYTES] = { 0 };
        store_head(s, &head, hash);
        assert_int_equal(head, 3);
        assert_memory_not_equal(hash, zero, STORE_HASH_BYTES);
}

static void test_rollback(void **state) {
        Fixture *f = *state;
        Store *s = f->store;
        assert_int_equal(store_begin(s), 0);
        append(s, event("a", 1, "P1", "enroll", 0));
        assert_int_equal(store_commit(s), 0);
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES], after[STORE_HASH_BYTES];
        store_head(s, &head, hash);

        assert_int_equal(store_begin(s), 0);
        assert_int_equal(append(s, event("a", 2, "P1", "death", 0)), 2);
        StoreRejection j = rejection("a", 3, 7, "date after the patient's death");
        assert_int_equal(store_append_rejection(s, &j), 0);
        store_rollback(s);

        StoreAnswer a;
        assert_int_equal(store_answer(s, "a", 2, &a), 0);
        assert_int_equal(store_answer(s, "a", 3, &a), 0);
        store_head(s, &head, after);
        assert_int_equal(head, 1);
        assert_memory_equal(hash, after, STORE_HASH_BYTES);

        /* The chain goes on from where the committed rows left it. */
        assert_int_equal(store_begin(s), 0);
        assert_int_equal(append(s, event("a", 2, "P1", "contact", 0)), 2);
        assert_int_equal(store_append_rejection(s, &j), 0);
        assert_int_equal(store_commit(s), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(s, &table, &row), 0);
}

static void test_retractions(void **state) {
        Fixture *f = *state;
        Store *s = f->store;
        assert_int_equal(store_begin(s), 0);
        append(s, event("a", 1, "P1", "enroll", 0));
        append(s, event("a", 2, "P1", "contact", 0));
        assert_int_equal(append(s, event("a", 3, "P1", "retract", 2)), 3);
        StoreEvent e = event("a", 4, "P1", "retract", 2); /* a second retraction of the same event */
        int64_t seq;
        assert_int_equal(store_append_event(s, &e, &seq), -EEXIST);
        e = event("a", 5, "P1", "retract", 9); /* of no event */
        assert_int_equal(store_append_event(s, &e, &seq), -EEXIST);
        assert_int_equal(store_commit(s), 0);

        /* A failure that rolls the batch back is what the log gets, not the rollback's own message. */
        assert_int_equal(store_begin(s), 0);
        e = event("a", 6, "P1", "retract", 2);
        assert_int_equal(store_append_event(s, &e, &seq), -EEXIST);
        store_rollback(s);
        assert_string_equal(store_error(s), "UNIQUE constraint failed: events.retracts");
        /* A failure since then is told, not the rollback's cause. */
        assert_true(store_set_topic_seq(s, "T/os", -1) < 0);
        assert_string_equal(store_error(s), "CHECK constraint failed: seq >= 0");
        assert_int_equal(store_begin(s), 0);
        assert_string_equal(store_error(s), "not an error");
        store_rollback(s);

        Rows rows = { 0 };
        assert_int_equal(store_find(s, "a", 2, collect, &rows), 1);
        assert_true(rows.retracted[0]);
        assert_int_equal(store_find(s, "a", 1, collect, &rows), 1);
        assert_false(rows.retracted[1]);
        assert_int_equal(store_find(s, "a", 3, collect, &rows), 1);
        assert_int_equal(rows.retracts[2], 2);
        assert_true(rows.date_null[2]);
}

/* Runs SQL on the store's file behind its back; returns SQLite's message, or NULL if it succeeded. */
static char *sql_behind(const Fixture *f, const char *sql) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
        char *message = NULL;
        char *error = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK)
                error = strdup(message);
        sqlite3_free(message);
        sqlite3_close(db);
        return error;
}

static void assert_refused(const Fixture *f, const char *sql, const char *expected) {
        char *error = sql_behind(f, sql);
        assert_non_null(error);
        assert_string_equal(error, expected);
        free(error);
}

static void test_append_only(void **state) {
        Fixture *f = *state;
        Store *s = f->store;
        assert_int_equal(store_begin(s), 0);
        append(s, event("a", 1, "P1", "enroll", 0));
        StoreRejection j = rejection("a", 2, 4, "patient not enrolled");
        assert_int_equal(store_append_rejection(s, &j), 0);
        assert_int_equal(store_commit(s), 0);

        assert_refused(f, "UPDATE events SET patient = 'P9'", "events are append-only");
        assert_refused(f, "DELETE FROM events", "events are append-only");
        assert_refused(f, "UPDATE rejected SET reason = 0", "rejected is append-only");
        assert_refused(f, "DELETE FROM rejected WHERE reject_seq = 1", "rejected is append-only");
        assert_refused(f, "INSERT INTO rejected (server_time, sender, site, site_seq, reason, text, raw, prev_hash, hash)"
                          " VALUES (0, '', 'a', 1, 1, '', x'', zeroblob(32), zeroblob(32))",
                       "site_seq already answered");

        reopen(f);
        Rows rows = { 0 };
        assert_int_equal(store_replay(f->store, collect, &rows), 0);
        assert_int_equal(rows.n, 1);
        assert_false(rows.patient_null[0]);
}

static void test_reopen_and_replay(void **state) {
        Fixture *f = *state;
        Store *s = f->store;
        assert_int_equal(store_begin(s), 0);
        append(s, event("a", 1, "P1", "enroll", 0));
        append(s, event("b", 7, NULL, "look", 0));
        append(s, event("a", 2, "P1", "death", 0));
        append(s, event("a", 3, "P1", "retract", 3));
        assert_int_equal(store_commit(s), 0);
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES], again[STORE_HASH_BYTES];
        store_head(s, &head, hash);

        reopen(f);
        s = f->store;
        store_head(s, &head, again);
        assert_int_equal(head, 4);
        assert_memory_equal(hash, again, STORE_HASH_BYTES);

        Rows rows = { 0 };
        assert_int_equal(store_replay(s, collect, &rows), 0);
        assert_int_equal(rows.n, 4);
        const int64_t site_seq[] = { 1, 7, 2, 3 };
        const char *const kind[] = { "enroll", "look", "death", "retract" };
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(rows.store_seq[i], (int64_t)i + 1);
                assert_int_equal(rows.site_seq[i], site_seq[i]);
                assert_int_equal(rows.server_time[i], 1700000000000000 + site_seq[i]);
                assert_string_equal(rows.kind[i], kind[i]);
        }
        assert_true(rows.patient_null[1]);
        assert_true(rows.retracted[2]);
        assert_false(rows.retracted[0]);
        assert_int_equal(rows.retracts[3], 3);

        /* Appends go on after the replayed rows. */
        assert_int_equal(store_begin(s), 0);
        assert_int_equal(append(s, event("a", 4, "P2", "enroll", 0)), 5);
        assert_int_equal(store_commit(s), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(s, &table, &row), 0);
}

/* A walk that stops early hands its callback's error back. */
static int stop(const StoreEvent *e, void *userdata) {
        (*(int *)userdata)++;
        return -ECANCELED;
}

static void test_replay_stops(void **state) {
        Fixture *f = *state;
        assert_int_equal(store_begin(f->store), 0);
        append(f->store, event("a", 1, "P1", "enroll", 0));
        append(f->store, event("a", 2, "P2", "enroll", 0));
        assert_int_equal(store_commit(f->store), 0);
        int calls = 0;
        assert_int_equal(store_replay(f->store, stop, &calls), -ECANCELED);
        assert_int_equal(calls, 1);
}

static void test_tampering(void **state) {
        Fixture *f = *state;
        Store *s = f->store;
        assert_int_equal(store_begin(s), 0);
        for (int64_t i = 1; i <= 3; i++)
                append(s, event("a", i, "P1", "contact", 0));
        for (int64_t i = 4; i <= 6; i++) {
                StoreRejection j = rejection("a", i, 12, "patient identifier empty, too long or not printable");
                assert_int_equal(store_append_rejection(s, &j), 0);
        }
        assert_int_equal(store_commit(s), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(s, &table, &row), 0);
        store_free(f->store);
        f->store = NULL;

        /* One flipped bit in the payload of the middle event: the head still closes, the walk finds it. */
        assert_null(sql_behind(f, "DROP TRIGGER events_no_update;"
                                  " UPDATE events SET payload = x'0a044742534700fe' WHERE store_seq = 2"));
        reopen(f);
        assert_int_equal(store_verify(f->store, &table, &row), -EBADMSG);
        assert_string_equal(table, "events");
        assert_int_equal(row, 2);
        store_free(f->store);
        f->store = NULL;

        /* A changed rejection text. */
        assert_null(sql_behind(f, "UPDATE events SET payload = x'0a044742534700ff' WHERE store_seq = 2;"
                                  " DROP TRIGGER rejected_no_update;"
                                  " UPDATE rejected SET text = 'accepted' WHERE reject_seq = 2"));
        reopen(f);
        assert_int_equal(store_verify(f->store, &table, &row), -EBADMSG);
        assert_string_equal(table, "rejected");
        assert_int_equal(row, 2);
        store_free(f->store);
        f->store = NULL;

        /* A changed last row: the store does not open. */
        assert_null(sql_behind(f, "UPDATE rejected SET text = 'patient identifier empty, too long or not printable'"
                                  " WHERE reject_seq = 2; UPDATE events SET server_time = 0 WHERE store_seq = 3"));
        char *error = NULL;
        assert_int_equal(store_open(&f->store, f->dir, &error), -EBADMSG);
        char want[160];
        snprintf(want, sizeof(want), "store %s: the last event does not close the hash chain", f->dir);
        assert_string_equal(error, want);
        free(error);
        assert_null(f->store);

        /* A deleted row breaks the chain (the head check already catches the one before the last). */
        assert_null(sql_behind(f, "UPDATE events SET server_time = 1700000000000003 WHERE store_seq = 3;"
                                  " DROP TRIGGER events_no_delete; DELETE FROM events WHERE store_seq = 1"));
        reopen(f);
        assert_int_equal(store_verify(f->store, &table, &row), -EBADMSG);
        assert_string_equal(table, "events");
        assert_int_equal(row, 1);
        store_free(f->store);
        f->store = NULL;
        assert_null(sql_behind(f, "DELETE FROM events WHERE store_seq = 2"));
        assert_int_equal(store_open(&f->store, f->dir, &error), -EBADMSG);
        free(error);
}

/* Keys out of order, and keys below a site's highest: answered from the store, before and after a reopen. */
static void test_out_of_order(void **state) {
        Fixture *f = *state;
        StoreAnswer a;
        assert_int_equal(store_begin(f->store), 0);
        append(f->store, event("a", 10, "P1", "enroll", 0));
        StoreRejection j = rejection("a", 7, 4, "patient not enrolled");
        assert_int_equal(store_append_rejection(f->store, &j), 0);
        append(f->store, event("b", 3, "P2", "enroll", 0));
        assert_int_equal(store_commit(f->store), 0);
        for (int round = 0; round < 2; round++) {
                assert_int_equal(store_answer(f->store, "a", 5, &a), 0);
                assert_int_equal(store_answer(f->store, "a", 11, &a), 0);
                assert_int_equal(store_answer(f->store, "a", 7, &a), 1);
                assert_false(a.accepted);
                assert_int_equal(store_answer(f->store, "a", 10, &a), 1);
                assert_true(a.accepted);
                assert_int_equal(store_answer(f->store, "b", 3, &a), 1);
                assert_int_equal(store_answer(f->store, "b", 2, &a), 0);
                assert_int_equal(store_answer(f->store, "c", 1, &a), 0);
                /* A refused key stays refused for an event, whichever the order. */
                StoreEvent e = event("a", 7, "P3", "enroll", 0);
                int64_t seq;
                assert_int_equal(store_begin(f->store), 0);
                assert_int_equal(store_append_event(f->store, &e, &seq), -EEXIST);
                store_rollback(f->store);
                reopen(f);
        }
        assert_int_equal(store_begin(f->store), 0);
        assert_int_equal(append(f->store, event("a", 5, "P3", "enroll", 0)), 3);
        /* A key below the site's highest leaves the highest as it was: refused 7 is still checked. */
        StoreEvent again = event("a", 7, "P4", "enroll", 0);
        int64_t seq;
        assert_int_equal(store_append_event(f->store, &again, &seq), -EEXIST);
        assert_int_equal(store_commit(f->store), 0);
        assert_int_equal(store_answer(f->store, "a", 5, &a), 1);
}

static off_t file_size(const Fixture *f, const char *suffix) {
        char path[128];
        struct stat st;
        snprintf(path, sizeof(path), "%s%s", f->db, suffix);
        return stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * Many small commits: the log is copied into the database while the writer goes on, and
 * restarted, so that it stays near CHECKPOINT_PAGES pages.  Without checkpoints it would
 * hold every commit's pages (some 3 per commit here, over 20 MB).
 */
static void test_checkpoints(void **state) {
        Fixture *f = *state;
        enum { COMMITS = 2000, PER_COMMIT = 15 };
        char patient[16];
        for (int i = 0; i < COMMITS; i++) {
                assert_int_equal(store_begin(f->store), 0);
                for (int j = 0; j < PER_COMMIT; j++) {
                        snprintf(patient, sizeof(patient), "P%06d", i * PER_COMMIT + j);
                        append(f->store, event("a", i * PER_COMMIT + j + 1, patient, "enroll", 0));
                }
                assert_int_equal(store_commit(f->store), 0);
        }
        off_t wal = file_size(f, "-wal"), db = file_size(f, "");
        assert_true(wal > 0 && wal < 3 * CHECKPOINT_PAGES * 4096);
        assert_true(db > 2 * 1024 * 1024); /* the rows reached the database file */
        reopen(f);
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES];
        store_head(f->store, &head, hash);
        assert_int_equal(head, COMMITS * PER_COMMIT);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(f->store, &table, &row), 0);
}

/* Commits batches of 15 enrollments of site "a" from key *next on until the log file (stderr redirected there) says want. */
static void commit_until_logged(Fixture *f, int *next, const char *log_path, const char *want) {
        char patient[16], log[4096];
        for (int commits = 0;; commits++) {
                assert_true(commits < 5000);
                assert_int_equal(store_begin(f->store), 0);
                for (int j = 0; j < 15; j++, (*next)++) {
                        snprintf(patient, sizeof(patient), "P%06d", *next);
                        append(f->store, event("a", *next, patient, "enroll", 0));
                }
                assert_int_equal(store_commit(f->store), 0);
                FILE *in = fopen(log_path, "r");
                size_t n = fread(log, 1, sizeof(log) - 1, in);
                fclose(in);
                log[n] = '\0';
                if (strstr(log, want))
                        return;
        }
}

/*
 * A reader's open transaction keeps the log from being copied back: it grows, which is
 * logged; once the reader is gone the log starts again and its file is cut back.
 */
static void test_log_held_by_reader(void **state) {
        Fixture *f = *state;
        char log_path[128];
        snprintf(log_path, sizeof(log_path), "%s/log", f->dir);
        int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(STDERR_FILENO);
        fflush(stderr);
        assert_int_equal(dup2(log_fd, STDERR_FILENO), STDERR_FILENO);
        sqlite3 *reader;
        assert_int_equal(sqlite3_open(f->db, &reader), SQLITE_OK);
        assert_int_equal(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM events", NULL, NULL, NULL), SQLITE_OK);
        int next = 1;
        commit_until_logged(f, &next, log_path, "the write-ahead log holds");
        off_t grown = file_size(f, "-wal");
        assert_true(grown >= CHECKPOINT_WARN_PAGES * 4096);
        assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(reader);
        commit_until_logged(f, &next, log_path, "the write-ahead log was copied back and starts again");
        fflush(stderr);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        close(log_fd);
        unlink(log_path);
        off_t cut = file_size(f, "-wal");
        assert_true(cut <= 2 * CHECKPOINT_PAGES * 4096 + 64 * 4096);
        assert_true(cut < grown);
}

/* A refusal that takes an accepted event's key, with both chains intact, is found by the walk. */
static void test_key_twice(void **state) {
        Fixture *f = *state;
        assert_int_equal(store_begin(f->store), 0);
        append(f->store, event("a", 1, "P1", "enroll", 0));
        append(f->store, event("a", 2, "P1", "contact", 0));
        assert_int_equal(store_commit(f->store), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(f->store, &table, &row), 0);
        store_free(f->store);
        f->store = NULL;

        /* Without the trigger that guards it, the store takes a refusal of key (a, 2) through its own API. */
        assert_null(sql_behind(f, "DROP TRIGGER rejected_key_once"));
        reopen(f);
        assert_int_equal(store_begin(f->store), 0);
        StoreRejection j = rejection("a", 2, 5, "patient already enrolled");
        assert_int_equal(store_append_rejection(f->store, &j), 0);
        assert_int_equal(store_commit(f->store), 0);
        assert_int_equal(store_verify(f->store, &table, &row), -EBADMSG);
        assert_string_equal(table, "events");
        assert_int_equal(row, 2);
}

/* Notes each row's trial and site_seq. */
static int note_trial(const StoreEvent *e, void *userdata) {
        char *seen = userdata;
        char one[32];
        snprintf(one, sizeof(one), "%s:%lld ", e->trial, (long long)e->site_seq);
        strcat(seen, one);
        return 0;
}

static void test_replay_trials(void **state) {
        Fixture *f = *state;
        static const char *const trials[] = { "GBSG", "E2108", "SOLO", "GBSG", "E2108" };
        assert_int_equal(store_begin(f->store), 0);
        for (int i = 0; i < 5; i++) {
                StoreEvent e = event("a", i + 1, "P1", "enroll", 0);
                e.trial = trials[i];
                append(f->store, e);
        }
        assert_int_equal(store_commit(f->store), 0);
        char seen[256] = "";
        const char *e2108 = "E2108";
        assert_int_equal(store_replay_trials(f->store, &e2108, 1, note_trial, seen), 0);
        assert_string_equal(seen, "E2108:2 E2108:5 ");
        seen[0] = 0;
        const char *two[] = { "SOLO", "GBSG" };
        assert_int_equal(store_replay_trials(f->store, two, 2, note_trial, seen), 0);
        assert_string_equal(seen, "GBSG:1 SOLO:3 GBSG:4 ");
        seen[0] = 0;
        const char *none = "NEW";
        assert_int_equal(store_replay_trials(f->store, &none, 1, note_trial, seen), 0);
        assert_int_equal(store_replay_trials(f->store, NULL, 0, note_trial, seen), 0);
        assert_string_equal(seen, "");
}

static void test_open_errors(void **state) {
        Fixture *f = *state;
        Store *second = NULL;
        char *error = NULL;
        char want[160];
        assert_int_equal(store_open(&second, f->dir, &error), -EBUSY);
        snprintf(want, sizeof(want), "store %s: another process holds the store", f->dir);
        assert_string_equal(error, want);
        free(error);
        store_free(f->store);
        f->store = NULL;

        /* Another program's database. */
        unlink(f->db);
        char path[128];
        snprintf(path, sizeof(path), "%s-wal", f->db);
        unlink(path);
        assert_null(sql_behind(f, "CREATE TABLE notes (text TEXT)"));
        assert_int_equal(store_open(&f->store, f->dir, &error), -EPROTO);
        snprintf(want, sizeof(want), "store %s: not an interimd store", f->dir);
        assert_string_equal(error, want);
        free(error);
}

/* Sets or clears the file's immutable attribute (which binds root too); returns 0 or -errno. */
static int immutable(const char *path, bool on) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int flags = 0, r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
        if (r == 0) {
                flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
                r = ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
        int e = errno;
        close(fd);
        return r < 0 ? -e : 0;
}

/*
 * A store this process may not write is refused at the start, not at its first write:
 * made read-only by its mode, or for root (whom modes do not stop) by the immutable
 * attribute.
 */
static void test_unwritable(void **state) {
        Fixture *f = *state;
        char *error = NULL;
        char want[192];
        store_free(f->store);
        f->store = NULL;
        bool root = geteuid() == 0;
        if (root ? immutable(f->db, true) < 0 : chmod(f->db, 0400) < 0)
                skip(); /* root on a file system without the attribute: nothing to test here */
        int r = store_open(&f->store, f->dir, &error);
        assert_int_equal(root ? immutable(f->db, false) : chmod(f->db, 0600), 0);
        assert_int_equal(r, -EROFS);
        snprintf(want, sizeof(want),
                 "store %s: interimd.db cannot be written by this process (its permissions, owner or file system)", f->dir);
        assert_string_equal(error, want);
        free(error);
        reopen(f);
}

/* Another connection that takes the store file's write lock and holds it for a while. */
typedef struct Holder {
        const Fixture *f;
        atomic_bool locked; /* the lock is taken (or taking it failed: see rc) */
        int rc;             /* the first SQLite failure, checked after the join (cmocka asserts on its own thread only) */
} Holder;

static void *hold_write_lock(void *userdata) {
        Holder *h = userdata;
        sqlite3 *db;
        h->rc = sqlite3_open(h->f->db, &db);
        if (h->rc == SQLITE_OK)
                h->rc = sqlite3_busy_timeout(db, 10000);
        if (h->rc == SQLITE_OK)
                h->rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        atomic_store(&h->locked, true);
        usleep(300000);
        if (h->rc == SQLITE_OK)
                h->rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
        return NULL;
}

/* An operator's sqlite3 writing or checkpointing the file for a moment delays a batch; it does not fail it. */
static void test_busy(void **state) {
        Fixture *f = *state;
        Holder h = { .f = f };
        pthread_t other;
        assert_int_equal(pthread_create(&other, NULL, hold_write_lock, &h), 0);
        while (!atomic_load(&h.locked))
                usleep(1000);
        int begun = store_begin(f->store);
        if (begun == 0) {
                append(f->store, event("a", 1, "P1", "enroll", 0));
                begun = store_commit(f->store);
        }
        assert_int_equal(pthread_join(other, NULL), 0);
        assert_int_equal(h.rc, SQLITE_OK);
        assert_int_equal(begun, 0);
}

/* Removes the store's file and its log (the fixture's store closed first). */
static void remove_store(Fixture *f) {
        store_free(f->store);
        f->store = NULL;
        char path[128];
        snprintf(path, sizeof(path), "%s-wal", f->db);
        unlink(path);
        snprintf(path, sizeof(path), "%s-shm", f->db);
        unlink(path);
        assert_int_equal(unlink(f->db), 0);
}

/*
 * A new store is made whole or not at all (in interimd.db.new, then renamed), so an
 * empty interimd.db is damage, not a store to begin: refused, and left as it is.
 */
static void test_create(void **state) {
        Fixture *f = *state;
        char *error = NULL;
        char want[160], path[128];
        struct stat st;
        remove_store(f);
        int fd = open(f->db, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(store_open(&f->store, f->dir, &error), -EPROTO);
        snprintf(want, sizeof(want), "store %s: not an interimd store", f->dir);
        assert_string_equal(error, want);
        free(error);
        assert_int_equal(stat(f->db, &st), 0);
        assert_int_equal(st.st_size, 0);

        /* What a creation cut short left (the temporary file and its journal) is made again. */
        assert_int_equal(unlink(f->db), 0);
        char tmp[128], journal[128];
        snprintf(tmp, sizeof(tmp), "%s.new", f->db);
        snprintf(journal, sizeof(journal), "%s.new-journal", f->db);
        FILE *half = fopen(tmp, "w");
        assert_non_null(half);
        fputs("half a store", half);
        fclose(half);
        half = fopen(journal, "w");
        assert_non_null(half);
        fclose(half);
        assert_int_equal(store_open(&f->store, f->dir, &error), 0);
        assert_null(error);
        assert_int_equal(access(tmp, F_OK), -1);
        assert_int_equal(access(journal, F_OK), -1);
        assert_int_equal(stat(f->db, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(store_begin(f->store), 0);
        append(f->store, event("a", 1, "P1", "enroll", 0));
        assert_int_equal(store_commit(f->store), 0);
        reopen(f);
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES];
        store_head(f->store, &head, hash);
        assert_int_equal(head, 1);

        /* A log or a journal without its store: SQLite would apply it to a new one. */
        store_free(f->store);
        f->store = NULL;
        assert_int_equal(unlink(f->db), 0);
        const char *left[] = { "wal", "the log", "journal", "the journal" };
        for (int i = 0; i < 4; i += 2) {
                snprintf(path, sizeof(path), "%s-%s", f->db, left[i]);
                fd = open(path, O_WRONLY | O_CREAT, 0600);
                assert_true(fd >= 0);
                close(fd);
                assert_int_equal(store_open(&f->store, f->dir, &error), -EEXIST);
                snprintf(want, sizeof(want), "store %s: interimd.db-%s is there without interimd.db: %s of a store gone missing",
                         f->dir, left[i], left[i + 1]);
                assert_string_equal(error, want);
                free(error);
                assert_int_equal(access(f->db, F_OK), -1);
                assert_int_equal(unlink(path), 0);
        }

        /* A symbolic link to nothing is not taken for a store to make. */
        assert_int_equal(symlink("nowhere.db", f->db), 0);
        assert_true(store_open(&f->store, f->dir, &error) < 0);
        free(error);
        struct stat link;
        assert_int_equal(lstat(f->db, &link), 0);
        assert_true(S_ISLNK(link.st_mode));
        assert_int_equal(unlink(f->db), 0);
}

static void test_readonly(void **state) {
        Fixture *f = *state;
        Store *reader = NULL;
        char *error = NULL;
        char want[160];
        /* A directory without a store: nothing is created there. */
        char empty[96];
        snprintf(empty, sizeof(empty), "%s/empty", f->dir);
        assert_int_equal(mkdir(empty, 0700), 0);
        assert_int_equal(store_open_readonly(&reader, empty, &error), -ENOENT);
        snprintf(want, sizeof(want), "store %s: No such file or directory", empty);
        assert_string_equal(error, want);
        free(error);
        char path[128];
        snprintf(path, sizeof(path), "%s/interimd.db", empty);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(rmdir(empty), 0);

        /* While the writer holds the store, a reader sees what it committed, and only that. */
        assert_int_equal(store_begin(f->store), 0);
        append(f->store, event("a", 1, "P1", "enroll", 0));
        StoreRejection j = rejection("a", 2, 9, "date in the future");
        assert_int_equal(store_append_rejection(f->store, &j), 0);
        assert_int_equal(store_commit(f->store), 0);
        assert_int_equal(store_begin(f->store), 0);
        append(f->store, event("a", 3, "P1", "contact", 0));
        assert_int_equal(store_open_readonly(&reader, f->dir, &error), 0);
        assert_null(error);
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES];
        store_head(reader, &head, hash);
        assert_int_equal(head, 1);
        StoreAnswer a;
        assert_int_equal(store_answer(reader, "a", 2, &a), 1);
        assert_false(a.accepted);
        assert_string_equal(a.text, "date in the future");
        assert_int_equal(store_answer(reader, "a", 3, &a), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(reader, &table, &row), 0);
        assert_int_equal(store_commit(f->store), 0);

        /* It writes nothing. */
        assert_int_equal(store_begin(reader), 0);
        StoreEvent e = event("a", 4, "P2", "enroll", 0);
        int64_t seq;
        assert_int_equal(store_append_event(reader, &e, &seq), -EROFS);
        store_rollback(reader);
        store_free(reader);

        /* Another program's database is refused as by store_open(). */
        store_free(f->store);
        f->store = NULL;
        unlink(f->db);
        snprintf(path, sizeof(path), "%s-wal", f->db);
        unlink(path);
        assert_null(sql_behind(f, "CREATE TABLE notes (text TEXT)"));
        assert_int_equal(store_open_readonly(&reader, f->dir, &error), -EPROTO);
        snprintf(want, sizeof(want), "store %s: not an interimd store", f->dir);
        assert_string_equal(error, want);
        free(error);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_append_and_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_retractions, setup, teardown),
                cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reopen_and_replay, setup, teardown),
                cmocka_unit_test_setup_teardown(test_replay_stops, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
                cmocka_unit_test_setup_teardown(test_out_of_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_key_twice, setup, teardown),
                cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
                cmocka_unit_test_setup_teardown(test_log_held_by_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_replay_trials, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_create, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
