/* ingest.c — the ROUTER socket sites send events to: decide each, store the batch, then acknowledge. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "event.h"
#include "frames.h"
#include "ingest.h"
#include "keys.h"
#include "log.h"

/* How long closing the socket waits for acknowledgements still queued. */
#define INGEST_LINGER_MS 2000

/* One message of the batch: where its answer goes, and the answer. */
typedef struct Pending {
        zmq_msg_t identity;
        bool delimiter; /* the sender put an empty frame before the payload (REQ style) */
        zmq_msg_t ack;
} Pending;

struct Ingest {
        void *socket;
        Trials *trials;
        Store *store;
        size_t batch_max;
        bool authenticated; /* CURVE: every message carries its key's role as User-Id */
        Pending *pending; /* [batch_max] */
};

/* One received event on its way to a decision. */
typedef struct Message {
        const uint8_t *data;
        size_t len;
        const char *sender;
        const char *role;      /* the sender key's role; NULL without CURVE */
        int64_t now;
        Interim__Event *event; /* NULL when it does not decode */
} Message;

int ingest_new(Ingest **ret, void *zmq_context, const Config *c, const Zap *zap, Trials *trials, Store *store) {
        Ingest *in = calloc(1, sizeof(*in));
        if (!in)
                return -ENOMEM;
        *in = (Ingest){ .trials = trials, .store = store, .batch_max = c->batch_max, .authenticated = zap != NULL };
        in->pending = calloc(c->batch_max, sizeof(*in->pending));
        in->socket = zmq_socket(zmq_context, ZMQ_ROUTER);
        int r = -ENOMEM;
        if (!in->pending || !in->socket)
                goto fail;
        int64_t max = (int64_t)c->max_message_bytes;
        int linger = INGEST_LINGER_MS;
        if (zmq_setsockopt(in->socket, ZMQ_MAXMSGSIZE, &max, sizeof(max)) < 0 ||
            zmq_setsockopt(in->socket, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
            (r = zap_secure(zap, in->socket, ZAP_INGEST)) < 0 || zmq_bind(in->socket, c->ingest) < 0) {
                r = -errno;
                goto fail;
        }
        *ret = in;
        return 0;
fail:
        ingest_free(in);
        return r;
}

void ingest_free(Ingest *in) {
        if (!in)
                return;
        if (in->socket)
                zmq_close(in->socket);
        free(in->pending);
        free(in);
}

void *ingest_socket(const Ingest *in) {
        return in->socket;
}

/* Receives one message into p and *payload (both initialised either way); returns as frames_receive(). */
static int receive(Ingest *in, Pending *p, zmq_msg_t *payload, bool *ret_extra) {
        zmq_msg_init(&p->ack);
        return frames_receive(in->socket, &p->identity, &p->delimiter, payload, ret_extra);
}

/* Who sent a message: the name of its key when CURVE authenticated it, else its address, else "". */
static const char *sender_of(zmq_msg_t *payload) {
        const char *s = zmq_msg_gets(payload, "Key-Name");
        if (!s)
                s = zmq_msg_gets(payload, "Peer-Address");
        return s ? s : "";
}

/* ---- decisions ---- */

/* Records a refusal; key tells whether the Event's (site, site_seq) is usable. */
static int record_refused(Ingest *in, const Message *m, bool key, Interim__Reason why, Interim__Ack *ack) {
        const Interim__Event *e = m->event;
        const StoreRejection row = {
                .server_time = m->now,
                .sender = m->sender,
                .trial = e && e->trial[0] ? e->trial : NULL,
                .site = key ? e->site : NULL,
                .site_seq = key ? (int64_t)e->site_seq : 0,
                .reason = why,
                .text = reason_str(why),
                .raw = m->data,
                .raw_len = m->len,
        };
        ack->status = INTERIM__ACK_STATUS__REJECTED;
        ack->reason = why;
        ack->text = (char *)row.text;
        return store_append_rejection(in->store, &row);
}

static int record_accepted(Ingest *in, const Message *m, const ParsedEvent *p, const StoredEvent *target, Interim__Ack *ack) {
        const Interim__Event *e = m->event;
        StoreEvent row = {
                .server_time = m->now,
                .sender = m->sender,
                .trial = e->trial,
                .site = e->site,
                .site_seq = (int64_t)e->site_seq,
                .patient = e->patient,
                .kind = p->kind,
                .date = e->date,
                .payload = m->data,
                .payload_len = m->len,
        };
        if (p->action == ACTION_RETRACT) {
                row.patient = target->event->patient;
                row.date = NULL;
                row.retracts = target->store_seq;
        } else if (p->action == ACTION_LOOK)
                row.patient = NULL;
        int64_t seq;
        int r = store_append_event(in->store, &row, &seq);
        if (r < 0)
                return r;
        ack->status = INTERIM__ACK_STATUS__ACCEPTED;
        ack->store_seq = (uint64_t)seq;
        ack->text = (char *)trial_reject_str(TRIAL_OK);
        return 0;
}

/* Decides a new keyed event by the trial rules, applies and records it. */
static int judge(Ingest *in, const Message *m, Interim__Ack *ack, uint32_t *changed) {
        const Interim__Event *e = m->event;
        ParsedEvent p;
        StoredEvent target = { 0 };
        Trial *t = NULL;
        size_t index = 0;
        int r = 0;
        Interim__Reason why = event_parse(e, &p);
        if (why == INTERIM__REASON__REASON_NONE && !(t = trials_find(in->trials, e->trial, &index)))
                why = INTERIM__REASON__UNKNOWN_TRIAL;
        if (why == INTERIM__REASON__REASON_NONE && p.action == ACTION_RETRACT) {
                r = store_find(in->store, e->site, (int64_t)p.target, event_load, &target);
                if (r < 0)
                        goto done;
                if (r == 0 || strcmp(target.event->trial, e->trial) != 0)
                        why = INTERIM__REASON__RETRACT_UNKNOWN;
                else if (target.parsed.action != ACTION_FACT || target.retracted)
                        why = INTERIM__REASON__RETRACT_INVALID;
        }
        if (why == INTERIM__REASON__REASON_NONE) {
                r = event_apply(t, &p, &target.parsed, event_today(m->now));
                if (r < 0)
                        goto done;
                why = (Interim__Reason)r;
        }
        if (why != INTERIM__REASON__REASON_NONE) {
                r = record_refused(in, m, true, why, ack);
                goto done;
        }
        r = record_accepted(in, m, &p, &target, ack);
        /* Any fact can move the patient's last day of follow-up, and so its place in every
         * endpoint's risk set; a look freezes every endpoint's table. */
        changed[index] |= (uint32_t)((UINT64_C(1) << trial_spec(t)->n_endpoints) - 1);
done:
        stored_event_deinit(&target);
        return r;
}

/* Decides one message and packs its acknowledgement into p->ack.  Returns 0 or a negative errno (store failure). */
static int decide(Ingest *in, Pending *p, zmq_msg_t *payload, bool extra, int64_t now, uint32_t *changed) {
        Message m = {
                .data = zmq_msg_data(payload),
                .len = zmq_msg_size(payload),
                .sender = sender_of(payload),
                .role = in->authenticated ? zmq_msg_gets(payload, "User-Id") : NULL,
                .now = now,
        };
        Interim__Ack ack = INTERIM__ACK__INIT;
        StoreAnswer earlier;
        int r;
        if (!extra)
                m.event = interim__event__unpack(NULL, m.len, m.data);
        if (!m.event || !event_has_key(m.event))
                r = record_refused(in, &m, false, INTERIM__REASON__MALFORMED, &ack);
        else if (in->authenticated && !(m.role && role_allows(m.role, m.event->site, m.event->trial))) {
                /* Recorded without its (site, site_seq): that key is the other site's to use. */
                ack.site = m.event->site;
                ack.site_seq = m.event->site_seq;
                r = record_refused(in, &m, false, INTERIM__REASON__SITE_NOT_ALLOWED, &ack);
        } else {
                ack.site = m.event->site;
                ack.site_seq = m.event->site_seq;
                r = store_answer(in->store, m.event->site, (int64_t)m.event->site_seq, &earlier);
                if (r == 0)
                        r = judge(in, &m, &ack, changed);
                else if (r > 0) {
                        /* Said once, said for good: a resent event gets its first answer and is not stored again. */
                        ack.status = INTERIM__ACK_STATUS__DUPLICATE;
                        ack.store_seq = (uint64_t)earlier.store_seq;
                        ack.reason = earlier.accepted ? INTERIM__REASON__REASON_NONE : (Interim__Reason)earlier.reason;
                        ack.text = earlier.accepted ? (char *)trial_reject_str(TRIAL_OK) : earlier.text;
                        r = 0;
                }
        }
        if (r == 0) {
                size_t size = interim__ack__get_packed_size(&ack);
                if (zmq_msg_init_size(&p->ack, size) < 0)
                        r = -ENOMEM;
                else
                        interim__ack__pack(&ack, zmq_msg_data(&p->ack));
        }
        if (m.event)
                interim__event__free_unpacked(m.event, NULL);
        return r;
}

static void send_ack(Ingest *in, Pending *p) {
        /* A peer that is gone or too slow loses its acknowledgement; it resends, and gets DUPLICATE. */
        if (zmq_msg_send(&p->identity, in->socket, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            (p->delimiter && zmq_send(in->socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) ||
            zmq_msg_send(&p->ack, in->socket, ZMQ_DONTWAIT) < 0)
                log_warning("ingest: acknowledgement not sent: %s", zmq_strerror(errno));
}

int ingest_batch(Ingest *in, int64_t now, uint32_t *changed) {
        size_t n = 0;
        int r = 0;
        while (n < in->batch_max) {
                Pending *p = &in->pending[n];
                zmq_msg_t payload;
                bool extra;
                int got = receive(in, p, &payload, &extra);
                if (got <= 0) {
                        zmq_msg_close(&p->identity);
                        zmq_msg_close(&p->ack);
                        zmq_msg_close(&payload);
                        r = got;
                        break;
                }
                n++;
                r = n > 1 ? 0 : store_begin(in->store);
                if (r == 0)
                        r = decide(in, p, &payload, extra, now, changed);
                zmq_msg_close(&payload);
                if (r < 0)
                        break;
        }
        if (n == 0)
                return r;
        if (r == 0)
                r = store_commit(in->store);
        else
                store_rollback(in->store);
        /* Never an acknowledgement before the commit: an acknowledged event is a stored event. */
        for (size_t i = 0; i < n; i++) {
                if (r == 0)
                        send_ack(in, &in->pending[i]);
                zmq_msg_close(&in->pending[i].identity);
                zmq_msg_close(&in->pending[i].ack);
        }
        return r < 0 ? r : (int)n;
}
