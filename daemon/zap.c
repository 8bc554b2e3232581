/* zap.c — the ZAP handler (RFC 27): a CURVE client is admitted when its key is authorized and its role may use the socket. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "keys.h"
#include "log.h"
#include "zap.h"
#include "zapreq.h"

/* A draft option of libzmq (its number is fixed; Debian's library takes it): without a ZAP handler, refuse every client. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

struct Zap {
        void *socket;
        Keys *keys;
        uint8_t secret[32];
};

int zap_new(Zap **ret, void *zmq_context, const Config *c, char **ret_error) {
        *ret = NULL;
        *ret_error = NULL;
        if (!c->keys_dir)
                return 0;
        Zap *z = calloc(1, sizeof(*z));
        if (!z)
                return -ENOMEM;
        KeyFile pair;
        int r = key_file_read(c->secret_key, &pair, ret_error);
        if (r == 0 && !pair.secret_key[0]) {
                r = -EINVAL;
                if (asprintf(ret_error, "%s: no secret key", c->secret_key) < 0)
                        *ret_error = NULL;
        }
        if (r == 0 && !zmq_z85_decode(z->secret, pair.secret_key))
                r = -EINVAL;
        if (r == 0)
                r = keys_load(&z->keys, c->keys_dir, ret_error);
        if (r == 0 && !(z->socket = zmq_socket(zmq_context, ZMQ_REP)))
                r = -errno;
        /* libzmq asks this one address; it must be bound before any CURVE server socket. */
        if (r == 0 && zmq_bind(z->socket, "inproc://zeromq.zap.01") < 0) {
                r = -errno;
                if (asprintf(ret_error, "ZAP handler: %s", zmq_strerror(errno)) < 0)
                        *ret_error = NULL;
        }
        explicit_bzero(&pair, sizeof(pair));
        if (r < 0) {
                zap_free(z);
                return r;
        }
        log_notice("CURVE: %zu authorized key%s from %s", z->keys->n, z->keys->n == 1 ? "" : "s", c->keys_dir);
        *ret = z;
        return 0;
}

void zap_free(Zap *z) {
        if (!z)
                return;
        if (z->socket)
                zmq_close(z->socket);
        keys_free(z->keys);
        explicit_bzero(z->secret, sizeof(z->secret));
        free(z);
}

void *zap_socket(const Zap *z) {
        return z ? z->socket : NULL;
}

int zap_secure(const Zap *z, void *socket, const char *domain) {
        if (!z)
                return 0;
        int on = 1;
        if (zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof(on)) < 0 ||
            zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, z->secret, sizeof(z->secret)) < 0 ||
            zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) < 0 ||
            zmq_setsockopt(socket, ZMQ_ZAP_ENFORCE_DOMAIN, &on, sizeof(on)) < 0)
                return -errno;
        return 0;
}

/* Sends the reply to a request. */
static void reply(Zap *z, const ZapAnswer *a) {
        zmq_send(z->socket, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(z->socket, a->request_id.data, a->request_id.size, ZMQ_SNDMORE);
        zmq_send(z->socket, a->status, strlen(a->status), ZMQ_SNDMORE);
        zmq_send(z->socket, a->text, strlen(a->text), ZMQ_SNDMORE);
        zmq_send(z->socket, a->user_id, strlen(a->user_id), ZMQ_SNDMORE);
        zmq_send(z->socket, a->metadata, a->metadata_size, 0);
}

/* Reads one request (all its frames, the first seven kept) and answers it.  Returns false when none was waiting. */
static bool serve_one(Zap *z) {
        zmq_msg_t msgs[ZAP_REQUEST_FRAMES];
        ZapFrame frames[ZAP_REQUEST_FRAMES];
        size_t n = 0, kept = 0;
        for (int more = 1; more; n++) {
                zmq_msg_t extra, *m = kept < ZAP_REQUEST_FRAMES ? &msgs[kept] : &extra;
                zmq_msg_init(m);
                if (zmq_msg_recv(m, z->socket, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                        zmq_msg_close(m);
                        if (n == 0)
                                return false;
                        break;
                }
                more = zmq_msg_more(m);
                if (m == &extra)
                        zmq_msg_close(m);
                else {
                        frames[kept] = (ZapFrame){ zmq_msg_data(m), zmq_msg_size(m) };
                        kept++;
                }
        }
        ZapAnswer a;
        zap_request_answer(z->keys, frames, n, &a);
        if (strcmp(a.status, "200") != 0)
                log_info("refused %s on %s: %s", a.public_key[0] ? a.public_key : "a client", a.domain[0] ? a.domain : "?",
                         a.text);
        /* A REP socket must answer even a malformed request before it can read again. */
        reply(z, &a);
        for (size_t i = 0; i < kept; i++)
                zmq_msg_close(&msgs[i]);
        return true;
}

void zap_serve(Zap *z) {
        while (serve_one(z))
                ;
}
