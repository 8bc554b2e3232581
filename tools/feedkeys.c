/* feedkeys.c — the (site, seq) keys a file's rows have taken so far: an open-addressing hash set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "feedkeys.h"

struct FeedKey {
        uint64_t site; /* SipHash-2-4 of the site's name */
        uint64_t seq;
        size_t line;   /* 0: a free slot */
};

/* The slot of (site, seq), or of the free slot where it goes. */
static struct FeedKey *slot_of(const FeedKeys *k, uint64_t site, uint64_t seq) {
        uint64_t h = site ^ (seq * UINT64_C(0x9e3779b97f4a7c15));
        h ^= h >> 29;
        size_t mask = k->capacity - 1;
        for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
                struct FeedKey *s = &k->slot[i];
                if (s->line == 0 || (s->site == site && s->seq == seq))
                        return s;
        }
}

/* Doubles the table (16 slots at first), placing every key again. */
static int grow(FeedKeys *k) {
        FeedKeys bigger = { .n = k->n, .capacity = k->capacity ? 2 * k->capacity : 16 };
        bigger.slot = calloc(bigger.capacity, sizeof(*bigger.slot));
        if (!bigger.slot)
                return -ENOMEM;
        for (size_t i = 0; i < k->capacity; i++)
                if (k->slot[i].line)
                        *slot_of(&bigger, k->slot[i].site, k->slot[i].seq) = k->slot[i];
        free(k->slot);
        *k = bigger;
        return 0;
}

int feedkeys_take(FeedKeys *k, const char *site, uint64_t seq, size_t line, size_t *ret_earlier) {
        static const unsigned char key[crypto_shorthash_KEYBYTES]; /* names from a file, not from an adversary */
        unsigned char digest[crypto_shorthash_BYTES];
        crypto_shorthash(digest, (const unsigned char *)site, strlen(site), key);
        uint64_t h;
        memcpy(&h, digest, sizeof(h));
        if (2 * (k->n + 1) > k->capacity && grow(k) < 0)
                return -ENOMEM;
        struct FeedKey *s = slot_of(k, h, seq);
        if (s->line) {
                *ret_earlier = s->line;
                return 0;
        }
        *s = (struct FeedKey){ .site = h, .seq = seq, .line = line };
        k->n++;
        return 1;
}

void feedkeys_clear(FeedKeys *k) {
        free(k->slot);
        *k = (FeedKeys){ 0 };
}
