/* ingest.c — the ROUTER socket sites send events to: decide each, store the batch, then acknowledge. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "decide.h"
#include "frames.h"
#include "ingest.h"
#include "keys.h"
#include "log.h"

/* How long closing the socket waits for acknowledgements still queued. */
#define INGEST_LINGER_MS 2000

/*
 * Acknowledgements that may wait at the daemon for one sender.  libzmq learns that the
 * queue's reader took messages only every SNDHWM/2 of them, so with the default mark
 * (1000) a sender keeping some 500 events in flight could find its queue "full", and a
 * ROUTER drops what does not fit without a word.  Hence a high mark (a sender may keep
 * INGEST_ACK_HWM / 2 events in flight; about 8 MB if one never reads) and
 * ZMQ_ROUTER_MANDATORY, under which a send that cannot be queued fails and is logged.
 */
#define INGEST_ACK_HWM 65536

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
        int linger = INGEST_LINGER_MS, hwm = INGEST_ACK_HWM, mandatory = 1;
        if (zmq_setsockopt(in->socket, ZMQ_MAXMSGSIZE, &max, sizeof(max)) < 0 ||
            zmq_setsockopt(in->socket, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
            zmq_setsockopt(in->socket, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
            zmq_setsockopt(in->socket, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof(mandatory)) < 0 ||
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

/* Decides one message and packs its acknowledgement into p->ack.  Returns 0 or a negative errno (store failure). */
static int decide(Ingest *in, Pending *p, zmq_msg_t *payload, bool extra, int64_t now, uint32_t *changed) {
        const Received m = {
                .data = zmq_msg_data(payload),
                .len = zmq_msg_size(payload),
                .extra_frames = extra,
                .sender = frames_sender(payload, in->authenticated),
                .authenticated = in->authenticated,
                .role = in->authenticated ? zmq_msg_gets(payload, "User-Id") : NULL,
                .now = now,
        };
        uint8_t ack[DECIDE_ACK_MAX];
        int n = decide_message(in->trials, in->store, &m, changed, ack);
        if (n < 0)
                return n;
        if (zmq_msg_init_size(&p->ack, (size_t)n) < 0)
                return -ENOMEM;
        memcpy(zmq_msg_data(&p->ack), ack, (size_t)n);
        return 0;
}

/* Queues an acknowledgement.  Returns 0, or a negative errno when it cannot go (the peer is gone or reads nothing). */
static int send_ack(Ingest *in, Pending *p) {
        if (zmq_msg_send(&p->identity, in->socket, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            (p->delimiter && zmq_send(in->socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) ||
            zmq_msg_send(&p->ack, in->socket, ZMQ_DONTWAIT) < 0)
                return -errno;
        return 0;
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
        size_t unsent = 0;
        int why = 0;
        for (size_t i = 0; i < n; i++) {
                int sent = r == 0 ? send_ack(in, &in->pending[i]) : 0;
                if (sent < 0) {
                        unsent++;
                        why = sent;
                }
                zmq_msg_close(&in->pending[i].identity);
                zmq_msg_close(&in->pending[i].ack);
        }
        /* Once per batch: a peer that left with many events in flight would flood the log. */
        if (unsent > 0)
                log_warning("ingest: %zu acknowledgement%s not sent (%s); a sender that resends gets DUPLICATE",
                            unsent, unsent == 1 ? "" : "s", zmq_strerror(-why));
        return r < 0 ? r : (int)n;
}
