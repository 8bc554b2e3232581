/* store-read.c — reading the store: the answer given to a key, an event found, the events replayed, every record merged by time. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

void store_row_event(sqlite3_stmt *st, StoreEvent *e) {
        *e = (StoreEvent){
                .store_seq = sqlite3_column_int64(st, 0),
                .server_time = sqlite3_column_int64(st, 1),
                .sender = column_text(st, 2),
                .trial = column_text(st, 3),
                .site = column_text(st, 4),
                .site_seq = sqlite3_column_int64(st, 5),
                .patient = column_text(st, 6),
                .kind = column_text(st, 7),
                .date = column_text(st, 8),
                .payload = sqlite3_column_blob(st, 9),
                .payload_len = (size_t)sqlite3_column_bytes(st, 9),
                .retracts = sqlite3_column_int64(st, 10),
                .retracted = sqlite3_column_int(st, 11) != 0,
        };
}

void store_row_rejection(sqlite3_stmt *st, StoreRejection *j) {
        *j = (StoreRejection){
                .reject_seq = sqlite3_column_int64(st, 0),
                .server_time = sqlite3_column_int64(st, 1),
                .sender = column_text(st, 2),
                .trial = column_text(st, 3),
                .site = column_text(st, 4),
                .site_seq = sqlite3_column_int64(st, 5),
                .reason = sqlite3_column_int(st, 6),
                .text = column_text(st, 7),
                .raw = sqlite3_column_blob(st, 8),
                .raw_len = (size_t)sqlite3_column_bytes(st, 8),
        };
}

/* ---- reading ---- */

int store_answer(Store *s, const char *site, int64_t site_seq, StoreAnswer *ret) {
        /* Sites number their events upwards: the next one is new without a look at the indexes. */
        if (s->lock_fd >= 0 && site_seq > answered_max(&s->answered, site))
                return 0;
        sqlite3_stmt *st = stmt(s, STMT_ANSWER);
        sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, site_seq);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *ret = (StoreAnswer){
                        .accepted = sqlite3_column_int(st, 0) != 0,
                        .store_seq = sqlite3_column_int64(st, 1),
                        .reason = sqlite3_column_int(st, 2),
                };
                snprintf(ret->text, sizeof(ret->text), "%s", column_text(st, 3));
        }
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : errno_of(rc);
}

/* Calls fn with each row of an event query; stops at the first negative return. */
static int each_event(sqlite3_stmt *st, StoreEventFn fn, void *userdata, size_t *ret_rows) {
        int rc = SQLITE_DONE, r = 0;
        size_t n = 0;
        while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                StoreEvent e;
                store_row_event(st, &e);
                r = fn(&e, userdata);
                n++;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = errno_of(rc);
        sqlite3_reset(st);
        *ret_rows = n;
        return r;
}

int store_find(Store *s, const char *site, int64_t site_seq, StoreEventFn fn, void *userdata) {
        sqlite3_stmt *st = stmt(s, STMT_FIND);
        sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, site_seq);
        size_t n;
        int r = each_event(st, fn, userdata, &n);
        return r < 0 ? r : n > 0;
}

int store_get(Store *s, int64_t store_seq, StoreEventFn fn, void *userdata) {
        sqlite3_stmt *st = stmt(s, STMT_GET);
        sqlite3_bind_int64(st, 1, store_seq);
        size_t n;
        int r = each_event(st, fn, userdata, &n);
        return r < 0 ? r : n > 0;
}

int store_replay(Store *s, StoreEventFn fn, void *userdata) {
        size_t n;
        return each_event(stmt(s, STMT_REPLAY), fn, userdata, &n);
}

int store_replay_trials(Store *s, const char *const *trials, size_t n_trials, StoreEventFn fn, void *userdata) {
        if (n_trials == 0)
                return 0;
        /* One placeholder a trial: SQLite passes over the other trials' rows without handing out their columns. */
        static const char head[] = EVENT_COLUMNS "WHERE e.trial IN (?", tail[] = ") ORDER BY e.store_seq";
        size_t len = sizeof(head) + 2 * (n_trials - 1) + sizeof(tail);
        char *sql = malloc(len), *p = sql;
        if (!sql)
                return -ENOMEM;
        p = stpcpy(p, head);
        for (size_t i = 1; i < n_trials; i++)
                p = stpcpy(p, ",?");
        strcpy(p, tail);
        sqlite3_stmt *st;
        int r = errno_of(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL));
        free(sql);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_trials; i++)
                sqlite3_bind_text(st, (int)i + 1, trials[i], -1, SQLITE_STATIC);
        size_t n;
        r = each_event(st, fn, userdata, &n);
        sqlite3_finalize(st);
        return r;
}

/* Steps a statement; returns 1 (a row), 0 (done) or a negative errno. */
static int step(sqlite3_stmt *st) {
        int rc = sqlite3_step(st);
        return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : errno_of(rc);
}

int store_each_record(Store *s,
                      int (*fn)(const StoreEvent *e, const StoreRejection *j, void *userdata),
                      void *userdata) {
        sqlite3_stmt *events = stmt(s, STMT_REPLAY), *rejected = stmt(s, STMT_REJECTIONS);
        int more_e = step(events), more_j = step(rejected), r = 0;
        while (r == 0 && more_e >= 0 && more_j >= 0 && (more_e || more_j)) {
                StoreEvent e;
                StoreRejection j;
                if (more_e)
                        store_row_event(events, &e);
                if (more_j)
                        store_row_rejection(rejected, &j);
                if (more_e && (!more_j || e.server_time <= j.server_time)) {
                        r = fn(&e, NULL, userdata);
                        more_e = step(events);
                } else {
                        r = fn(NULL, &j, userdata);
                        more_j = step(rejected);
                }
        }
        sqlite3_reset(events);
        sqlite3_reset(rejected);
        return r < 0 ? r : more_e < 0 ? more_e : more_j < 0 ? more_j : 0;
}

int store_copy(Store *s, const char *path, char **ret_error) {
        sqlite3 *to = NULL;
        *ret_error = NULL;
        int rc = sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK) {
                /* Every page in one step: one read transaction, so one commit's state, whatever the writer does. */
                sqlite3_backup *b = sqlite3_backup_init(to, "main", s->db, "main");
                rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(to);
                int finished = b ? sqlite3_backup_finish(b) : SQLITE_OK;
                if (rc == SQLITE_DONE)
                        rc = finished;
        }
        /* A file of its own, without a log beside it: the daemon that opens it takes it back to WAL. */
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
        int r = rc == SQLITE_OK ? 0 : to ? errno_of(rc) : -ENOMEM;
        if (r < 0 && asprintf(ret_error, "%s", to ? sqlite3_errmsg(to) : "out of memory") < 0)
                *ret_error = NULL;
        rc = sqlite3_close(to);
        if (r == 0 && rc != SQLITE_OK)
                r = errno_of(rc);
        return r;
}
