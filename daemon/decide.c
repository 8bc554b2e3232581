/* decide.c — a message's decision: decode, key, duplicate or the trial rules, and the row that records it. */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "decide.h"
#include "interim/text.h"
#include "keys.h"
#include "wire.h"

/* A message on its way to a decision. */
typedef struct Message {
        const Received *in;
        Interim__Event *event; /* NULL when it does not decode */
} Message;

/* Records a refusal; key tells whether the Event's (site, site_seq) is usable. */
static int record_refused(Store *store, const Message *m, bool key, Interim__Reason why, Interim__Ack *ack) {
        const Interim__Event *e = m->event;
        const StoreRejection row = {
                .server_time = m->in->now,
                .sender = m->in->sender,
                .trial = e && e->trial[0] ? e->trial : NULL,
                .site = key ? e->site : NULL,
                .site_seq = key ? (int64_t)e->site_seq : 0,
                .reason = why,
                .text = reason_str(why),
                .raw = m->in->data,
                .raw_len = m->in->len,
        };
        ack->status = INTERIM__ACK_STATUS__REJECTED;
        ack->reason = why;
        ack->text = (char *)row.text;
        return store_append_rejection(store, &row);
}

static int record_accepted(Store *store, const Message *m, const ParsedEvent *p, const StoredEvent *target, Interim__Ack *ack) {
        const Interim__Event *e = m->event;
        StoreEvent row = {
                .server_time = m->in->now,
                .sender = m->in->sender,
                .trial = e->trial,
                .site = e->site,
                .site_seq = (int64_t)e->site_seq,
                .patient = e->patient,
                .kind = p->kind,
                .date = e->date,
                .payload = m->in->data,
                .payload_len = m->in->len,
        };
        if (p->action == ACTION_RETRACT) {
                row.patient = target->event->patient;
                row.date = NULL;
                row.retracts = target->store_seq;
        } else if (p->action == ACTION_LOOK)
                row.patient = NULL;
        int64_t seq;
        int r = store_append_event(store, &row, &seq);
        if (r < 0)
                return r;
        ack->status = INTERIM__ACK_STATUS__ACCEPTED;
        ack->store_seq = (uint64_t)seq;
        ack->text = (char *)trial_reject_str(TRIAL_OK);
        return 0;
}

/* Decides a new keyed event by the trial rules, applies and records it. */
static int judge(Trials *trials, Store *store, const Message *m, Interim__Ack *ack, uint32_t *changed) {
        const Interim__Event *e = m->event;
        ParsedEvent p;
        StoredEvent target = { 0 };
        Trial *t = NULL;
        size_t index = 0;
        int r = 0;
        Interim__Reason why = event_parse(e, &p);
        /*
         * Any patient given, also on a retraction or a look (which do not use it), must be a
         * name; a fact's must be given (trial_apply() checks).  Checked here, not on replay:
         * a store may hold identifiers from before the rule.
         */
        size_t patient_len = strlen(e->patient);
        if (why == INTERIM__REASON__REASON_NONE && patient_len > 0 &&
            (patient_len > TRIAL_PATIENT_ID_MAX || !text_name(e->patient, patient_len)))
                why = INTERIM__REASON__BAD_PATIENT;
        if (why == INTERIM__REASON__REASON_NONE && !(t = trials_find(trials, e->trial, &index)))
                why = INTERIM__REASON__UNKNOWN_TRIAL;
        if (why == INTERIM__REASON__REASON_NONE && p.action == ACTION_RETRACT) {
                r = store_find(store, e->site, (int64_t)p.target, event_load, &target);
                if (r < 0)
                        goto done;
                if (r == 0 || strcmp(target.event->trial, e->trial) != 0)
                        why = INTERIM__REASON__RETRACT_UNKNOWN;
                else if (target.parsed.action != ACTION_FACT || target.retracted)
                        why = INTERIM__REASON__RETRACT_INVALID;
        }
        if (why == INTERIM__REASON__REASON_NONE) {
                r = event_apply(t, &p, &target.parsed, event_today(m->in->now));
                if (r < 0)
                        goto done;
                why = (Interim__Reason)r;
        }
        if (why != INTERIM__REASON__REASON_NONE) {
                r = record_refused(store, m, true, why, ack);
                goto done;
        }
        r = record_accepted(store, m, &p, &target, ack);
        /* Any fact can move the patient's last day of follow-up, and so its place in every
         * endpoint's risk set; a look freezes every endpoint's table. */
        changed[index] |= (uint32_t)((UINT64_C(1) << trial_spec(t)->n_endpoints) - 1);
done:
        stored_event_deinit(&target);
        return r;
}

int decide_message(Trials *trials, Store *store, const Received *in, uint32_t *changed, uint8_t ack_buf[static DECIDE_ACK_MAX]) {
        Message m = { .in = in };
        Interim__Ack ack = INTERIM__ACK__INIT;
        StoreAnswer earlier;
        int r;
        /* Room for a usual Event decoded (its texts copied), so that it costs no malloc. */
        alignas(max_align_t) uint8_t space[1024];
        Arena arena;
        arena_init(&arena, space, sizeof(space));
        Interim__Event *decoded = in->extra_frames ? NULL : interim__event__unpack(&arena.allocator, in->len, in->data);
        /* A NUL in a text would make another identifier of it: as good as undecodable. */
        if (decoded && wire_strings_whole(&interim__event__descriptor, in->data, in->len))
                m.event = decoded;
        if (!m.event || !event_has_key(m.event))
                r = record_refused(store, &m, false, INTERIM__REASON__MALFORMED, &ack);
        else if (in->authenticated && !(in->role && role_allows(in->role, m.event->site, m.event->trial))) {
                /* Recorded without its (site, site_seq): that key is the other site's to use. */
                ack.site = m.event->site;
                ack.site_seq = m.event->site_seq;
                r = record_refused(store, &m, false, INTERIM__REASON__SITE_NOT_ALLOWED, &ack);
        } else {
                ack.site = m.event->site;
                ack.site_seq = m.event->site_seq;
                r = store_answer(store, m.event->site, (int64_t)m.event->site_seq, &earlier);
                if (r == 0)
                        r = judge(trials, store, &m, &ack, changed);
                else if (r > 0) {
                        /* Said once, said for good: a resent event gets its first answer and is not stored again. */
                        ack.status = INTERIM__ACK_STATUS__DUPLICATE;
                        ack.store_seq = (uint64_t)earlier.store_seq;
                        ack.reason = earlier.accepted ? INTERIM__REASON__REASON_NONE : (Interim__Reason)earlier.reason;
                        ack.text = earlier.accepted ? (char *)trial_reject_str(TRIAL_OK) : earlier.text;
                        r = 0;
                }
        }
        if (r == 0)
                r = (int)interim__ack__pack(&ack, ack_buf);
        arena_free_message(&arena, (ProtobufCMessage *)decoded);
        return r;
}
