/* store.c — the SQLite store: opened or created, and appended to in batches (each row chained to the last by BLAKE2b); the publication topics' sequence bounds. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "answered.h"
#include "checkpoint.h"
#include "store-internal.h"

/* "INTR": marks the file as an interimd store. */
#define STORE_APPLICATION_ID 0x494e5452
#define STORE_SCHEMA_VERSION 4

/* Version 3 added the record of arm-level snapshots; a version 2 store takes it as it is opened. */
#define DISCLOSURES_SCHEMA                                                                     \
        "CREATE TABLE disclosures ("                                                           \
        " disclosure_seq INTEGER PRIMARY KEY,"                                                 \
        " server_time INTEGER NOT NULL,"                                                       \
        " recipient TEXT NOT NULL,"                                                            \
        " prefix TEXT NOT NULL,"                                                               \
        " data_cut TEXT,"                                                                      \
        " prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"                             \
        " hash BLOB NOT NULL CHECK (length(hash) = 32));"                                      \
        "CREATE TRIGGER disclosures_no_update BEFORE UPDATE ON disclosures"                    \
        " BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;"                      \
        "CREATE TRIGGER disclosures_no_delete BEFORE DELETE ON disclosures"                    \
        " BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;"

/*
 * Version 4 indexes only the rows that retract, and leaves the check that an event's key
 * was not refused before to store_append_event() (which sees the refusals in memory)
 * and to store_verify(): a trigger doing it cost a look at table rejected per insert.
 */
#define RETRACTS_INDEX "CREATE UNIQUE INDEX events_retracts ON events (retracts) WHERE retracts IS NOT NULL;"
#define VERSION_4_CHANGES "DROP TRIGGER events_key_once; DROP INDEX events_retracts; " RETRACTS_INDEX

/*
 * Nothing is ever updated or deleted: corrections and retractions are rows that point
 * at what they supersede, and a (site, site_seq) is answered once, in one table or the
 * other.  The triggers make SQLite itself refuse anything else.
 */
static const char schema[] =
        "CREATE TABLE events ("
        " store_seq INTEGER PRIMARY KEY,"
        " server_time INTEGER NOT NULL,"
        " sender TEXT NOT NULL,"
        " trial TEXT NOT NULL,"
        " site TEXT NOT NULL,"
        " site_seq INTEGER NOT NULL,"
        " patient TEXT,"
        " kind TEXT NOT NULL,"
        " date TEXT,"
        " payload BLOB NOT NULL,"
        " retracts INTEGER REFERENCES events (store_seq) CHECK (retracts < store_seq),"
        " prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
        " hash BLOB NOT NULL CHECK (length(hash) = 32),"
        " UNIQUE (site, site_seq));"
        RETRACTS_INDEX
        "CREATE TABLE rejected ("
        " reject_seq INTEGER PRIMARY KEY,"
        " server_time INTEGER NOT NULL,"
        " sender TEXT NOT NULL,"
        " trial TEXT,"
        " site TEXT,"
        " site_seq INTEGER,"
        " reason INTEGER NOT NULL,"
        " text TEXT NOT NULL,"
        " raw BLOB NOT NULL,"
        " prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
        " hash BLOB NOT NULL CHECK (length(hash) = 32),"
        " UNIQUE (site, site_seq));"
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
        " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
        " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
        "CREATE TRIGGER rejected_no_update BEFORE UPDATE ON rejected"
        " BEGIN SELECT RAISE(ABORT, 'rejected is append-only'); END;"
        "CREATE TRIGGER rejected_no_delete BEFORE DELETE ON rejected"
        " BEGIN SELECT RAISE(ABORT, 'rejected is append-only'); END;"
        "CREATE TRIGGER rejected_key_once BEFORE INSERT ON rejected"
        " WHEN EXISTS (SELECT 1 FROM events WHERE site = NEW.site AND site_seq = NEW.site_seq)"
        " BEGIN SELECT RAISE(ABORT, 'site_seq already answered'); END;"
        /* Not part of the record, not chained: how far each publication topic's sequence numbers may have gone. */
        "CREATE TABLE topics ("
        " topic TEXT PRIMARY KEY,"
        " seq INTEGER NOT NULL CHECK (seq >= 0)) WITHOUT ROWID;"
        DISCLOSURES_SCHEMA;

static const char *const stmt_sql[N_STMTS] = {
        [STMT_BEGIN] = "BEGIN IMMEDIATE",
        [STMT_COMMIT] = "COMMIT",
        [STMT_ROLLBACK] = "ROLLBACK",
        [STMT_INSERT_EVENT] = "INSERT INTO events (store_seq, server_time, sender, trial, site, site_seq, patient,"
                              " kind, date, payload, retracts, prev_hash, hash)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [STMT_INSERT_REJECTION] = "INSERT INTO rejected (reject_seq, server_time, sender, trial, site, site_seq,"
                                  " reason, text, raw, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [STMT_ANSWER] = "SELECT 1, store_seq, 0, '' FROM events WHERE site = ?1 AND site_seq = ?2"
                        " UNION ALL SELECT 0, 0, reason, text FROM rejected WHERE site = ?1 AND site_seq = ?2",
        [STMT_FIND] = EVENT_COLUMNS "WHERE e.site = ?1 AND e.site_seq = ?2",
        [STMT_GET] = EVENT_COLUMNS "WHERE e.store_seq = ?1",
        [STMT_REPLAY] = EVENT_COLUMNS "ORDER BY e.store_seq",
        [STMT_EVENTS_HEAD] = EVENT_COLUMNS "ORDER BY e.store_seq DESC LIMIT 2",
        [STMT_REJECTIONS_HEAD] = REJECTION_COLUMNS "ORDER BY reject_seq DESC LIMIT 2",
        [STMT_REJECTIONS] = REJECTION_COLUMNS "ORDER BY reject_seq",
        [STMT_INSERT_DISCLOSURE] = "INSERT INTO disclosures (disclosure_seq, server_time, recipient, prefix, data_cut,"
                                   " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [STMT_DISCLOSURES_HEAD] = DISCLOSURE_COLUMNS "ORDER BY disclosure_seq DESC LIMIT 2",
        [STMT_DISCLOSURES] = DISCLOSURE_COLUMNS "ORDER BY disclosure_seq",
        [STMT_TOPIC_SEQ] = "SELECT seq FROM topics WHERE topic = ?",
        [STMT_SET_TOPIC_SEQ] = "INSERT INTO topics (topic, seq) VALUES (?1, ?2)"
                               " ON CONFLICT (topic) DO UPDATE SET seq = ?2",
        [STMT_ANSWERED] = "SELECT site, max(site_seq) FROM events GROUP BY site"
                          " UNION ALL SELECT site, max(site_seq) FROM rejected WHERE site IS NOT NULL GROUP BY site",
        [STMT_KEY_TWICE] = "SELECT min(e.store_seq) FROM rejected j JOIN events e ON e.site = j.site AND e.site_seq = j.site_seq",
};

const char *store_error(const Store *s) {
        /* A failure since the rollback (SQLite's code no longer OK) is the one to tell. */
        return s->rollback_cause[0] && sqlite3_errcode(s->db) == SQLITE_OK ? s->rollback_cause : sqlite3_errmsg(s->db);
}

void store_head(const Store *s, int64_t *ret_seq, uint8_t ret_hash[STORE_HASH_BYTES]) {
        *ret_seq = s->head[CHAIN_EVENTS].seq;
        memcpy(ret_hash, s->head[CHAIN_EVENTS].hash, STORE_HASH_BYTES);
}

int64_t store_rejections(const Store *s) {
        return s->head[CHAIN_REJECTIONS].seq;
}

int64_t store_disclosures(const Store *s) {
        return s->head[CHAIN_DISCLOSURES].seq;
}

/* ---- statements ---- */

/* Steps a statement that returns no rows and resets it.  Returns 0 or a negative errno. */
static int run(Store *s, StmtId id) {
        sqlite3_stmt *st = s->stmt[id];
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s) {
        if (s)
                sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, i);
}

/* A blob that is never NULL, even when empty. */
static void bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n) {
        if (n == 0)
                sqlite3_bind_zeroblob(st, i, 0);
        else
                sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
}

/* ---- opening ---- */

static int exec(Store *s, const char *sql) {
        return errno_of(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

static int pragma_int(Store *s, const char *sql, int64_t *ret) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                *ret = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        }
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 0 : errno_of(rc);
}

/* Checks the schema of the store opened, upgrading one of an older version (unless readonly). */
static int schema_check(Store *s, bool readonly, const char **ret_why) {
        int64_t app, version;
        int r = pragma_int(s, "PRAGMA application_id", &app);
        if (r == 0)
                r = pragma_int(s, "PRAGMA user_version", &version);
        if (r < 0)
                return r;
        if (app != STORE_APPLICATION_ID) {
                *ret_why = "not an interimd store";
                return -EPROTO;
        }
        if ((version == 2 || version == 3) && !readonly) {
                /* Each older version takes the changes since, in one transaction. */
                char sql[sizeof(DISCLOSURES_SCHEMA) + sizeof(VERSION_4_CHANGES) + 64];
                snprintf(sql, sizeof(sql), "BEGIN; %s %s PRAGMA user_version = %d; COMMIT;",
                         version == 2 ? DISCLOSURES_SCHEMA : "", VERSION_4_CHANGES, STORE_SCHEMA_VERSION);
                r = exec(s, sql);
                if (r < 0)
                        (void)exec(s, "ROLLBACK");
                return r;
        }
        if (version == 2 || version == 3) {
                *ret_why = "store of an older schema version: interimd upgrades it when it opens it";
                return -EPROTO;
        }
        if (version != STORE_SCHEMA_VERSION) {
                *ret_why = "store of another schema version";
                return -EPROTO;
        }
        return 0;
}

/* Puts the store in WAL mode, synced at every commit. */
static int journal_set(Store *s, const char **ret_why) {
        /* WAL keeps readers (an auditor's sqlite3) off the writer's back; FULL syncs it on every commit. */
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        bool wal = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
        sqlite3_finalize(st);
        if (!wal) {
                *ret_why = "cannot use write-ahead logging";
                return rc == SQLITE_ROW ? -EIO : errno_of(rc);
        }
        /* A log that a reader made grow far is cut back to about two checkpoints' worth once it starts again. */
        char limit[64];
        snprintf(limit, sizeof(limit), "PRAGMA journal_size_limit = %d", 2 * CHECKPOINT_PAGES * 4096);
        int r = exec(s, limit);
        return r < 0 ? r : exec(s, "PRAGMA synchronous = FULL");
}

/* Finds the head of a chain: its last row must hash right and follow the row before it. */
static int head_load(Store *s, Chain c) {
        sqlite3_stmt *st = stmt(s, store_chain_info[c].last_two);
        Link last, before = { 0 };
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                store_row_link(c, st, &last);
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW)
                        store_row_link(c, st, &before);
                Head h = { .seq = rc == SQLITE_ROW ? before.seq : 0 }; /* zeros before the first row */
                memcpy(h.hash, before.hash, STORE_HASH_BYTES);
                if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
                        rc = store_link_follows(&last, &h) ? SQLITE_DONE : SQLITE_CORRUPT;
                        s->head[c] = (Head){ .seq = last.seq };
                        memcpy(s->head[c].hash, last.hash, STORE_HASH_BYTES);
                }
        }
        sqlite3_reset(st);
        return errno_of(rc);
}

void store_free(Store *s) {
        if (!s)
                return;
        if (s->in_batch)
                store_rollback(s);
        if (s->checkpointer) {
                sqlite3_wal_hook(s->db, NULL, NULL);
                checkpointer_free(s->checkpointer);
        }
        for (int i = 0; i < N_STMTS; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->db);
        answered_clear(&s->answered);
        if (s->lock_fd >= 0)
                close(s->lock_fd);
        free(s);
}

/* Reads the highest site_seq answered per site. */
static int answered_load(Store *s) {
        sqlite3_stmt *st = stmt(s, STMT_ANSWERED);
        int rc, r = 0;
        while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                r = answered_note(&s->answered, column_text(st, 0), sqlite3_column_int64(st, 1));
        sqlite3_reset(st);
        return r < 0 ? r : errno_of(rc);
}

/* Takes dir/interimd.lock for as long as the store is open. */
static int lock_take(Store *s, const char *dir) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof(path), "%s/interimd.lock", dir) >= sizeof(path))
                return -ENAMETOOLONG;
        s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (s->lock_fd < 0)
                return -errno;
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        return 0;
}

/* How long an operation waits for a lock another process holds on the store before it fails. */
#define STORE_BUSY_MS 5000

/* The longest path of the store's file. */
#define STORE_PATH_MAX 4096

/*
 * Makes a new store at path, whole or not at all: the schema goes into path.new, which
 * is synced and then renamed into place.  A crash leaves no store or a complete one, so
 * that an empty file where a store should be is damage, never a store to begin.
 */
static int store_create(const char *dir, const char *path, const char **ret_why) {
        char tmp[STORE_PATH_MAX + 16], journal[STORE_PATH_MAX + 16], left[STORE_PATH_MAX + 16];
        snprintf(tmp, sizeof(tmp), "%s.new", path);
        snprintf(journal, sizeof(journal), "%s.new-journal", path);
        /* SQLite would apply the log or journal of the store that was there to the new one. */
        snprintf(left, sizeof(left), "%s-wal", path);
        if (access(left, F_OK) == 0) {
                *ret_why = "interimd.db-wal is there without interimd.db: the log of a store gone missing";
                return -EEXIST;
        }
        snprintf(left, sizeof(left), "%s-journal", path);
        if (access(left, F_OK) == 0) {
                *ret_why = "interimd.db-journal is there without interimd.db: the journal of a store gone missing";
                return -EEXIST;
        }
        /* What a crash during an earlier creation left. */
        if ((unlink(tmp) < 0 && errno != ENOENT) || (unlink(journal) < 0 && errno != ENOENT))
                return -errno;
        /* Patients' data: readable by the daemon only.  SQLite gives its -wal and -shm files the same mode. */
        int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        close(fd);
        sqlite3 *db = NULL;
        char sql[sizeof(schema) + 128];
        snprintf(sql, sizeof(sql), "BEGIN; %s PRAGMA application_id = %d; PRAGMA user_version = %d; COMMIT;", schema,
                 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
        int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        int closed = sqlite3_close(db);
        int r = errno_of(rc != SQLITE_OK ? rc : closed);
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r == 0) {
                /* The rename itself, made durable. */
                int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd < 0 || fsync(dir_fd) < 0)
                        r = -errno;
                if (dir_fd >= 0)
                        close(dir_fd);
        }
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

static int db_open(Store *s, const char *dir, bool readonly, const char **ret_why) {
        char path[STORE_PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/interimd.db", dir) >= sizeof(path))
                return -ENAMETOOLONG;
        struct stat st;
        /* A reader makes nothing where there is no store (SQLite would only say "unable to open"). */
        if (readonly && stat(path, &st) < 0)
                return -errno;
        /* lstat(): a symbolic link to nothing is no missing store to make, but a file that does not open. */
        if (!readonly && lstat(path, &st) < 0) {
                int r = errno == ENOENT ? store_create(dir, path, ret_why) : -errno;
                if (r < 0)
                        return r;
        }
        int rc = sqlite3_open_v2(path, &s->db, (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX,
                                 NULL);
        if (rc != SQLITE_OK)
                return s->db ? errno_of(rc) : -ENOMEM;
        sqlite3_extended_result_codes(s->db, 1);
        /* Another process writing or checkpointing the file (an operator's sqlite3) holds a lock for a moment: wait. */
        sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
        if (!readonly && sqlite3_db_readonly(s->db, "main") == 1) {
                /* SQLite opens a file it may not write read-only, without a word: the first write would fail. */
                *ret_why = "interimd.db cannot be written by this process (its permissions, owner or file system)";
                return -EROFS;
        }
        int r = exec(s, "PRAGMA foreign_keys = ON");
        if (r == 0)
                r = schema_check(s, readonly, ret_why);
        if (r == 0 && !readonly)
                r = journal_set(s, ret_why);
        if (r == 0 && !readonly)
                r = checkpointer_new(&s->checkpointer, s->db, path);
        for (int i = 0; r == 0 && i < N_STMTS; i++)
                r = errno_of(sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL));
        for (Chain c = 0; r == 0 && c < N_CHAINS; c++)
                if ((r = head_load(s, c)) == -EBADMSG)
                        *ret_why = c == CHAIN_EVENTS       ? "the last event does not close the hash chain"
                                   : c == CHAIN_REJECTIONS ? "the last rejection does not close the hash chain"
                                                           : "the last disclosure does not close the hash chain";
        if (r == 0 && !readonly)
                r = answered_load(s);
        return r;
}

/* Opens the store in dir, for writing (taking its lock, creating it when new) or only for reading. */
static int open_dir(Store **ret, const char *dir, bool readonly, char **ret_error) {
        const char *why = NULL;
        *ret_error = NULL;
        if (sodium_init() < 0)
                return -ENOMEM;
        /* No allocation statistics, and so no global mutex taken per allocation (refused, harmlessly, once SQLite is running). */
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        Store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->lock_fd = -1;
        int r = 0;
        if (!readonly && mkdir(dir, 0700) < 0 && errno != EEXIST)
                r = -errno;
        if (r == 0 && !readonly) {
                r = lock_take(s, dir);
                if (r == -EBUSY)
                        why = "another process holds the store";
        }
        if (r == 0)
                r = db_open(s, dir, readonly, &why);
        if (r < 0) {
                if (asprintf(ret_error, "store %s: %s", dir,
                             why ? why : s->db ? sqlite3_errmsg(s->db) : strerror(-r)) < 0)
                        *ret_error = NULL;
                store_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int store_open(Store **ret, const char *dir, char **ret_error) {
        return open_dir(ret, dir, false, ret_error);
}

int store_open_readonly(Store **ret, const char *dir, char **ret_error) {
        return open_dir(ret, dir, true, ret_error);
}

/* ---- batches ---- */

int store_begin(Store *s) {
        s->rollback_cause[0] = '\0';
        int r = run(s, STMT_BEGIN);
        if (r < 0)
                return r;
        s->in_batch = true;
        memcpy(s->head_before, s->head, sizeof(s->head));
        return 0;
}

void store_rollback(Store *s) {
        if (!s->in_batch)
                return;
        /* What failed, kept for the log: a ROLLBACK would leave its own message (or "not an error"). */
        if (sqlite3_errcode(s->db) != SQLITE_OK)
                snprintf(s->rollback_cause, sizeof(s->rollback_cause), "%s", sqlite3_errmsg(s->db));
        /* SQLite rolls back by itself after some failures (a full disk, an I/O error). */
        if (!sqlite3_get_autocommit(s->db))
                (void)run(s, STMT_ROLLBACK);
        memcpy(s->head, s->head_before, sizeof(s->head));
        s->in_batch = false;
}

int store_commit(Store *s) {
        int r = run(s, STMT_COMMIT);
        if (r < 0) {
                store_rollback(s);
                return r;
        }
        s->in_batch = false;
        return 0;
}

/*
 * Binds the chain's previous hash and the row's at columns col and col + 1 of insert
 * statement id (its other columns bound), runs it, and moves the chain's head to the
 * row.  Returns 0 or a negative errno.
 */
static int chain_insert(Store *s, Chain c, StmtId id, int col, int64_t seq, const uint8_t hash[STORE_HASH_BYTES]) {
        Head *h = &s->head[c];
        sqlite3_stmt *st = stmt(s, id);
        sqlite3_bind_blob(st, col, h->hash, STORE_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(st, col + 1, hash, STORE_HASH_BYTES, SQLITE_STATIC);
        int r = run(s, id);
        sqlite3_clear_bindings(st);
        if (r < 0)
                return r;
        h->seq = seq;
        memcpy(h->hash, hash, STORE_HASH_BYTES);
        return 0;
}

int store_append_event(Store *s, const StoreEvent *e, int64_t *ret_store_seq) {
        Head *h = &s->head[CHAIN_EVENTS];
        /* One look-up of the site for both the check and the note below (nothing between adds a site). */
        AnsweredSite *known = answered_find(&s->answered, e->site);
        if (known && e->site_seq <= known->max) {
                /* Table events refuses its own repeated keys; a key refused before is checked here. */
                StoreAnswer earlier;
                int r = store_answer(s, e->site, e->site_seq, &earlier);
                if (r != 0)
                        return r < 0 ? r : -EEXIST;
        }
        StoreEvent row = *e;
        row.store_seq = h->seq + 1;
        uint8_t hash[STORE_HASH_BYTES];
        event_hash(h->hash, &row, hash);
        sqlite3_stmt *st = stmt(s, STMT_INSERT_EVENT);
        sqlite3_bind_int64(st, 1, row.store_seq);
        sqlite3_bind_int64(st, 2, row.server_time);
        bind_text(st, 3, row.sender);
        bind_text(st, 4, row.trial);
        bind_text(st, 5, row.site);
        sqlite3_bind_int64(st, 6, row.site_seq);
        bind_text(st, 7, row.patient);
        bind_text(st, 8, row.kind);
        bind_text(st, 9, row.date);
        bind_blob(st, 10, row.payload, row.payload_len);
        if (row.retracts)
                sqlite3_bind_int64(st, 11, row.retracts);
        else
                sqlite3_bind_null(st, 11);
        int r = chain_insert(s, CHAIN_EVENTS, STMT_INSERT_EVENT, 12, row.store_seq, hash);
        if (r == 0 && known) {
                /* A key below the highest (sent out of order, never answered) leaves it as it is. */
                if (row.site_seq > known->max)
                        known->max = row.site_seq;
        } else if (r == 0)
                r = answered_note(&s->answered, row.site, row.site_seq);
        if (r == 0)
                *ret_store_seq = row.store_seq;
        return r;
}

int store_append_rejection(Store *s, const StoreRejection *j) {
        Head *h = &s->head[CHAIN_REJECTIONS];
        int64_t seq = h->seq + 1;
        uint8_t hash[STORE_HASH_BYTES];
        rejection_hash(h->hash, seq, j, hash);
        sqlite3_stmt *st = stmt(s, STMT_INSERT_REJECTION);
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, j->server_time);
        bind_text(st, 3, j->sender);
        bind_text(st, 4, j->trial);
        bind_text(st, 5, j->site);
        if (j->site)
                sqlite3_bind_int64(st, 6, j->site_seq);
        else
                sqlite3_bind_null(st, 6);
        sqlite3_bind_int(st, 7, j->reason);
        bind_text(st, 8, j->text);
        bind_blob(st, 9, j->raw, j->raw_len);
        int r = chain_insert(s, CHAIN_REJECTIONS, STMT_INSERT_REJECTION, 10, seq, hash);
        return r == 0 && j->site ? answered_note(&s->answered, j->site, j->site_seq) : r;
}

int store_append_disclosure(Store *s, const StoreDisclosure *d) {
        Head *h = &s->head[CHAIN_DISCLOSURES];
        int64_t seq = h->seq + 1;
        uint8_t hash[STORE_HASH_BYTES];
        disclosure_hash(h->hash, seq, d, hash);
        sqlite3_stmt *st = stmt(s, STMT_INSERT_DISCLOSURE);
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, d->server_time);
        bind_text(st, 3, d->recipient);
        bind_text(st, 4, d->prefix);
        bind_text(st, 5, d->data_cut);
        return chain_insert(s, CHAIN_DISCLOSURES, STMT_INSERT_DISCLOSURE, 6, seq, hash);
}

/* ---- publication topics ---- */

int store_topic_seq(Store *s, const char *topic, int64_t *ret_seq) {
        sqlite3_stmt *st = stmt(s, STMT_TOPIC_SEQ);
        sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        *ret_seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? 0 : errno_of(rc);
}

int store_set_topic_seq(Store *s, const char *topic, int64_t seq) {
        sqlite3_stmt *st = stmt(s, STMT_SET_TOPIC_SEQ);
        sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, seq);
        int r = run(s, STMT_SET_TOPIC_SEQ);
        sqlite3_clear_bindings(st);
        return r;
}
