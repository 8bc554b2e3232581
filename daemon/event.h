/* event.h — one wire Event as a trial sees it: its key, its fields checked, and applying it. */
#pragma once

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "interim.pb-c.h"
#include "interim/trial.h"
#include "store.h"

/* Longest site identifier. */
#define EVENT_SITE_MAX 64

/* What an Event does to its trial. */
typedef enum {
        ACTION_FACT,    /* enroll, contact, progression, death, withdraw */
        ACTION_RETRACT,
        ACTION_LOOK,
} EventAction;

/* An Event with its fields checked and its date read.  Strings point into the Event. */
typedef struct ParsedEvent {
        EventAction action;
        const char *kind;  /* its name in the store: "enroll", "contact", ..., "retract", "look" */
        TrialEvent fact;   /* ACTION_FACT */
        uint64_t target;   /* ACTION_RETRACT: the site_seq of the same site's event taken back */
        uint32_t look;     /* ACTION_LOOK: the look's number, and its data cut in fact.date */
} ParsedEvent;

/*
 * Whether the Event carries a usable idempotency key: a site that is a name
 * (text_name()) of 1 to EVENT_SITE_MAX bytes, and a site_seq from 1 to
 * INT64_MAX (the store's integers).
 */
bool event_has_key(const Interim__Event *e);

/*
 * Checks an Event's fields (a trial named, a body, a progression kind, a look number,
 * a retraction target, a real date where one is needed) and reads it into *ret.  A
 * retraction's patient and date are not used.  Returns INTERIM__REASON__REASON_NONE,
 * INTERIM__REASON__MALFORMED or INTERIM__REASON__BAD_DATE.
 */
Interim__Reason event_parse(const Interim__Event *e, ParsedEvent *ret);

/*
 * Applies a parsed event to its trial: a fact, a retraction of target (the parsed event
 * taken back; NULL otherwise), or a look.  today (days since 1970-01-01) bounds dates.
 * Returns TRIAL_OK, a positive TrialReject (nothing changed), -ENOMEM, or -EINVAL for
 * an action that is no EventAction (which event_parse() never gives).
 */
int event_apply(Trial *t, const ParsedEvent *e, const ParsedEvent *target, int32_t today);

/* An accepted event read back from the store, decoded and parsed; not to be copied once loaded. */
typedef struct StoredEvent {
        int64_t store_seq;
        bool retracted;
        Interim__Event *event; /* owned: decoded into space when it fits */
        ParsedEvent parsed;
        Arena arena;
        alignas(max_align_t) uint8_t space[512];
} StoredEvent;

/*
 * A StoreEventFn: decodes and parses the row's payload into the StoredEvent userdata
 * (which the caller deinits).  Returns 0, or -EBADMSG when the stored payload is not a
 * valid Event (the store is damaged), or -ENOMEM.
 */
int event_load(const StoreEvent *row, void *userdata);

/* Frees what event_load() kept; accepts NULL and a zeroed StoredEvent. */
void stored_event_deinit(StoredEvent *s);

/* The day (since 1970-01-01, UTC) a server time (microseconds, not negative) falls on: the "today" bounding an event's dates. */
int32_t event_today(int64_t server_time);

/* A short English sentence for a Reason (never NULL). */
const char *reason_str(Interim__Reason r);
