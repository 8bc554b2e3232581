/* feedkeys.h — the (site, seq) keys a file's rows have taken so far, each with its line. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* An open-addressing set of keys; zero-initialised it is empty. */
typedef struct FeedKeys {
        struct FeedKey *slot; /* [capacity], a power of two; line 0: free */
        size_t n, capacity;
} FeedKeys;

/*
 * Takes (site, seq) for the row at line (from 1).  Returns 1 when the key is new, 0
 * when an earlier row took it (its line in *ret_earlier), or -ENOMEM.  Sites are told
 * apart by a 64-bit SipHash of their name.
 */
int feedkeys_take(FeedKeys *k, const char *site, uint64_t seq, size_t line, size_t *ret_earlier);

/* Frees the set and empties it. */
void feedkeys_clear(FeedKeys *k);
