/* feeder.h — events in flight to interimd over a DEALER: a window sent ahead, resent with backoff until answered. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feedcsv.h"
#include "interim.pb-c.h"

/* An unanswered event is sent again after this long, then after twice as long each time, up to the cap. */
#define FEEDER_BACKOFF_MS 200
#define FEEDER_BACKOFF_MAX_MS 5000

typedef struct Feeder Feeder;

/* Called once for each event, with the first acknowledgement of its (site, seq); line is its row's. */
typedef void (*FeederAnswerFn)(size_t line, const Interim__Ack *ack, void *userdata);

/*
 * Creates a feeder sending on socket (a DEALER of context, still the caller's) with at
 * most window events sent ahead of the oldest unanswered one; fn gets the answers.  It
 * watches the socket's disconnections: the events a lost connection may have taken
 * are sent again before any later one.  One feeder a process.  Returns 0 and the
 * feeder in *ret, or a negative errno.
 */
int feeder_new(Feeder **ret, void *context, void *socket, size_t window, FeederAnswerFn fn, void *userdata);

/* Frees the feeder and the events it still holds; accepts NULL. */
void feeder_free(Feeder *f);

/* Whether the window is full: feeder_add() must wait for answers. */
bool feeder_full(const Feeder *f);

/* Events not answered yet. */
size_t feeder_unanswered(const Feeder *f);

/* Events sent at least once. */
size_t feeder_sent(const Feeder *f);

/* Sends a row's event (row->data must be set; the feeder takes it and clears it) unless the window is full: -ENOBUFS. */
int feeder_add(Feeder *f, FeedRow *row);

/*
 * Waits up to wait_ms for acknowledgements (less when a resend is due), hands each
 * answer to fn, and resends the events due.  Returns the number of events answered,
 * or a negative errno from ZeroMQ.
 */
int feeder_run(Feeder *f, int wait_ms);

/* Milliseconds of a monotonic clock. */
int64_t feeder_clock_ms(void);
