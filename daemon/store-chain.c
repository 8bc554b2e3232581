/* store-chain.c — the store's hash chains: each row's canonical form and hash checked, and each chain walked from its start. */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "store-internal.h"

const ChainInfo store_chain_info[N_CHAINS] = {
        [CHAIN_EVENTS] = { "events", STMT_REPLAY, STMT_EVENTS_HEAD },
        [CHAIN_REJECTIONS] = { "rejected", STMT_REJECTIONS, STMT_REJECTIONS_HEAD },
        [CHAIN_DISCLOSURES] = { "disclosures", STMT_DISCLOSURES, STMT_DISCLOSURES_HEAD },
};

/*
 * Whether each hashed column holds what the writer bound: 'i' an integer, 'n' an integer
 * or NULL, 't' a text without a NUL (the hash takes it to its first NUL) or NULL, 'b' a
 * blob.  Another storage class or a text cut short by a NUL would hash as the original.
 */
static bool row_canonical(Chain c, sqlite3_stmt *st) {
        static const char *const types[N_CHAINS] = {
                [CHAIN_EVENTS] = "iitttitttbn",
                [CHAIN_REJECTIONS] = "iitttnitb",
                [CHAIN_DISCLOSURES] = "iittt",
        };
        for (int i = 0; types[c][i]; i++) {
                int type = sqlite3_column_type(st, i);
                switch (types[c][i]) {
                case 'i':
                case 'n':
                        if (type != SQLITE_INTEGER && !(type == SQLITE_NULL && types[c][i] == 'n'))
                                return false;
                        break;
                case 't':
                        if (type == SQLITE_NULL)
                                break;
                        if (type != SQLITE_TEXT ||
                            strlen(column_text(st, i)) != (size_t)sqlite3_column_bytes(st, i))
                                return false;
                        break;
                case 'b':
                        if (type != SQLITE_BLOB)
                                return false;
                        break;
                }
        }
        return true;
}

void store_row_link(Chain c, sqlite3_stmt *st, Link *ret) {
        int n = sqlite3_column_count(st);
        uint8_t computed[STORE_HASH_BYTES];
        *ret = (Link){ 0 };
        if (sqlite3_column_bytes(st, n - 2) != STORE_HASH_BYTES || sqlite3_column_bytes(st, n - 1) != STORE_HASH_BYTES)
                return;
        /* Before the reads below, which convert what they read. */
        bool canonical = row_canonical(c, st);
        memcpy(ret->prev, sqlite3_column_blob(st, n - 2), STORE_HASH_BYTES);
        memcpy(ret->hash, sqlite3_column_blob(st, n - 1), STORE_HASH_BYTES);
        if (c == CHAIN_DISCLOSURES) {
                const StoreDisclosure d = {
                        .server_time = sqlite3_column_int64(st, 1),
                        .recipient = column_text(st, 2),
                        .prefix = column_text(st, 3),
                        .data_cut = column_text(st, 4),
                };
                ret->seq = sqlite3_column_int64(st, 0);
                disclosure_hash(ret->prev, ret->seq, &d, computed);
        } else if (c == CHAIN_EVENTS) {
                StoreEvent e;
                store_row_event(st, &e);
                ret->seq = e.store_seq;
                event_hash(ret->prev, &e, computed);
        } else {
                StoreRejection j;
                store_row_rejection(st, &j);
                ret->seq = j.reject_seq;
                rejection_hash(ret->prev, ret->seq, &j, computed);
        }
        ret->hashes_right = canonical && memcmp(computed, ret->hash, STORE_HASH_BYTES) == 0;
}

bool store_link_follows(const Link *l, const Head *h) {
        return l->hashes_right && l->seq == h->seq + 1 && memcmp(l->prev, h->hash, STORE_HASH_BYTES) == 0;
}

/* ---- verification ---- */

/* Walks one chain from its start.  Returns 0, -EBADMSG with the first bad row, or a negative errno. */
static int chain_verify(Store *s, Chain c, int64_t *ret_row) {
        sqlite3_stmt *st = stmt(s, store_chain_info[c].all);
        Head h = { 0 };
        int rc = SQLITE_DONE, r = 0;
        while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                Link l;
                store_row_link(c, st, &l);
                if (!store_link_follows(&l, &h)) {
                        *ret_row = h.seq + 1;
                        r = -EBADMSG;
                }
                h.seq++;
                memcpy(h.hash, l.hash, STORE_HASH_BYTES);
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = errno_of(rc);
        sqlite3_reset(st);
        return r;
}

int store_verify(Store *s, const char **ret_table, int64_t *ret_row) {
        for (Chain c = 0; c < N_CHAINS; c++) {
                int r = chain_verify(s, c, ret_row);
                if (r == -EBADMSG)
                        *ret_table = store_chain_info[c].table;
                if (r < 0)
                        return r;
        }
        /* A key is answered once: an event must not take a key refused before. */
        sqlite3_stmt *st = stmt(s, STMT_KEY_TWICE);
        int rc = sqlite3_step(st);
        int64_t row = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
                return errno_of(rc);
        if (row == 0)
                return 0;
        *ret_table = store_chain_info[CHAIN_EVENTS].table;
        *ret_row = row;
        return -EBADMSG;
}
