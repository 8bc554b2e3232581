/* answered.h — per site, the highest site_seq answered so far: a key above it is new without a look in the store. */
#pragma once

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

/* One site's highest site_seq answered; site NULL in a free slot. */
typedef struct AnsweredSite {
        char *site;
        int64_t max;
} AnsweredSite;

/*
 * The sites, in an open-addressing hash table keyed by SipHash-2-4 with a random key
 * (names sent over the network cannot be chosen to collide).  Zeroed: empty.
 */
typedef struct Answered {
        AnsweredSite *slot; /* [capacity], a power of two, at most half full */
        size_t n, capacity;
        uint8_t key[crypto_shorthash_KEYBYTES];
} Answered;

/* Frees what a holds and empties it. */
void answered_clear(Answered *a);

/* The highest site_seq answered for site; 0 when none (a site_seq is at least 1). */
int64_t answered_max(const Answered *a, const char *site);

/*
 * The entry of site, or NULL when none: one look-up where a caller reads the highest
 * site_seq and may raise it later (`s->max`).  Valid until the next answered_note().
 */
AnsweredSite *answered_find(const Answered *a, const char *site);

/* Notes that (site, site_seq) has been answered.  Returns 0 or -ENOMEM. */
int answered_note(Answered *a, const char *site, int64_t site_seq);
