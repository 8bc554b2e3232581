/* feedcsv.h — the feeder's CSV file read with libcsv, each row checked and encoded as an interim.Event. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest site identifier the daemon takes as a key. */
#define FEEDCSV_SITE_MAX 64

/* The daemon's default max_message_bytes: a longer message is dropped by its socket, with the connection. */
#define FEEDCSV_MAX_BYTES_DEFAULT 65536

/* Longest description of an unusable row or file. */
#define FEEDCSV_ERROR_MAX 256

typedef struct FeedCsv FeedCsv;

/* One row of the file: its event, encoded, or why it cannot be one. */
typedef struct FeedRow {
        size_t line;                     /* line of the file where the row starts, from 1 */
        char site[FEEDCSV_SITE_MAX + 1]; /* the event's key: (site, seq) */
        uint64_t seq;
        uint8_t *data;                   /* the packed interim.Event (the caller frees it); NULL: invalid row */
        size_t len;
        char error[FEEDCSV_ERROR_MAX];   /* when data is NULL: why */
} FeedRow;

/*
 * Starts reading CSV from f (which stays the caller's, and is not closed); a row whose
 * Event is more than max_bytes encoded (the daemon's max_message_bytes) is invalid.
 * Returns 0 and the reader in *ret, or -ENOMEM.
 */
int feedcsv_new(FeedCsv **ret, FILE *f, size_t max_bytes);

/* Frees the reader; accepts NULL. */
void feedcsv_free(FeedCsv *c);

/*
 * Reads the next row into *ret: an encoded event, or an invalid row with the reason in
 * ret->error (a row whose (site, seq) an earlier row of the file took, or whose Event
 * is too long for the daemon, is invalid).  An empty detail of a look numbers it one after the trial's previous
 * look in the file (1 for its first).  Returns 1, 0 at the end of the file, -EBADMSG
 * when the rest of the file cannot be read (a bad header or bad quoting, described in
 * ret->error at ret->line), or another negative errno (a read error, -ENOMEM).
 */
int feedcsv_next(FeedCsv *c, FeedRow *ret);

/* The number of bytes read from the file so far. */
uint64_t feedcsv_bytes_read(const FeedCsv *c);
