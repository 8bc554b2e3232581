/* decide.h — one message from a site decided: a duplicate answered again, or judged by the trial rules and recorded. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "store.h"
#include "trials.h"

/* Room for any packed Ack: a site of EVENT_SITE_MAX bytes, a text shorter than STORE_TEXT_MAX, four numbers and tags. */
#define DECIDE_ACK_MAX 512
_Static_assert(EVENT_SITE_MAX + STORE_TEXT_MAX + 64 <= DECIDE_ACK_MAX, "an Ack may not fit DECIDE_ACK_MAX");

/* One message as it came in. */
typedef struct Received {
        const uint8_t *data;  /* the payload frame */
        size_t len;
        bool extra_frames;    /* frames followed the payload: refused as malformed */
        const char *sender;   /* who sent it, as the transport knows it */
        bool authenticated;   /* CURVE: the sender's key must be allowed the event's site and trial */
        const char *role;     /* the sender key's role (site:S[,trials=...]); NULL without CURVE */
        int64_t now;          /* arrival, microseconds since 1970-01-01 UTC */
} Received;

/*
 * Decides one message, in, inside an open store batch.  A duplicate (site, site_seq)
 * gets the answer it got the first time; anything else is decided by the trial rules,
 * applied to its trial if accepted, and recorded, accepted or refused.  For each trial t
 * the event moved, the bits of its endpoints are set in changed[t].  The packed Ack goes
 * to ack_buf.
 *
 * Returns the Ack's length, or a negative errno when the store failed: the caller must
 * then roll the batch back, and the trials may hold an event the store does not.
 */
int decide_message(Trials *trials, Store *store, const Received *in, uint32_t *changed, uint8_t ack_buf[static DECIDE_ACK_MAX]);
