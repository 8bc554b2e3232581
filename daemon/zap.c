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

/* A draft option of libzmq (its number is fixed; Debian's library takes it): without a ZAP handler, refuse every client. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

/* The frames of a ZAP request: version, request id, domain, address, identity, mechanism, credentials. */
#define ZAP_REQUEST_FRAMES 7

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

/* Whether a role may use the sockets of a domain. */
static bool role_admitted(const char *role, const char *domain) {
        int kind = role_kind(role);
        if (strcmp(domain, ZAP_INGEST) == 0)
                return kind == ROLE_SITE;
        if (strcmp(domain, ZAP_PUBLISH) == 0)
                return kind == ROLE_DSMB;
        if (strcmp(domain, ZAP_PUBLISH_OPEN) == 0)
                return kind == ROLE_SITE || kind == ROLE_DSMB || kind == ROLE_OPEN;
        if (strcmp(domain, ZAP_SNAPSHOT) == 0)
                return kind == ROLE_DSMB || kind == ROLE_OPEN;
        return false;
}

/* Sends a reply to request id: for an admitted key, its role as User-Id and its name as metadata Key-Name. */
static void reply(Zap *z, const void *id, size_t id_len, const char *status, const char *text, const struct KeyEntry *key) {
        /* ZMTP metadata: name length (1 byte), name, value length (4 bytes, big-endian), value. */
        uint8_t metadata[1 + 8 + 4 + sizeof(key->name)];
        size_t n = 0;
        if (key) {
                size_t len = strlen(key->name);
                metadata[n++] = 8;
                memcpy(metadata + n, "Key-Name", 8);
                n += 8;
                for (int i = 3; i >= 0; i--)
                        metadata[n++] = (uint8_t)(len >> (8 * i));
                memcpy(metadata + n, key->name, len);
                n += len;
        }
        const char *user = key ? key->file.role : "";
        zmq_send(z->socket, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(z->socket, id, id_len, ZMQ_SNDMORE);
        zmq_send(z->socket, status, strlen(status), ZMQ_SNDMORE);
        zmq_send(z->socket, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(z->socket, user, strlen(user), ZMQ_SNDMORE);
        zmq_send(z->socket, metadata, n, 0);
}

/* Reads one request (all its frames) and answers it.  Returns false when none was waiting. */
static bool serve_one(Zap *z) {
        zmq_msg_t frames[ZAP_REQUEST_FRAMES + 1];
        size_t n = 0;
        int more = 1;
        while (more) {
                zmq_msg_t *m = &frames[n < ZAP_REQUEST_FRAMES ? n : ZAP_REQUEST_FRAMES];
                zmq_msg_init(m);
                if (zmq_msg_recv(m, z->socket, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                        zmq_msg_close(m);
                        if (n == 0)
                                return false;
                        break;
                }
                more = zmq_msg_more(m);
                if (n >= ZAP_REQUEST_FRAMES)
                        zmq_msg_close(m);
                else
                        n++;
        }
        const struct KeyEntry *key = NULL;
        char domain[32] = "", public_key[KEY_Z85_LEN + 1] = "";
        const char *status = "400", *text = "unknown key";
        if (n == ZAP_REQUEST_FRAMES && zmq_msg_size(&frames[0]) == 3 && memcmp(zmq_msg_data(&frames[0]), "1.0", 3) == 0 &&
            zmq_msg_size(&frames[5]) == 5 && memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0 &&
            zmq_msg_size(&frames[6]) == 32 && zmq_msg_size(&frames[2]) < sizeof(domain)) {
                memcpy(domain, zmq_msg_data(&frames[2]), zmq_msg_size(&frames[2]));
                zmq_z85_encode(public_key, zmq_msg_data(&frames[6]), 32);
                key = keys_find(z->keys, public_key);
                if (key && !role_admitted(key->file.role, domain)) {
                        text = "role not admitted to this socket";
                        key = NULL;
                }
                if (key) {
                        status = "200";
                        text = "OK";
                }
        } else
                text = "not a CURVE request";
        if (!key)
                log_info("refused %s on %s: %s", public_key[0] ? public_key : "a client", domain[0] ? domain : "?", text);
        /* A REP socket must answer even a malformed request before it can read again. */
        if (n >= 2)
                reply(z, zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), status, text, key);
        else
                reply(z, "", 0, "500", "malformed request", NULL);
        for (size_t i = 0; i < n; i++)
                zmq_msg_close(&frames[i]);
        return true;
}

void zap_serve(Zap *z) {
        while (serve_one(z))
                ;
}
