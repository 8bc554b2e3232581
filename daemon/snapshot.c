/* snapshot.c — answering snapshot requests: the Clone pattern's state request, with an optional data cut. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "event.h"
#include "frames.h"
#include "interim.pb-c.h"
#include "interim/date.h"
#include "keys.h"
#include "log.h"
#include "snapshot.h"
#include "wire.h"

struct Snapshot {
        void *socket;
        bool authenticated; /* CURVE: every request carries its key's role as User-Id */
        StatsMsg msg;       /* for the statistics at a data cut */
};

/* Where the answer to one request goes. */
typedef struct Peer {
        zmq_msg_t identity;
        bool delimiter;
} Peer;

int snapshot_new(Snapshot **ret, void *zmq_context, const Config *c, const Zap *zap) {
        Snapshot *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        statsmsg_init(&s->msg);
        s->authenticated = zap != NULL;
        s->socket = zmq_socket(zmq_context, ZMQ_ROUTER);
        if (!s->socket) {
                free(s);
                return -ENOMEM;
        }
        int64_t max = (int64_t)c->max_message_bytes;
        int hwm = SNAPSHOT_HWM, linger = 0, mandatory = 1, r = 0;
        /* Mandatory: a full queue is told (EAGAIN) instead of silently dropping a part of a snapshot. */
        if (zmq_setsockopt(s->socket, ZMQ_MAXMSGSIZE, &max, sizeof(max)) < 0 ||
            zmq_setsockopt(s->socket, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
            zmq_setsockopt(s->socket, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
            zmq_setsockopt(s->socket, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof(mandatory)) < 0 ||
            (r = zap_secure(zap, s->socket, ZAP_SNAPSHOT)) < 0 || zmq_bind(s->socket, c->snapshot) < 0) {
                r = r < 0 ? r : -errno;
                snapshot_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void snapshot_free(Snapshot *s) {
        if (!s)
                return;
        if (s->socket)
                zmq_close(s->socket);
        statsmsg_deinit(&s->msg);
        free(s);
}

void *snapshot_socket(const Snapshot *s) {
        return s->socket;
}

/* Sends the peer's envelope, then topic and body.  Returns 0 or a negative errno (-EAGAIN: its queue is full). */
static int send_to(Snapshot *s, Peer *p, const char *topic, zmq_msg_t *body) {
        if (zmq_send(s->socket, zmq_msg_data(&p->identity), zmq_msg_size(&p->identity),
                     ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
                return -errno;
        if (p->delimiter && zmq_send(s->socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
                return -errno;
        return frames_send(s->socket, topic, body, 0);
}

static int send_message_to(Snapshot *s, Peer *p, const char *topic, const ProtobufCMessage *m) {
        zmq_msg_t body;
        int r = frames_pack(m, &body);
        if (r < 0)
                return r;
        r = send_to(s, p, topic, &body);
        zmq_msg_close(&body);
        return r;
}

static void send_error(Snapshot *s, Peer *p, const char *reason) {
        Interim__SnapshotError e = INTERIM__SNAPSHOT_ERROR__INIT;
        e.reason = (char *)reason;
        (void)send_message_to(s, p, TOPIC_SNAPSHOT_ERROR, &e.base);
}

/* The topic's statistics computed from its trial's facts dated on or before cut, encoded with seq 0. */
static int at_cut(Snapshot *s, const Topic *t, const Trial *trial, int32_t cut, StatsForm form, zmq_msg_t *ret) {
        Summary summary;
        SurvTable table = { 0 };
        Interim__Statistics *msg;
        int r = summary_init(&summary, trial_spec(trial), t->endpoint, &t->summary.opt);
        if (r == 0 && t->summary.monitored)
                r = summary_set_design(&summary, &t->summary.monitoring.design);
        summary_set_worker(&summary, t->summary.worker);
        if (r == 0)
                r = survtable_init(&table, summary.n_strata, summary.n_arms);
        if (r == 0)
                r = trial_table_as_of(trial, t->endpoint, cut, &table);
        /* The formal looks made by the data cut. */
        size_t n_looks;
        const TrialLook *looks = trial_looks(trial, &n_looks);
        while (n_looks > 0 && looks[n_looks - 1].cut > cut)
                n_looks--;
        if (r == 0)
                r = summary_compute(&summary, &table, looks, n_looks);
        if (r == 0)
                r = statsmsg_build(&s->msg, trial_spec(trial), t->endpoint, &summary, 0, cut, form, &msg);
        if (r == 0)
                r = frames_pack(&msg->base, ret);
        survtable_deinit(&table);
        summary_deinit(&summary);
        return r;
}

/* Sends one topic's statistics and notes its seq in *ret.  Returns 0 or a negative errno. */
static int send_topic(Snapshot *s, Peer *p, Topic *t, const Trial *trial, const Interim__SnapshotRequest *req,
                      int32_t cut, Interim__TopicSeq *ret) {
        StatsForm form = req->arm_level ? STATS_ARM_LEVEL : STATS_POOLED;
        *ret = (Interim__TopicSeq)INTERIM__TOPIC_SEQ__INIT;
        ret->topic = t->name;
        if (req->data_cut[0] == '\0') {
                ret->seq = t->seq;
                return send_to(s, p, t->name, form == STATS_ARM_LEVEL ? &t->full : &t->pooled);
        }
        zmq_msg_t body;
        int r = at_cut(s, t, trial, cut, form, &body);
        if (r < 0)
                return r;
        r = send_to(s, p, t->name, &body);
        zmq_msg_close(&body);
        return r;
}

/* Answers a request: the matching topics, then the end marker.  Returns 0 or a negative errno. */
static int answer(Snapshot *s, Peer *p, const Interim__SnapshotRequest *req, int32_t cut, Topics *ts,
                  const Trials *trials) {
        Interim__TopicSeq *seqs = calloc(ts->n ? ts->n : 1, sizeof(*seqs));
        Interim__TopicSeq **ptrs = calloc(ts->n ? ts->n : 1, sizeof(*ptrs));
        Interim__SnapshotEnd end = INTERIM__SNAPSHOT_END__INIT;
        int r = seqs && ptrs ? 0 : -ENOMEM;
        size_t prefix = strlen(req->prefix);
        for (size_t i = 0; r == 0 && i < ts->n; i++) {
                Topic *t = &ts->topic[i];
                if (strncmp(t->name, req->prefix, prefix) != 0)
                        continue;
                r = send_topic(s, p, t, trials->trial[t->trial], req, cut, &seqs[end.n_topics]);
                ptrs[end.n_topics] = &seqs[end.n_topics];
                end.n_topics++;
        }
        if (r == 0) {
                end.prefix = req->prefix;
                end.data_cut = req->data_cut;
                end.arm_level = req->arm_level;
                end.topics = ptrs;
                r = send_message_to(s, p, TOPIC_SNAPSHOT_END, &end.base);
        }
        free(seqs);
        free(ptrs);
        return r;
}

/* Records that arm-level statistics go to the sender of payload.  Returns 0 or a negative errno (logged). */
static int disclose(Store *store, zmq_msg_t *payload, bool authenticated, const Interim__SnapshotRequest *req,
                    int64_t now) {
        const StoreDisclosure d = {
                .server_time = now,
                .recipient = frames_sender(payload, authenticated),
                .prefix = req->prefix,
                .data_cut = req->data_cut[0] ? req->data_cut : NULL,
        };
        int r = store_begin(store);
        if (r == 0 && (r = store_append_disclosure(store, &d)) < 0)
                store_rollback(store);
        if (r == 0)
                r = store_commit(store);
        if (r < 0)
                log_error("arm-level snapshot not recorded, not sent: %s (store: %s)", strerror(-r), store_error(store));
        return r;
}

/* Reads and answers one request.  Returns true when the answer was computed at a data cut. */
static bool handle(Snapshot *s, Peer *p, zmq_msg_t *payload, bool extra, Topics *ts, const Trials *trials,
                   Store *store, int64_t now) {
        Interim__SnapshotRequest *req = NULL;
        int32_t cut = INT32_MAX;
        char why[192];
        if (extra || !(req = interim__snapshot_request__unpack(NULL, zmq_msg_size(payload), zmq_msg_data(payload)))) {
                send_error(s, p, "not a SnapshotRequest: expected one frame holding an interim.SnapshotRequest");
                return false;
        }
        bool computed = false;
        const char *role = s->authenticated ? zmq_msg_gets(payload, "User-Id") : NULL;
        if (!wire_strings_whole(&interim__snapshot_request__descriptor, zmq_msg_data(payload), zmq_msg_size(payload)))
                send_error(s, p, "the prefix or data_cut holds a NUL byte");
        else if (req->arm_level && s->authenticated && !(role && role_kind(role) == ROLE_DSMB))
                send_error(s, p, "arm-level snapshots are for dsmb keys only");
        else if (req->data_cut[0] != '\0' && date_parse(req->data_cut, &cut) < 0) {
                snprintf(why, sizeof(why), "bad data_cut '%.16s': expected a date YYYY-MM-DD", req->data_cut);
                send_error(s, p, why);
        } else if (cut != INT32_MAX && cut > event_today(now)) {
                /* The store holds nothing of a day to come: an answer would only look like a prediction. */
                char today[11];
                date_format(event_today(now), today);
                snprintf(why, sizeof(why),
                         "data_cut %s is in the future (today is %s, UTC): ask without one for the live statistics",
                         req->data_cut, today);
                send_error(s, p, why);
        } else if (req->arm_level && disclose(store, payload, s->authenticated, req, now) < 0)
                send_error(s, p, "arm-level snapshot not available: the store failed");
        else {
                int r = answer(s, p, req, cut, ts, trials);
                computed = cut != INT32_MAX;
                /* A full queue is the peer's problem (it asks again); anything else is the daemon's. */
                if (r < 0 && r != -EAGAIN && r != -EHOSTUNREACH)
                        log_warning("snapshot for '%s': %s", req->prefix, strerror(-r));
        }
        interim__snapshot_request__free_unpacked(req, NULL);
        return computed;
}

void snapshot_serve(Snapshot *s, Topics *ts, const Trials *trials, Store *store, int64_t now) {
        for (int i = 0; i < SNAPSHOT_BATCH; i++) {
                Peer p;
                zmq_msg_t payload;
                bool extra;
                int got = frames_receive(s->socket, &p.identity, &p.delimiter, &payload, &extra);
                bool computed = got > 0 && handle(s, &p, &payload, extra, ts, trials, store, now);
                zmq_msg_close(&p.identity);
                zmq_msg_close(&payload);
                /* A data cut's statistics are computed from every patient: one per call, ingest between them. */
                if (got <= 0 || computed)
                        return;
        }
}
