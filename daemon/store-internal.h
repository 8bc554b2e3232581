/* store-internal.h — what the store's files share: the Store, its statements and chains, and the hash of a row (inline: store_append_event() hashes every row). */
#pragma once

#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "answered.h"
#include "checkpoint.h"
#include "store.h"

/* The columns of an event as store_row_event() reads them. */
#define EVENT_COLUMNS                                                                                           \
        "SELECT e.store_seq, e.server_time, e.sender, e.trial, e.site, e.site_seq, e.patient, e.kind, e.date," \
        " e.payload, e.retracts, EXISTS (SELECT 1 FROM events r WHERE r.retracts = e.store_seq),"             \
        " e.prev_hash, e.hash FROM events e "
#define DISCLOSURE_COLUMNS "SELECT disclosure_seq, server_time, recipient, prefix, data_cut, prev_hash, hash FROM disclosures "
#define REJECTION_COLUMNS                                                                                         \
        "SELECT reject_seq, server_time, sender, trial, site, site_seq, reason, text, raw, prev_hash, hash" \
        " FROM rejected "

/* The store's prepared statements; their SQL is stmt_sql's in store.c. */
typedef enum {
        STMT_BEGIN,
        STMT_COMMIT,
        STMT_ROLLBACK,
        STMT_INSERT_EVENT,
        STMT_INSERT_REJECTION,
        STMT_ANSWER,
        STMT_FIND,
        STMT_GET,
        STMT_REPLAY,
        STMT_EVENTS_HEAD,
        STMT_REJECTIONS_HEAD,
        STMT_REJECTIONS,
        STMT_INSERT_DISCLOSURE,
        STMT_DISCLOSURES_HEAD,
        STMT_DISCLOSURES,
        STMT_TOPIC_SEQ,
        STMT_SET_TOPIC_SEQ,
        STMT_ANSWERED,
        STMT_KEY_TWICE,
        N_STMTS,
} StmtId;

/* The three tables of the record, each its own hash chain. */
typedef enum {
        CHAIN_EVENTS,
        CHAIN_REJECTIONS,
        CHAIN_DISCLOSURES,
        N_CHAINS,
} Chain;

/* How to read a chain: all rows in order, and the last two rows, newest first. */
typedef struct ChainInfo {
        const char *table;
        StmtId all, last_two;
} ChainInfo;

/* The table and statements of each chain. */
extern const ChainInfo store_chain_info[N_CHAINS];

/* The end of one hash chain. */
typedef struct Head {
        int64_t seq;
        uint8_t hash[STORE_HASH_BYTES];
} Head;

/* An open store: its database, lock, statements and the heads of its chains. */
struct Store {
        sqlite3 *db;
        int lock_fd;
        sqlite3_stmt *stmt[N_STMTS];
        Head head[N_CHAINS];
        Head head_before[N_CHAINS]; /* at the start of the batch, for a rollback */
        bool in_batch;
        /*
         * Per site, a bound on the site_seqs answered (in either table): a key above it is
         * new without a look at the indexes.  A rollback leaves it high, which is safe.
         * Kept only by the writer, who holds the lock: a reader's would fall behind.
         */
        Answered answered;
        Checkpointer *checkpointer; /* the writer's: checkpoints off the commit path */
        char rollback_cause[256];   /* SQLite's message for the failure that rolled the batch back */
};

/* The negative errno of an SQLite result code; 0 for SQLITE_OK, SQLITE_ROW and SQLITE_DONE. */
static inline int errno_of(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_PERM:
        case SQLITE_AUTH:
        case SQLITE_CANTOPEN:
                return -EACCES;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        default:
                return -EIO;
        }
}

/* Prepared statement id, reset. */
static inline sqlite3_stmt *stmt(Store *s, StmtId id) {
        sqlite3_stmt *st = s->stmt[id];
        sqlite3_reset(st);
        return st;
}

/* Column i of the row as a NUL-terminated string; NULL when it is NULL. */
static inline const char *column_text(sqlite3_stmt *st, int i) {
        return (const char *)sqlite3_column_text(st, i);
}

/* ---- the canonical encoding of a row, hashed ---- */

/*
 * hash = BLAKE2b-256(label, prev_hash, field, field, ...) in column order, each field
 * as 0x00 (NULL), 0x01 and 8 bytes big-endian (integer), or 0x02, an 8-byte big-endian
 * length and the bytes (text, blob).  The label names the table, so that a row cannot
 * pass for a row of the other.
 */
typedef struct Hasher {
        crypto_generichash_state state;
        size_t n;
        uint8_t buf[512]; /* fields gathered here: one update for a whole row, not one per field */
} Hasher;

static inline void hash_flush(Hasher *h) {
        crypto_generichash_update(&h->state, h->buf, h->n);
        h->n = 0;
}

static inline void hash_put(Hasher *h, const void *p, size_t n) {
        if (h->n + n > sizeof(h->buf)) {
                hash_flush(h);
                if (n > sizeof(h->buf)) {
                        crypto_generichash_update(&h->state, p, n);
                        return;
                }
        }
        memcpy(h->buf + h->n, p, n);
        h->n += n;
}

static inline void hash_null(Hasher *h) {
        static const uint8_t tag = 0;
        hash_put(h, &tag, 1);
}

static inline void put_be64(uint8_t *b, uint64_t v) {
        for (int i = 0; i < 8; i++)
                b[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline void hash_int(Hasher *h, int64_t v) {
        uint8_t b[9] = { 1 };
        put_be64(b + 1, (uint64_t)v);
        hash_put(h, b, sizeof(b));
}

static inline void hash_bytes(Hasher *h, const void *p, size_t n) {
        uint8_t b[9] = { 2 };
        put_be64(b + 1, n);
        hash_put(h, b, sizeof(b));
        hash_put(h, p, n);
}

static inline void hash_text(Hasher *h, const char *s) {
        if (s)
                hash_bytes(h, s, strlen(s));
        else
                hash_null(h);
}

static inline void hash_start(Hasher *h, const char *label, const uint8_t prev[STORE_HASH_BYTES]) {
        crypto_generichash_init(&h->state, NULL, 0, STORE_HASH_BYTES);
        h->n = 0;
        hash_put(h, label, strlen(label) + 1);
        hash_put(h, prev, STORE_HASH_BYTES);
}

static inline void hash_final(Hasher *h, uint8_t ret[STORE_HASH_BYTES]) {
        hash_flush(h);
        crypto_generichash_final(&h->state, ret, STORE_HASH_BYTES);
}

/* The hash of event row e (its store_seq set), chained to prev. */
static inline void event_hash(const uint8_t prev[STORE_HASH_BYTES], const StoreEvent *e, uint8_t ret[STORE_HASH_BYTES]) {
        Hasher h;
        hash_start(&h, "interimd events 1", prev);
        hash_int(&h, e->store_seq);
        hash_int(&h, e->server_time);
        hash_text(&h, e->sender);
        hash_text(&h, e->trial);
        hash_text(&h, e->site);
        hash_int(&h, e->site_seq);
        hash_text(&h, e->patient);
        hash_text(&h, e->kind);
        hash_text(&h, e->date);
        hash_bytes(&h, e->payload, e->payload_len);
        if (e->retracts)
                hash_int(&h, e->retracts);
        else
                hash_null(&h);
        hash_final(&h, ret);
}

/* The hash of rejection row r, number seq, chained to prev. */
static inline void rejection_hash(const uint8_t prev[STORE_HASH_BYTES], int64_t seq, const StoreRejection *r,
                                  uint8_t ret[STORE_HASH_BYTES]) {
        Hasher h;
        hash_start(&h, "interimd rejected 1", prev);
        hash_int(&h, seq);
        hash_int(&h, r->server_time);
        hash_text(&h, r->sender);
        hash_text(&h, r->trial);
        hash_text(&h, r->site);
        if (r->site)
                hash_int(&h, r->site_seq);
        else
                hash_null(&h);
        hash_int(&h, r->reason);
        hash_text(&h, r->text);
        hash_bytes(&h, r->raw, r->raw_len);
        hash_final(&h, ret);
}

/* The hash of disclosure row d, number seq, chained to prev. */
static inline void disclosure_hash(const uint8_t prev[STORE_HASH_BYTES], int64_t seq, const StoreDisclosure *d,
                                   uint8_t ret[STORE_HASH_BYTES]) {
        Hasher h;
        hash_start(&h, "interimd disclosures 1", prev);
        hash_int(&h, seq);
        hash_int(&h, d->server_time);
        hash_text(&h, d->recipient);
        hash_text(&h, d->prefix);
        hash_text(&h, d->data_cut);
        hash_final(&h, ret);
}

/* ---- reading rows (store-read.c) ---- */

/* Reads an event row of EVENT_COLUMNS. */
void store_row_event(sqlite3_stmt *st, StoreEvent *e);

/* Reads a rejection row of REJECTION_COLUMNS. */
void store_row_rejection(sqlite3_stmt *st, StoreRejection *j);

/* ---- the chains (store-chain.c) ---- */

/* A row as its chain sees it. */
typedef struct Link {
        int64_t seq;
        uint8_t prev[STORE_HASH_BYTES]; /* as stored */
        uint8_t hash[STORE_HASH_BYTES]; /* as stored */
        bool hashes_right;              /* the hash over the row's fields and its prev is the stored one */
} Link;

/* Reads a row of a chain's table (prev_hash and hash are its last two columns) and checks its own hash. */
void store_row_link(Chain c, sqlite3_stmt *st, Link *ret);

/* Whether a row follows the head of its chain: the next number, linked to it, hashing right. */
bool store_link_follows(const Link *l, const Head *h);
