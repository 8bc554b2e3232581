/* publish.c — the two PUB sockets and what goes out on them. */
#include <errno.h>
#include <stdlib.h>
#include <zmq.h>

#include "frames.h"
#include "interim.pb-c.h"
#include "publish.h"

struct Publisher {
        void *full;   /* arm-level: the DSMB's channel; NULL when not configured */
        void *pooled; /* pooled: the open channel */
        int64_t started;
};

static int bind_pub(void *zmq_context, const Zap *zap, const char *domain, const char *endpoint, void **ret) {
        if (!endpoint)
                return 0;
        void *s = zmq_socket(zmq_context, ZMQ_PUB);
        if (!s)
                return -errno;
        int hwm = PUBLISH_HWM, linger = PUBLISH_LINGER_MS, r = 0;
        int64_t max = PUBLISH_MAX_SUBSCRIPTION;
        if (zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
            zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof(max)) < 0 ||
            zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) < 0 || (r = zap_secure(zap, s, domain)) < 0 ||
            zmq_bind(s, endpoint) < 0) {
                r = r < 0 ? r : -errno;
                zmq_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

int publish_new(Publisher **ret, void *zmq_context, const Config *c, const Zap *zap, int64_t started,
                const char **ret_endpoint) {
        Publisher *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->started = started;
        *ret_endpoint = c->publish;
        int r = bind_pub(zmq_context, zap, ZAP_PUBLISH, c->publish, &p->full);
        if (r == 0) {
                *ret_endpoint = c->publish_open;
                r = bind_pub(zmq_context, zap, ZAP_PUBLISH_OPEN, c->publish_open, &p->pooled);
        }
        if (r < 0) {
                publish_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void publish_free(Publisher *p) {
        if (!p)
                return;
        if (p->full)
                zmq_close(p->full);
        if (p->pooled)
                zmq_close(p->pooled);
        free(p);
}

void publish_topics(Publisher *p, const Topics *ts) {
        for (size_t i = 0; i < ts->n_updated; i++) {
                Topic *t = ts->updated[i];
                /* A PUB socket drops what a subscriber cannot take; nothing to do about a failure here. */
                if (p->full)
                        (void)frames_send(p->full, t->name, &t->full, 0);
                if (p->pooled)
                        (void)frames_send(p->pooled, t->name, &t->pooled, 0);
        }
}

void publish_heartbeat(Publisher *p, int64_t now) {
        Interim__Heartbeat hb = INTERIM__HEARTBEAT__INIT;
        hb.time = now;
        hb.started = p->started;
        hb.interval_ms = PUBLISH_HEARTBEAT_MS;
        if (p->full)
                (void)frames_send_message(p->full, TOPIC_HEARTBEAT, &hb.base);
        if (p->pooled)
                (void)frames_send_message(p->pooled, TOPIC_HEARTBEAT, &hb.base);
}
